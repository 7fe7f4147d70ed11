"""Incremental and safe builds: a wrong cache is worse than none.

Each test builds a private copy of the golden project twice, with one edit
in between, and compares every output file: what shows the edited thing must
change, everything else must keep its bytes *and* its modification time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from cunwu.errors import ValidationFailed

from conftest import GOLDEN_PROJECT, build_site, copy_project


def snapshot(site: Path) -> dict[str, tuple[str, int, int]]:
    """relative path -> (sha256, mtime_ns, inode)"""
    out = {}
    for p in sorted(site.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[p.relative_to(site).as_posix()] = (
                hashlib.sha256(p.read_bytes()).hexdigest(),
                st.st_mtime_ns,
                st.st_ino,
            )
    return out


@pytest.fixture
def project(tmp_path) -> Path:
    proj = copy_project(GOLDEN_PROJECT, tmp_path / "project")
    theme = tmp_path / "project" / "themes" / "cunwu"
    shutil.copytree(Path(__file__).resolve().parents[1] / "themes" / "cunwu", theme)
    return proj


def rebuild_after(project: Path, edit) -> tuple[dict, dict, object]:
    out = project / "build"
    build_site(project, out)
    before = snapshot(out / "site")
    edit(project)
    result = build_site(project, out)
    after = snapshot(out / "site")
    return before, after, result


def changed(before, after) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k, (None,))[0] != after.get(k, (None,))[0]}


def assert_untouched_kept_mtime(before, after):
    """Unchanged files keep their modification time, so rsync moves nothing. (Not
    their inode: a rebuilt village is a staging copy swapped in, so that no
    Pelican plugin writing a file in place can reach the live site.)"""
    for k, (digest, mtime, _ino) in before.items():
        if k in after and after[k][0] == digest:
            assert after[k][1] == mtime, f"{k}: unchanged bytes but rewritten"


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), "utf-8")


def test_no_change_rebuilds_nothing(project):
    before, after, result = rebuild_after(project, lambda p: None)
    assert before == after
    assert result.rebuilt == [] and result.files_changed == 0
    assert result.posters_rendered == 0


def test_a_rare_character_renders_only_its_own_poster(project):
    """A name with a character outside the base font set (𠮷, Ext B) gets a small font of its
    own for its poster: no other poster is rendered again, and the poster stays small."""
    posters = {}

    def edit(p):
        posters.update({k: v for k, v in snapshot(p / "build/site").items() if k.endswith(".pdf")})
        replace(p / "villages/alpha/subsidies/2026-10-dibao.yaml", "name: 王堃", "name: 王\U00020bb7")

    before, after, result = rebuild_after(project, edit)
    assert len(posters) > 3
    roster = "alpha/subsidies/2026-10-dibao/poster.pdf"
    assert result.posters_rendered == 1
    assert {k for k in changed(before, after) if k.endswith(".pdf")} == {roster}
    assert_untouched_kept_mtime(before, after)
    assert (project / "build/site" / roster).stat().st_size <= 120 * 1024


def test_one_month_changed(project):
    def edit(p):
        replace(p / "villages/alpha/finance/2026-09.yaml", "summary: 办公用品", "summary: 办公用品（打印纸）")

    before, after, result = rebuild_after(project, edit)
    diff = changed(before, after)
    assert "alpha/finance/2026-09/index.html" in diff
    assert "alpha/finance/2026-09/data.csv" in diff
    assert "alpha/finance/2026-10/index.html" not in diff  # its trend shows totals only, unchanged
    assert "alpha/powers/major-decision/index.html" not in diff
    assert_untouched_kept_mtime(before, after)
    assert result.pages_rendered < 5


def test_template_change_reaches_exactly_its_pages(project):
    def edit(p):
        replace(p / "themes/cunwu/templates/roster.html", "回到顶部", "返回顶部")

    before, after, _ = rebuild_after(project, edit)
    diff = changed(before, after)
    assert diff == {"alpha/subsidies/2026-10-dibao/index.html"}
    assert_untouched_kept_mtime(before, after)


def test_base_template_change_reaches_every_village_page(project):
    def edit(p):
        replace(p / "themes/cunwu/templates/base.html", "开放数据", "开放数据下载")

    before, after, _ = rebuild_after(project, edit)
    diff = changed(before, after)
    village_pages = {k for k in before if k.startswith("alpha/") and k.endswith(".html")}
    redirects = {k for k in village_pages if "url=" in (project / "build/site" / k).read_text()}
    assert village_pages - redirects <= diff
    assert "alpha/data.json" not in diff and not any(k.endswith(".csv") for k in diff)


def test_setting_change_reaches_every_page_that_shows_it(project):
    def edit(p):
        replace(
            p / "cunwu.yaml",
            "url: https://jubao.example.org/report",
            "url: https://jubao.example.org/v2/report",
        )

    before, after, _ = rebuild_after(project, edit)
    diff = changed(before, after)
    for k in before:
        text = (
            (project / "build/site" / k).read_text("utf-8", errors="replace") if k.endswith(".html") else ""
        )
        if "jubao.example.org/v2/report" in text:
            assert k in diff
    assert "alpha/index.html" in diff and "alpha/finance/2026-09/index.html" in diff
    assert "index.html" in diff  # the township index links the intake too


def test_shared_power_item_change_reaches_every_village(project):
    shutil.copytree(project / "villages/alpha", project / "villages/beta")
    replace(project / "villages/beta/village.yaml", '"990101101201"', '"990101101202"')
    replace(project / "villages/beta/village.yaml", "name: 甲村", "name: 乙村")

    def edit(p):
        replace(p / "powers/certificate.yaml", "step: 村民提出申请", "step: 村民提出书面申请")

    before, after, _ = rebuild_after(project, edit)
    diff = changed(before, after)
    for v in ("alpha", "beta"):
        assert f"{v}/powers/certificate/index.html" in diff
        assert f"{v}/powers/certificate/data.csv" in diff
        assert f"{v}/finance/2026-09/index.html" not in diff


def test_village_contacts_change_reaches_its_pages_only(project):
    shutil.copytree(project / "villages/alpha", project / "villages/beta")
    replace(project / "villages/beta/village.yaml", '"990101101201"', '"990101101202"')

    def edit(p):
        replace(p / "villages/alpha/village.yaml", "number: 0123-66880101", "number: 0123-66880199")

    before, after, _ = rebuild_after(project, edit)
    diff = changed(before, after)
    assert "alpha/finance/2026-09/index.html" in diff  # phones are in every page's footer
    assert not any(k.startswith("beta/") for k in diff)


def test_failed_build_leaves_build_untouched(project):
    """All or nothing: one error, and not a file of the site changes."""
    out = project / "build"
    build_site(project, out)
    before = snapshot(out / "site")
    replace(
        project / "villages/alpha/finance/2026-09.yaml",
        "closing_balance: 1400.10",
        "closing_balance: 1400.11",
    )
    with pytest.raises(ValidationFailed):
        build_site(project, out, all_or_nothing=True)
    assert snapshot(out / "site") == before
    assert not (out / ".staging").exists()


def test_without_git_a_held_village_keeps_the_site_on_disk(project):
    """No history, so no earlier commit to build from: the village's live tree
    stays exactly as the last build left it (not even swapped), and the
    township index says it is held back."""
    out = project / "build"
    build_site(project, out)
    before = snapshot(out / "site")
    replace(
        project / "villages/alpha/finance/2026-09.yaml",
        "closing_balance: 1400.10",
        "closing_balance: 1400.11",
    )
    result = build_site(project, out)
    assert set(result.held) == {"alpha"}
    assert (result.held["alpha"].kept, result.held["alpha"].commit) == ("", "")
    after = snapshot(out / "site")
    assert {k: v for k, v in after.items() if k.startswith("alpha/")} == {
        k: v for k, v in before.items() if k.startswith("alpha/")
    }
    index = (out / "site/index.html").read_text("utf-8")
    assert "暂缓更新" in index and "本村网站保持上次发布的样子" in index
    assert not (out / ".staging").exists()


def test_two_builds_are_byte_identical(project, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    build_site(project, a)
    build_site(project, b, use_cache=False)
    sa, sb = snapshot(a / "site"), snapshot(b / "site")
    assert {k: v[0] for k, v in sa.items()} == {k: v[0] for k, v in sb.items()}


def test_removed_village_disappears(project):
    shutil.copytree(project / "villages/alpha", project / "villages/beta")
    replace(project / "villages/beta/village.yaml", '"990101101201"', '"990101101202"')
    out = project / "build"
    build_site(project, out)
    assert (out / "site/beta/index.html").exists()
    shutil.rmtree(project / "villages/beta")
    build_site(project, out)
    assert not (out / "site/beta").exists()
    assert "beta/" not in (out / "site/index.html").read_text()


def test_crash_during_swap_is_finished_next_time(project, monkeypatch):
    """A crash between two village swaps: the next build completes the swap."""
    from cunwu.write import swap

    shutil.copytree(project / "villages/alpha", project / "villages/beta")
    replace(project / "villages/beta/village.yaml", '"990101101201"', '"990101101202"')
    out = project / "build"
    build_site(project, out)
    for v in ("alpha", "beta"):
        replace(project / f"villages/{v}/finance/2026-09.yaml", "summary: 办公用品", "summary: 办公桌椅")

    calls = []
    real = swap.exchange

    def crash_after_first(staging, live):
        calls.append(live.name)
        real(staging, live)
        if len(calls) == 1:
            raise KeyboardInterrupt  # the power goes out

    monkeypatch.setattr(swap, "exchange", crash_after_first)
    with pytest.raises(KeyboardInterrupt):
        build_site(project, out)
    assert (out / ".cache/swap.json").exists()
    monkeypatch.setattr(swap, "exchange", real)
    build_site(project, out)
    for v in ("alpha", "beta"):
        assert "办公桌椅" in (out / f"site/{v}/finance/2026-09/index.html").read_text()
    assert not (out / ".cache/swap.json").exists()
    os.sync()


def test_all_or_nothing_stops_before_anything_is_published(project):
    """With all_or_nothing, one broken village and nothing is published: every
    problem is listed, the live site is not made. (Each village is checked and
    rendered in one task, so the good village may have been rendered into staging.)"""
    shutil.copytree(project / "villages/alpha", project / "villages/beta")
    replace(project / "villages/beta/village.yaml", '"990101101201"', '"990101101202"')
    replace(
        project / "villages/beta/finance/2026-09.yaml", "closing_balance: 1400.10", "closing_balance: 1400.11"
    )
    out = project / "build"
    with pytest.raises(ValidationFailed) as exc:
        build_site(project, out, all_or_nothing=True)
    codes = {(p.file, p.code) for p in exc.value.report.errors}
    assert codes == {
        ("villages/beta/finance/2026-09.yaml", "balance-mismatch"),
        ("villages/beta/finance/2026-10.yaml", "opening-mismatch"),
    }
    assert not (out / "site").exists()
    assert not (out / ".staging").exists()
    # by default beta is held back: without git and without an earlier site
    # there is no version of it to show, and alpha publishes
    result = build_site(project, out)
    assert set(result.held) == {"beta"} and result.held["beta"].published is False
    assert result.held["beta"].reason == "2 个文件有错误"
    assert (out / "site/alpha/index.html").is_file() and not (out / "site/beta").exists()


# ---------------------------------------------------------------- killed while publishing


NOVEMBER = """period: 2026-11
status: approved
approved_on: 2026-12-05
notice: {start: 2026-12-05, end: 2026-12-20}
opening_balance: 1650.10
income:
  - {date: 2026-11-03, voucher: "0015", account: "50301", summary: 村级组织运转经费, amount: 100.00}
