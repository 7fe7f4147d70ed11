"""The pre-commit privacy hook checks what is staged, and blocks the commit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cunwu.cli import main
from cunwu.privacy import id_check_char

from conftest import GOLDEN_PROJECT, copy_project, git_run

ROSTER = "villages/alpha/subsidies/2026-10-dibao.yaml"
# an invented, checksum-valid ID number: this test proves a leak is caught
BASE = "99010119800101001"
FULL_ID = BASE + id_check_char(BASE)
REPO = Path(__file__).resolve().parents[1]


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    who = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    result = git_run(repo, *args, env=who)
    if check and result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, args, result.stdout, result.stderr)
    return result


@pytest.fixture
def repo(tmp_path) -> Path:
    proj = copy_project(GOLDEN_PROJECT, tmp_path / "township")
    git(proj, "init", "-q", "-b", "main")
    git(proj, "add", "-A")
    git(proj, "commit", "-q", "-m", "init")
    assert main(["install-hook", str(proj)]) == 0
    hook = (proj / ".git/hooks/pre-commit").read_text()
    assert sys.executable in hook
    return proj


def leak(path: Path) -> None:
    text = path.read_text("utf-8")
    path.write_text(text.replace("990101********123X", FULL_ID), "utf-8")


def test_commit_with_a_full_id_is_refused(repo):
    leak(repo / ROSTER)
    git(repo, "add", ROSTER)
    result = git(repo, "commit", "-m", "leak", check=False)
    assert result.returncode != 0
    assert "id-number-leak" in result.stdout + result.stderr
    assert FULL_ID not in result.stdout + result.stderr  # the report itself is masked
    assert git(repo, "log", "--oneline").stdout.count("\n") == 1


def test_the_staged_content_is_checked_not_the_working_tree(repo):
    leak(repo / ROSTER)
    git(repo, "add", ROSTER)
    # fixing only the working tree does not help: the leak is still staged
    (repo / ROSTER).write_text((repo / ROSTER).read_text().replace(FULL_ID, "990101********123X"))
    assert git(repo, "commit", "-m", "leak", check=False).returncode != 0
    # and a clean staged file passes even if the working tree has a leak
    git(repo, "add", ROSTER)
    leak(repo / ROSTER)
    assert git(repo, "commit", "-m", "ok", "--allow-empty", check=False).returncode == 0


def test_file_names_are_checked(repo):
    bad = repo / "villages/alpha/attachments" / f"{FULL_ID}.png"
    bad.write_bytes(b"\x89PNG")
    git(repo, "add", "-A")
    result = git(repo, "commit", "-m", "scan", check=False)
    assert result.returncode != 0 and "文件名" in result.stdout + result.stderr
    assert FULL_ID not in result.stdout + result.stderr


def test_official_mobile_declared_in_staged_village_is_allowed(repo):
    village = repo / "villages/alpha/village.yaml"
    notice = repo / "villages/alpha/notices/tender.md"
    notice.write_text(
        notice.read_text().replace("经村民代表会议决议", "联系电话 13900002222。经村民代表会议决议")
    )
    git(repo, "add", "-A")
    assert git(repo, "commit", "-m", "mobile", check=False).returncode != 0
    village.write_text(village.read_text().replace('phone: "13900001111"', 'phone: "13900002222"'))
    git(repo, "add", "-A")
    assert git(repo, "commit", "-m", "declared", check=False).returncode == 0


def test_install_hook_does_not_clobber_another_hook(repo):
    hook = repo / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho other\n")
    assert main(["install-hook", str(repo)]) == 2
    assert main(["install-hook", str(repo), "--force"]) == 0


def test_pre_commit_framework_manifest():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    (hook,) = hooks
    assert hook["id"] == "cunwu-privacy"
    assert hook["entry"] == "cunwu privacy-check --staged" and hook["pass_filenames"] is False


def test_a_number_the_yaml_parser_assembles_is_refused(repo):
    """Folded over two lines, the number is only whole once the YAML is read."""
    roster = (repo / ROSTER).read_text("utf-8")
    head, tail = FULL_ID[:9], FULL_ID[9:]
    (repo / ROSTER).write_text(roster + f"note: 户主 {head}\n  {tail}\n", "utf-8")
    git(repo, "add", ROSTER)
    result = git(repo, "commit", "-m", "folded", check=False)
    assert result.returncode != 0 and "id-number-leak" in result.stdout + result.stderr


@pytest.mark.parametrize("rel", ["notes/名单.txt", "themes/cunwu/templates/extra.html", "export.tsv"])
def test_files_outside_the_data_folders_are_checked_too(repo, rel):
    """Whatever is committed stays in git: a note or a template is no exception."""
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(f"王某 {FULL_ID}\n", "utf-8")
    git(repo, "add", "-A")
    result = git(repo, "commit", "-m", "note", check=False)
    assert result.returncode != 0 and f"{rel}:1: id-number-leak" in result.stdout + result.stderr
    # a binary file cannot be read, and is not taken for text
    (repo / rel).unlink()
    (repo / "photo.bin").write_bytes(b"\x89PNG\0" + FULL_ID.encode())
    git(repo, "add", "-A")
    assert git(repo, "commit", "-m", "photo", check=False).returncode == 0
