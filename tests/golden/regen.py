"""Rewrite tests/golden/expected from tests/golden/project (``make golden``).

Review the diff: every change in it is a change villagers will see.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conftest import GOLDEN_AS_OF, GOLDEN_EXPECTED, GOLDEN_PROJECT, build_site  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        build_site(GOLDEN_PROJECT, Path(tmp), GOLDEN_AS_OF)
        if GOLDEN_EXPECTED.exists():
            shutil.rmtree(GOLDEN_EXPECTED)
        shutil.copytree(Path(tmp) / "site", GOLDEN_EXPECTED)
    print(f"rewrote {GOLDEN_EXPECTED}")


if __name__ == "__main__":
    main()
