"""Issue 18's privacy test: an audit with registers full of ID numbers leaves
none of them anywhere — build/, caches, TMPDIR, HOME, stdout, stderr, git."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

from cunwu.privacy import id_check_char, is_id18

REPO = Path(__file__).resolve().parents[1]


def _ids(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        first17 = f"{rng.randint(110000, 659999)}{rng.randint(1930, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        full = first17 + id_check_char(first17)
        if is_id18(full):
            out.append(full)
    return out


def _with_tail(last4: str, seed: int) -> str:
    """A full number (not in the repository) whose visible digits are 990101…last4."""
    rng = random.Random(seed)
    while True:
        first17 = (
            f"990101{rng.randint(1930, 1990)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{last4[:3]}"
        )
        if id_check_char(first17) == last4[3]:
            return first17 + last4[3]


def _found(data: bytes, ids: list[str]) -> list[str]:
    """Those of ``ids`` in ``data`` (shown cut short): every 18-character run of
    ``data`` (at every offset, so one inside a longer run is found) against the set."""
    want = {i.encode() for i in ids}
    runs = {
        data[m.start() + k : m.start() + k + 18].upper()
        for m in re.finditer(rb"[0-9Xx]{18,}", data)
        for k in range(len(m.group()) - 17)
    }
    return sorted(i.decode()[:6] + "…" for i in want & runs)


def _search(folder: Path, ids: list[str]) -> list[str]:
    hits = []
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink():
            hits += [f"{p}: {x}" for x in _found(p.read_bytes(), ids)]
    return hits


def test_no_full_id_anywhere_after_an_audit(tmp_path):
    regs, home, tmp, out = (tmp_path / n for n in ("regs", "home", "tmp", "build"))
    for d in (regs, home, tmp):
        d.mkdir()
    planted = {
        "吴月娥": _with_tail("2321", 1),
        "陈海林": _with_tail("4193", 2),
        "林桂兰": _with_tail("8447", 3),
    }
    noise = _ids(3000, 18)
    ids = list(planted.values()) + noise
    (regs / "deaths.csv").write_text(
        "姓名,身份证号,死亡日期\n"
        + f"吴月娥,{planted['吴月娥']},2026-08-16\n"
        + "".join(f"某{i},{x},2026-0{1 + i % 9}-10\n" for i, x in enumerate(noise[:1000])),
        "utf-8",
    )
    (regs / "cadre-households.csv").write_text(
        "姓名,身份证号,干部姓名,村,关系\n"
        + f"陈海林,{planted['陈海林']},陈立明,东山村,父亲\n林桂兰,{planted['林桂兰']},林海涛,南坡村,母亲\n"
        + "".join(f"某{i},{x},某干部,东山村,亲属\n" for i, x in enumerate(noise[1000:2000])),
        "utf-8",
    )
    (regs / "public-payroll.csv").write_text(
        "姓名,身份证号,单位\n" + "".join(f"某{i},{x},某单位\n" for i, x in enumerate(noise[2000:])), "utf-8"
    )
    env = {
        **os.environ,
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "CUNWU_LINK_SECRET": "test-secret-of-the-county-0001",
        "PYTHONPATH": str(REPO / "plugins"),
    }
    build = subprocess.run(
        [sys.executable, "-m", "cunwu.cli", "build", str(REPO), "--out", str(out), "--no-posters", "--quiet"],
        env=env,
        capture_output=True,
    )
    assert build.returncode == 0, build.stderr.decode()
    run = subprocess.run(
        [sys.executable, "-m", "cunwu.cli", "audit", str(REPO), "--registers", str(regs), "--out", str(out)],
        env=env,
        capture_output=True,
    )
    assert run.returncode == 1, run.stderr.decode()  # the planted cases were found ...
    report = (out / "audit" / "findings.json").read_text("utf-8")
    assert "paid-after-death" in report and "undeclared-relative" in report
    assert "990101********2321" in report  # ... and shown masked
    streams = run.stdout + run.stderr + build.stdout + build.stderr
    assert _found(streams, ids) == []
    assert _search(out, ids) == []  # build/, its caches and the report
    assert _search(home, ids) == []
    assert _search(tmp, ids) == []
    assert _search(REPO / ".cunwu", ids) == [] if (REPO / ".cunwu").exists() else True
    objects = subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "--batch-all-objects", "--batch"], capture_output=True
    ).stdout
    names = subprocess.run(
        ["git", "-C", str(REPO), "rev-list", "--all", "--objects"], capture_output=True
    ).stdout
    assert objects and _found(objects + b"\n" + names, ids) == []
    # the search itself finds what is there
    assert _found(b"x" + ids[5].encode() + b"y", ids) == [ids[5][:6] + "…"]
