"""The first build in a new folder says so as information, not as a warning."""

from __future__ import annotations

import pytest

from cunwu.cli import main
from cunwu.errors import ValidationFailed
from cunwu.problems import Report, problem

import conftest
from conftest import GOLDEN_PROJECT, build_site, copy_project


def git(repo, *args):
    who = {"GIT_AUTHOR_NAME": "李报账", "GIT_AUTHOR_EMAIL": "li@example.invalid"}
    env = {**who, "GIT_COMMITTER_NAME": "李报账", "GIT_COMMITTER_EMAIL": "li@example.invalid"}
    return conftest.git(repo, *args, env=env)


@pytest.fixture
def repo(tmp_path, isolated_git):
    proj = copy_project(GOLDEN_PROJECT, tmp_path / "township")
    git(proj, "init", "-q", "-b", "main")
    git(proj, "add", "-A")
    git(proj, "commit", "-q", "-m", "十月公开")
    return proj


def _manifest_problems(result):
    return [p for p in result.report.problems if p.code == "manifest-missing"]


def test_first_build_is_information(repo, tmp_path):
    [p] = _manifest_problems(build_site(repo, tmp_path / "out", posters=False))
    assert p.severity == "info"
    assert "第一次构建" in p.message and "不需要做什么" in p.message
    assert p.format().startswith("cunwu.yaml: manifest-missing: 提示 ")


def test_cli_prints_it_as_information(repo, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["build", "--quiet", "--no-posters", "--as-of", "2026-11-20", "--out", str(out), str(repo)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "manifest-missing: 提示 " in printed and "警告" not in printed


def test_a_site_without_its_manifest_is_still_a_warning(repo, tmp_path):
    out = tmp_path / "out"
    build_site(repo, out, posters=False)
    (out / "site" / "versions.json").unlink()
    [p] = _manifest_problems(build_site(repo, out, posters=False))
    assert p.severity == "warning" and "--manifest" in p.message


def test_require_history_keeps_it_an_error(repo, tmp_path):
    with pytest.raises(ValidationFailed) as exc:
        build_site(repo, tmp_path / "ci", require_history=True, posters=False)
    [p] = exc.value.report.problems
    assert (p.code, p.severity) == ("manifest-missing", "error")


def test_information_never_fails_a_run():
    report = Report([problem("cunwu.yaml", 0, "manifest-missing", "x", severity="info")])
    assert report.ok(strict=True) and report.warnings == [] and report.errors == []
    assert [p.severity for p in report.notes] == ["info"]
