"""Near misses of the file places cunwu reads (``cunwu.sources.misnamed``).

A file whose name is a slip for a place in the registry would silently never
be published, so validate names the right path (``misnamed-file``); anything
else stays an ``unknown-file`` warning. tests/cases/misnamed-file checks the
whole report.
"""

from __future__ import annotations

import pytest

from cunwu.kinds import KINDS
from cunwu.sources import classify, misnamed

SLIPS = [
    ("villages/x/finance/2026-10.yml", "villages/x/finance/2026-10.yaml"),
    ("villages/x/finance/2026-10.YAML", "villages/x/finance/2026-10.yaml"),
    ("villages/x/finance/2026-10.Yml", "villages/x/finance/2026-10.yaml"),
    ("villages/x/finance/2026-10.yaml.txt", "villages/x/finance/2026-10.yaml"),
    ("villages/x/FINANCE/2026-10.YML.TXT", "villages/x/finance/2026-10.yaml"),
    ("villages/x/Finance/2026-10.yaml", "villages/x/finance/2026-10.yaml"),
    ("villages/x/finances/2026-Q3.yaml", "villages/x/finance/2026-Q3.yaml"),
    ("villages/x/finance/2026/2026-10.yaml", "villages/x/finance/2026-10.yaml"),
    ("villages/x/subsidy/2026-10-dibao.yaml", "villages/x/subsidies/2026-10-dibao.yaml"),
    ("villages/x/Subsidies/2026-10-dibao.yml", "villages/x/subsidies/2026-10-dibao.yaml"),
    ("villages/x/notice/meeting.md", "villages/x/notices/meeting.md"),
    ("villages/x/notices/meeting.MD", "villages/x/notices/meeting.md"),
    ("villages/x/notices/meeting.md.txt", "villages/x/notices/meeting.md"),
    ("villages/x/notices/meeting.markdown", "villages/x/notices/meeting.md"),
    ("villages/x/Powers/seal-use.yaml", "villages/x/powers/seal-use.yaml"),
    ("villages/x/Village.yaml", "villages/x/village.yaml"),
    ("villages/x/village.yml", "villages/x/village.yaml"),
    ("villages/x/Attachments/2026-10/scan.jpg", "villages/x/attachments/2026-10/scan.jpg"),
    ("powers/seal-use.yml", "powers/seal-use.yaml"),
    ("powers/catalog.yml", "powers/catalog.yaml"),
]

NOT_SLIPS = [
    "villages/x/readme.txt",
    "villages/x/photo.jpg",
    "villages/x/finance/2026-10.xlsx",
    "villages/x/finance/2026-10.yaml.bak",
    "villages/x/finance/notes.txt",
    "villages/x/notices/meeting.txt",
    "villages/x/budget/2026.yaml",
    "powers/notes.md",
    # read by cunwu already (a wrong name inside is filename-mismatch, not a slip)
    "villages/x/finance/2026-10.yaml",
    "villages/x/attachments/a.png",
]


@pytest.mark.parametrize(("rel", "right"), SLIPS)
def test_slip_names_the_right_path(rel, right):
    assert classify(rel).kind == "unknown"
    slip = misnamed(rel)
    assert slip is not None and slip.suggested == right and slip.reasons
    assert classify(right).kind != "unknown"


@pytest.mark.parametrize("rel", NOT_SLIPS)
def test_other_files_are_no_slips(rel):
    assert misnamed(rel) is None


@pytest.mark.parametrize("kind", [k for k in KINDS.values() if k.folder and k.scope != "township"])
def test_every_folder_of_the_registry_has_its_slips(kind):
    """The near misses come from the registry: a kind added there gets them too."""
    name = "x" + kind.suffix
    for folder in (kind.folder.upper(), kind.folder.title(), f"{kind.folder}/2026"):
        assert misnamed(f"villages/v/{folder}/{name}").suggested == f"villages/v/{kind.folder}/{name}"
    stem = name.removesuffix(kind.suffix)
    assert misnamed(f"villages/v/{kind.folder}/{stem}{kind.suffix.upper()}").suggested.endswith(name)
