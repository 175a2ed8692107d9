"""What a site profile's `verified` says: a category with a meaning (sites.Verification), not prose."""

from __future__ import annotations

import re

from click.testing import CliRunner

from newsarchive.cli import main
from newsarchive.sites import SITES, Verification
from newsarchive.sites.adhoc import adhoc_profile, is_adhoc


def test_each_profile_is_in_the_category_its_layouts_allow() -> None:
    for key, profile in SITES.items():
        assert isinstance(profile.verified, Verification), key
        if profile.layouts:  # its own selectors: checked against real pages, or against pages we wrote
            assert profile.verified in (Verification.REAL_PAGES, Verification.WRITTEN_FIXTURES), key
            # which pages, or which scrapers' selectors of which year: said, not left to guess
            assert profile.verified_note, key
        else:
            assert profile.verified is Verification.NO_MARKUP_KNOWN, key
        assert not is_adhoc(profile), key
    assert {profile.verified for profile in SITES.values()} == {
        Verification.REAL_PAGES,
        Verification.WRITTEN_FIXTURES,
        Verification.NO_MARKUP_KNOWN,
    }


def test_a_profile_made_on_the_spot_is_verified_by_nothing() -> None:
    profile = adhoc_profile("https://www.example.co.il/")
    assert profile.verified is Verification.NONE and is_adhoc(profile)
    assert "generic extraction" in profile.verified_note


def test_the_sites_table_shows_the_category_then_the_note() -> None:
    result = CliRunner().invoke(main, ["sites"])
    assert result.exit_code == 0, result.output
    rows = re.split("[┡├]", result.output)[1:]  # one row of the table each, after the heading
    for profile, row in zip(SITES.values(), rows, strict=True):
        cell = " ".join(line.rsplit("│", 2)[-2].strip() for line in row.splitlines() if line.count("│") > 2)
        assert cell.startswith(profile.verified.described.split(":")[0]), (profile.key, cell)
        assert " ".join(profile.verified_note.split()) in cell, (profile.key, cell)
