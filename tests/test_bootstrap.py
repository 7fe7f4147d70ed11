"""scripts/bootstrap: waits for a held apt lock, and installs nothing twice.

The script runs in a copy of the repository's layout with stand-ins for
``dpkg-query``, ``apt-get``, ``sudo`` and the venv's ``python`` that log
their calls, so no package is installed and no network is used.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _exe(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def sandbox(tmp_path):
    """A project folder with the real bootstrap script and logging stand-ins."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "bootstrap", project / "scripts" / "bootstrap")
    shutil.copy(REPO / "pyproject.toml", project / "pyproject.toml")
    bin_dir = tmp_path / "bin"
    log = tmp_path / "calls.log"
    # every Debian package is "installed" except chromium (a test-profile package)
    _exe(
        bin_dir / "dpkg-query",
        'for last; do :; done\n[ "$last" = chromium ] && exit 1\necho "install ok installed"\n',
    )
    # apt-get: the first two calls find the lock held by another process
    _exe(
        bin_dir / "apt-get",
        f'echo "apt-get $*" >> {log}\n'
        f'n=$(grep -c "^apt-get" {log})\n'
        'if [ "$n" -le 2 ]; then\n'
        '  echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2\n'
        '  echo "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), '
        'is another process using it?" >&2\n'
        "  exit 100\n"
        "fi\n",
    )
    _exe(bin_dir / "sudo", 'exec "$@"\n')
    # the venv's python: log pip installs, pass the import check
    _exe(project / ".venv" / "bin" / "python", f'echo "python $*" >> {log}\n')
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "BOOTSTRAP_LOCK_POLL": "0.05",
    }
    return project, log, env


def run(project: Path, env: dict, profile: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(project / "scripts" / "bootstrap"), profile],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_waits_for_a_held_apt_lock_and_says_so(sandbox):
    project, log, env = sandbox
    result = run(project, env, "test")
    assert result.returncode == 0, result.stderr
    assert "another apt/dpkg process" in result.stdout and "held by process 4242" in result.stdout
    assert result.stdout.count("waiting") == 1  # said once, not at every look
    calls = [c for c in log.read_text().splitlines() if c.startswith("apt-get")]
    assert calls[-2:] == [
        "apt-get update -qq",
        "apt-get install -y -qq --no-install-recommends chromium",
    ]


def test_gives_up_after_the_timeout(sandbox):
    project, log, env = sandbox
    env = {**env, "BOOTSTRAP_LOCK_TIMEOUT": "0"}
    result = run(project, env, "test")
    assert result.returncode != 0
    assert "still locked" in result.stderr


def test_other_apt_errors_fail_at_once(sandbox, tmp_path):
    project, log, env = sandbox
    _exe(
        tmp_path / "bin" / "apt-get",
        f'echo "apt-get $*" >> {log}\necho "E: Unable to locate package x" >&2\nexit 100\n',
    )
    result = run(project, env, "test")
    assert result.returncode != 0
    assert "Unable to locate package" in result.stderr
    assert len(log.read_text().splitlines()) == 1


def test_demo_after_test_installs_no_python_packages(sandbox):
    project, log, env = sandbox
    assert run(project, env, "test").returncode == 0
    installs = [c for c in log.read_text().splitlines() if "pip install" in c]
    assert installs and installs[-1].endswith("-e .[test]")
    result = run(project, env, "demo")
    assert result.returncode == 0, result.stderr
    assert "installing Python packages" not in result.stdout
    assert [c for c in log.read_text().splitlines() if "pip install" in c] == installs


def test_test_after_demo_installs_the_test_extras(sandbox):
    project, log, env = sandbox
    assert run(project, env, "demo").returncode == 0
    assert run(project, env, "test").returncode == 0
    installs = [c for c in log.read_text().splitlines() if "pip install" in c]
    assert [c.rsplit(" ", 1)[-1] for c in installs] == [".", ".[test]"]
