"""Golden output: the fixture township builds to exactly the committed files.

After an intended change, run ``make golden`` and review the diff of
tests/golden/expected like any other change. PDFs are compared by page count
and extracted text (``poster.pdf.txt``), not bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import GOLDEN_EXPECTED
from golden.regen import DIFF_EXPECTED, diff_html, snapshot


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def actual(golden_site, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("golden-snapshot")
    snapshot(golden_site, target)
    return target


def test_same_files(actual):
    assert _files(actual) == _files(GOLDEN_EXPECTED), "run `make golden` if the change is intended"


def test_same_content(actual):
    different = [
        rel
        for rel in _files(GOLDEN_EXPECTED)
        if (actual / rel).exists() and (actual / rel).read_bytes() != (GOLDEN_EXPECTED / rel).read_bytes()
    ]
    assert not different, f"changed outputs (run `make golden` if intended): {different}"


def test_diff_html():
    """`cunwu diff --format html` between two fixed commits of the demo's history."""
    assert diff_html() == DIFF_EXPECTED.read_text("utf-8"), "run `make golden` if the change is intended"
