"""Shared test fixtures: where the fixture letters and the real letters live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE_LETTERS = FIXTURES / "letters"
GOLDEN = ROOT / "tests" / "golden"
REAL_LETTERS = Path(os.environ.get("LETTERS_REAL_DIR", ROOT.parent / "shared" / "letters"))


@pytest.fixture(scope="session")
def real_letters() -> Path:
    if not REAL_LETTERS.is_dir():
        pytest.skip(f"the real letters are not at {REAL_LETTERS} (set LETTERS_REAL_DIR)")
    return REAL_LETTERS
