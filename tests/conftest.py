"""Shared fixtures: built sites of the golden fixture township and of the demo."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from cunwu.write.pipeline import BuildOptions, build

REPO = Path(__file__).resolve().parents[1]
GOLDEN_PROJECT = REPO / "tests" / "golden" / "project"
GOLDEN_EXPECTED = REPO / "tests" / "golden" / "expected"
#: a fixed "today" so timeliness and everything else reproduces
GOLDEN_AS_OF = dt.date(2026, 11, 20)
DEMO_AS_OF = dt.date(2026, 11, 20)
ARTIFACTS = REPO / "tests" / "_artifacts"


def copy_project(src: Path, dst: Path) -> Path:
    """A private copy of a project (tests may edit it), without its build output."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("build", ".git", "__pycache__"))
    return dst


def build_site(project: Path, out: Path, as_of=GOLDEN_AS_OF, **kw):
    return build(BuildOptions(path=project, out=out, as_of=as_of, progress=False, **kw))


@pytest.fixture(scope="session")
def golden_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("golden-build")
    build_site(GOLDEN_PROJECT, out, GOLDEN_AS_OF)
    return out / "site"


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The demo township of the repository, built once per test session."""
    out = tmp_path_factory.mktemp("demo-build")
    build_site(REPO, out, DEMO_AS_OF)
    return out / "site"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