expense: []
totals: {income: 100.00, expense: 0.00}
closing_balance: 1750.10
signoff: {handler: 李某, oversight: [赵某], approver: 王某}
"""


def _killed_at(point: str):
    """Patches for a child process that SIGKILLs itself at ``point`` of the publish step."""
    import signal

    from cunwu.write import swap

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    real_exchange, real_rmtree, real_replace = swap.exchange, shutil.rmtree, os.replace
    swaps = []

    def exchange(staging, live):
        if point == "journal":
            die()  # the journal is written, nothing swapped yet
        real_exchange(staging, live)
        swaps.append(live.name)
        if point == "swap" and len(swaps) == 1:
            die()  # one village swapped in, the next one not

    def rmtree(path, *args, **kwargs):
        if point == "removal" and Path(path).name.startswith("_gone-"):
            die()  # the village is renamed off the site, not yet deleted
        real_rmtree(path, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):
        real_replace(src, dst, *args, **kwargs)
        if point == "root" and "/_root/" in str(src):
            die()  # one file of the township root installed, the others not

    swap.exchange = exchange
    shutil.rmtree = rmtree
    os.replace = replace


@pytest.mark.parametrize("point", ["journal", "swap", "removal", "root"])
def test_a_kill_while_publishing_with_a_held_village(tmp_path, isolated_git, point):
    """A build that publishes alpha's new month, holds beta back (its last
    passing commit, rendered and swapped in like any village) and takes gamma
    off the site (no commit of it ever passed) is killed at ``point``: each
    village is then wholly old or wholly new, each township file old or new,
    and the next build finishes the job."""
    import datetime as dt
    import multiprocessing

    from conftest import git

    as_of = dt.date(2026, 12, 20)
    proj = copy_project(GOLDEN_PROJECT, tmp_path / "project")
    for vid, code in (("beta", "990101101202"), ("gamma", "990101101203")):
        shutil.copytree(proj / "villages/alpha", proj / f"villages/{vid}")
        replace(proj / f"villages/{vid}/village.yaml", '"990101101201"', f'"{code}"')
    env = {k: "李" for k in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME")}
    env.update({k: "li@example.invalid" for k in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL")})
    git(proj, "init", "-q", "-b", "main")
    git(proj, "add", "villages/alpha", "villages/beta", "powers", "content", "cunwu.yaml")
    git(proj, "commit", "-qm", "十月", env={**env, "GIT_AUTHOR_DATE": "2026-11-16T10:00:00+08:00"})
    out = tmp_path / "out"
    build_site(proj, out, as_of=as_of, posters=False)  # gamma: a preview, never committed
    old = {k: v[0] for k, v in snapshot(out / "site").items()}
    for vid in ("alpha", "beta"):
        (proj / f"villages/{vid}/finance/2026-11.yaml").write_text(NOVEMBER, "utf-8")
    replace(
        proj / "villages/beta/finance/2026-11.yaml", "closing_balance: 1750.10", "closing_balance: 1750.11"
    )
    replace(
        proj / "villages/gamma/finance/2026-10.yaml", "closing_balance: 1650.10", "closing_balance: 1650.11"
    )
    git(proj, "add", "-A")
    git(proj, "commit", "-qm", "十一月", env={**env, "GIT_AUTHOR_DATE": "2026-12-06T10:00:00+08:00"})
    reference = build_site(proj, tmp_path / "reference", as_of=as_of, posters=False)
    assert set(reference.held) == {"beta", "gamma"}
    new = {k: v[0] for k, v in snapshot(tmp_path / "reference/site").items()}

    def killed_build():
        _killed_at(point)
        build_site(proj, out, as_of=as_of, posters=False, jobs=1)
        os._exit(0)  # not killed: the test fails below

    child = multiprocessing.get_context("fork").Process(target=killed_build)
    child.start()
    child.join()
    assert child.exitcode == -9

    now = {k: v[0] for k, v in snapshot(out / "site").items()}

    def part(files: dict, top: str) -> dict:
        return {k: v for k, v in files.items() if k.startswith(top + "/")}

    for vid in ("alpha", "beta", "gamma"):
        assert part(now, vid) in (part(old, vid), part(new, vid)), vid
    assert part(now, "beta") == part(old, "beta")  # held: its old site, whatever happened
    for name in ("index.html", "versions.json", "robots.txt"):
        assert now.get(name) in (old.get(name), new.get(name)), name

    result = build_site(proj, out, as_of=as_of, posters=False)
    assert set(result.held) == {"beta", "gamma"}
    assert {k: v[0] for k, v in snapshot(out / "site").items()} == new
    assert not (out / ".cache/swap.json").exists() and not (out / ".staging").exists()
