"""Shared fixtures: built sites of the golden fixture township and of the demo."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from cunwu.commands.build import BuildOptions, build

REPO = Path(__file__).resolve().parents[1]
GOLDEN_PROJECT = REPO / "tests" / "golden" / "project"
GOLDEN_EXPECTED = REPO / "tests" / "golden" / "expected"
#: a fixed "today" so timeliness and everything else reproduces
GOLDEN_AS_OF = dt.date(2026, 11, 20)
DEMO_AS_OF = dt.date(2026, 11, 20)
ARTIFACTS = REPO / "tests" / "_artifacts"


def copy_project(src: Path, dst: Path) -> Path:
    """A private copy of a project (tests may edit it), without its build output."""
    # never the venv or tool caches: a copy of the repository with its .venv was
    # 1.2 GB, and a dozen tests copy it (the suite filled a 250 GB disk)
    shutil.copytree(
        src,
        dst,
        ignore=shutil.ignore_patterns(
            "build", ".git", "__pycache__", ".venv", ".mypy_cache", ".ruff_cache", ".hypothesis", "_artifacts"
        ),
    )
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


# Hypothesis profiles of tests/test_fuzz.py: "ci" by default, "long" with CUNWU_FUZZ=long
# (`make fuzz`). The fuzz tests apply FUZZ_SETTINGS themselves; other tests keep theirs.
settings.register_profile(
    "ci", max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(
    "long", max_examples=3000, deadline=5000, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
FUZZ_PROFILE = "long" if os.environ.get("CUNWU_FUZZ") == "long" else "ci"
FUZZ_SETTINGS = settings.get_profile(FUZZ_PROFILE)


# ---------------------------------------------------------------- throwaway git repositories


@pytest.fixture
def isolated_git(monkeypatch, tmp_path):
    """No user or system git config, and no repository above the test folder."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def git_run(repo: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run git in ``repo`` without the user's or system's git config; never raises."""
    full = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})}
    return subprocess.run(["git", *args], cwd=repo, env=full, capture_output=True, text=True)


def git(repo: Path, *args: str, env: dict | None = None) -> str:
    """Run git in ``repo``; its output, stripped. Raises on failure."""
    result = git_run(repo, *args, env=env)
    if result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, ["git", *args], result.stdout, result.stderr)
    return result.stdout.strip()
