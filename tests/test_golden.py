"""Golden output: the fixture township builds to exactly the committed files.

After an intended change, run ``make golden`` and review the diff of
tests/golden/expected like any other change.
"""

from __future__ import annotations

import hashlib

from conftest import GOLDEN_EXPECTED

TEXT = {".html", ".json", ".csv", ".xml", ".css", ".js", ".svg", ".txt"}


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_same_files(golden_site):
    assert _files(golden_site) == _files(GOLDEN_EXPECTED), "run `make golden` if the change is intended"


def test_same_content(golden_site):
    different = []
    for rel in _files(GOLDEN_EXPECTED):
        want, got = GOLDEN_EXPECTED / rel, golden_site / rel
        if not got.exists():
            continue
        if want.suffix in TEXT:
            if want.read_text("utf-8") != got.read_text("utf-8"):
                different.append(rel)
        elif want.suffix == ".pdf":
            continue  # compared by text and page count in test_posters
        elif hashlib.sha256(want.read_bytes()).digest() != hashlib.sha256(got.read_bytes()).digest():
            different.append(rel)
    assert not different, f"changed outputs (run `make golden` if intended): {different}"
