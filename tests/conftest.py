from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
#: the offline snapshot of every profiled site (the README's first command crawls it)
SAMPLE_SITES = ROOT / "data" / "samples" / "sites"


@pytest.fixture
def shared_corpus() -> Path:
    if not (SHARED_CORPUS / "cases.json").exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true and no ../shared/corpus beside the repository: the real-page gate must run")
        pytest.skip("../shared/corpus is not beside the repository")
    return SHARED_CORPUS
