"""The extractor version means something: it changes when the extraction output the fixtures pin changes.

``tests/extractor_versions.json`` records, for each extractor version, a digest of each fixture's expected
JSON. A fixture whose expected output changes while ``EXTRACTOR_VERSION`` stays the same fails here: the
stored articles of that version would no longer be what the extractor gives, and ``reextract`` (which picks
the pages stored by older versions) would not know. After bumping the version, or adding a fixture, record::

    python3 tests/test_extractor_version.py --record
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RECORD = Path(__file__).resolve().parent / "extractor_versions.json"


def current_version() -> str:
    from newsarchive.extract.version import EXTRACTOR_VERSION

    return EXTRACTOR_VERSION


def expected_outputs() -> dict[str, str]:
    """Each fixture's expected JSON as a digest of its canonical form (re-indenting changes nothing)."""
    digests = {}
    for path in sorted(FIXTURES.rglob("*.json")):
        canonical = json.dumps(
            json.loads(path.read_text(encoding="utf-8")), sort_keys=True, ensure_ascii=False
        )
        digests[path.relative_to(FIXTURES).as_posix()] = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return digests


def _recorded() -> dict[str, dict[str, str]]:
    return json.loads(RECORD.read_text(encoding="utf-8")) if RECORD.exists() else {}


def changed_under(version: str, record: dict[str, dict[str, str]], outputs: dict[str, str]) -> list[str]:
    pinned = record.get(version, {})
    return sorted(name for name, digest in outputs.items() if name in pinned and pinned[name] != digest)


def test_the_fixtures_expected_output_is_the_one_recorded_for_this_extractor_version() -> None:
    version, record, outputs = current_version(), _recorded(), expected_outputs()
    assert version in record, (
        f"EXTRACTOR_VERSION {version} has no record: run python3 tests/test_extractor_version.py --record"
    )
    changed = changed_under(version, record, outputs)
    assert not changed, (
        f"the expected output of {len(changed)} fixture(s) changed ({', '.join(changed[:5])}) while"
        f" EXTRACTOR_VERSION stayed {version}: bump it in newsarchive/extract/version.py, then record"
    )
    pinned = record[version]
    assert set(pinned) == set(outputs), (
        f"fixtures added or removed since the record ({sorted(set(pinned) ^ set(outputs))[:5]}):"
        " run python3 tests/test_extractor_version.py --record"
    )


def test_each_version_pins_different_output() -> None:
    """A bump with no fixture showing what changed would make every user re-extract for nothing tested."""
    record = _recorded()
    versions = sorted(record, key=int)
    for older, newer in itertools.pairwise(versions):
        shared = set(record[older]) & set(record[newer])
        assert any(record[older][name] != record[newer][name] for name in shared), (
            f"version {newer} pins the same expected output as {older}: add a fixture showing the change"
        )
    assert all(int(v) <= int(current_version()) for v in versions), "a recorded version is ahead of the code"


def test_a_changed_fixture_under_the_same_version_is_caught() -> None:
    outputs = expected_outputs()
    name = next(iter(outputs))
    record = {"5": dict(outputs)}
    assert changed_under("5", record, outputs) == []
    assert changed_under("5", record, {**outputs, name: "0" * 16}) == [name]


def record() -> int:
    """Add this version's digests; a fixture of an already recorded version may not change under it."""
    version, stored, outputs = current_version(), _recorded(), expected_outputs()
    changed = changed_under(version, stored, outputs)
    if changed:
        print(
            f"refused: {len(changed)} fixture(s) changed their expected output under version {version}"
            f" ({', '.join(changed[:5])}); bump EXTRACTOR_VERSION first",
            file=sys.stderr,
        )
        return 1
    stored[version] = outputs
    RECORD.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {len(outputs)} fixtures for extractor version {version} in {RECORD}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(record() if sys.argv[1:] == ["--record"] else 2)
