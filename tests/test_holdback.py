"""One village's mistake must not hold back the township (issue 16).

Throwaway git repositories of the golden township with a second village,
beta: a month is committed in which alpha publishes a new statement and
beta's statement does not add up. beta is held back (its site shows its last
passing commit), alpha publishes; errors in the township's own files and
rewritten history still stop everything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cunwu.cli import main
from cunwu.errors import HistoryError, PrivacyLeak, ValidationFailed
from cunwu.privacy import id_check_char

import conftest
from browser import LAYOUT_PROBE, browser, chromium_available, serve
from conftest import GOLDEN_PROJECT, build_site, copy_project

AS_OF = dt.date(2026, 12, 20)
FIRST = "2026-11-16"  # the day the first commit (both villages pass) was made

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

# invented and checksum-valid: the leak tests prove a number in the output is caught
_BASE = "99010119800101001"
FULL_ID = _BASE + id_check_char(_BASE)


def git(repo: Path, *args: str, date: str = FIRST + "T10:00:00+08:00") -> str:
    who = {"GIT_AUTHOR_NAME": "李报账", "GIT_AUTHOR_EMAIL": "li@example.invalid"}
    env = {**who, "GIT_COMMITTER_NAME": "李报账", "GIT_COMMITTER_EMAIL": "li@example.invalid"}
    return conftest.git(repo, *args, env={**env, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})


def commit(repo: Path, message: str, date: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=date + "T10:00:00+08:00")


def add_village(repo: Path, vid: str, name: str, code: str) -> None:
    shutil.copytree(repo / "villages/alpha", repo / f"villages/{vid}")
    replace(repo / f"villages/{vid}/village.yaml", '"990101101201"', f'"{code}"')
    replace(repo / f"villages/{vid}/village.yaml", "name: 甲村", f"name: {name}")


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), "utf-8")


@pytest.fixture
def repo(tmp_path, isolated_git) -> Path:
    """alpha and beta, both passing, in one commit."""
    proj = copy_project(GOLDEN_PROJECT, tmp_path / "township")
    add_village(proj, "beta", "乙村", "990101101202")
    git(proj, "init", "-q", "-b", "main")
    commit(proj, "十月公开", FIRST)
    return proj


def next_month(repo: Path) -> None:
    """November for both villages; beta's closing balance is off by a fen."""
    for vid in ("alpha", "beta"):
        (repo / f"villages/{vid}/finance/2026-11.yaml").write_text(NOVEMBER, "utf-8")
    replace(
        repo / "villages/beta/finance/2026-11.yaml", "closing_balance: 1750.10", "closing_balance: 1750.11"
    )
    commit(repo, "十一月公开", "2026-12-06")


def build(repo: Path, out: Path, **kw):
    kw.setdefault("posters", False)
    return build_site(repo, out, as_of=AS_OF, **kw)


def tree(folder: Path) -> dict[str, tuple[str, int]]:
    """relative path -> (sha256, mtime_ns) of every file"""
    return {
        p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def contents(folder: Path) -> dict[str, str]:
    return {k: v[0] for k, v in tree(folder).items()}


def village_entry(index: str, vid: str) -> str:
    m = re.search(rf'<li id="{vid}">(.*?)</li>', index, re.S)
    assert m, index
    return m.group(1)


# ---------------------------------------------------------------- held back, the others publish


def test_a_bad_village_is_held_back_while_another_publishes_its_new_month(repo, tmp_path):
    out = tmp_path / "out"
    build(repo, out)
    site = out / "site"
    beta_before = tree(site / "beta")
    next_month(repo)

    result = build(repo, out)

    assert set(result.held) == {"beta"}
    assert [(p.file, p.code) for p in result.report.errors] == [
        ("villages/beta/finance/2026-11.yaml", "balance-mismatch")
    ]
    # alpha's new month is live
    november = (site / "alpha/finance/2026-11/index.html").read_text("utf-8")
    assert "1,750.10" in november
    # beta keeps its last good site, byte for byte (and modification time)
    assert tree(site / "beta") == beta_before
    assert not (site / "beta/finance/2026-11").exists()
    # the township index says so, in a sentence that quotes nothing from the files
    index = (site / "index.html").read_text("utf-8")
    beta = village_entry(index, "beta")
    assert "暂缓更新" in beta
    assert f"1 个文件有错误，本村网站保持 {FIRST} 的版本" in beta
    assert 'href="beta/"' in beta  # its kept site is still linked
    assert "1,750.11" not in index and "1750.11" not in index
    assert "暂缓更新" not in village_entry(index, "alpha")
    # the summary carries the facts for the township page
    held = result.held["beta"]
    assert (held.files, held.kept, held.published) == (1, FIRST, True)
    assert held.commit == git(repo, "rev-parse", "HEAD~1")

    # nothing changed: nothing is rebuilt, the hold is reported again
    again = build(repo, out)
    assert again.rebuilt == [] and again.files_changed == 0
    assert set(again.held) == {"beta"}
    assert [p.code for p in again.report.errors] == ["balance-mismatch"]

    # fixed: beta publishes its November and is no longer held (the mistake
    # was committed as approved, so the fix needs its correction entry)
    replace(
        repo / "villages/beta/finance/2026-11.yaml",
        "closing_balance: 1750.11",
        "closing_balance: 1750.10\ncorrections:\n  - {date: 2026-12-07, reason: 期末余额录入错误}",
    )
    commit(repo, "改正", "2026-12-07")
    fixed = build(repo, out)
    assert fixed.held == {}
    assert (site / "beta/finance/2026-11/index.html").is_file()
    assert "暂缓更新" not in (site / "index.html").read_text("utf-8")


def test_the_chart_of_accounts_of_that_commit_is_read_from_git(tmp_path, isolated_git):
    """A township's own chart lives outside the folders the history log reads:
    the last passing commit still finds it (at that commit), so beta is kept."""
    proj = copy_project(GOLDEN_PROJECT, tmp_path / "township")
    add_village(proj, "beta", "乙村", "990101101202")
    replace(proj / "cunwu.yaml", "due_day: 10", "due_day: 10\naccounts: data/accounts.yaml")
    (proj / "data").mkdir()
    shutil.copy(conftest.REPO / "plugins/cunwu/data/accounts.yaml", proj / "data/accounts.yaml")
    git(proj, "init", "-q", "-b", "main")
    commit(proj, "十月公开", FIRST)
    next_month(proj)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(proj), str(clone)], check=True, capture_output=True)
    result = build(clone, tmp_path / "ci")
    assert set(result.held) == {"beta"} and result.held["beta"].kept == FIRST
    assert (tmp_path / "ci/site/beta/finance/2026-10/index.html").is_file()


def test_uncommitted_mistakes_keep_the_committed_version(repo, tmp_path):
    """A cadre's preview with a mistake: the village shows what is committed."""
    out = tmp_path / "out"
    build(repo, out)
    before = tree(out / "site/beta")
    replace(
        repo / "villages/beta/finance/2026-10.yaml", "closing_balance: 1650.10", "closing_balance: 1650.11"
    )
    result = build(repo, out)
    assert set(result.held) == {"beta"}
    assert result.held["beta"].kept == FIRST
    assert tree(out / "site/beta") == before


# ---------------------------------------------------------------- what stays global


def _break_config(repo: Path) -> str:
    replace(repo / "cunwu.yaml", "due_day: 10", "due_day: 99")
    return "cunwu.yaml"


def _break_power(repo: Path) -> str:
    path = repo / "powers/major-decision.yaml"
    path.write_text(path.read_text("utf-8") + "bogus: 1\n", "utf-8")
    return "powers/major-decision.yaml"


def _break_content(repo: Path) -> str:
    path = repo / "content/about.md"
    path.write_text(path.read_text("utf-8") + "\n联系：13912345678\n", "utf-8")
    return "content/about.md"


def _break_accounts(repo: Path) -> str:
    replace(repo / "cunwu.yaml", "due_day: 10", "due_day: 10\naccounts: accounts.yaml")
    (repo / "accounts.yaml").write_text('accounts:\n  - {code: "5x", name: 错, kind: income}\n', "utf-8")
    return "accounts.yaml"


@pytest.mark.parametrize("breaks", [_break_config, _break_power, _break_content, _break_accounts])
def test_an_error_in_the_townships_own_files_publishes_nothing(repo, tmp_path, breaks):
    out = tmp_path / "out"
    build(repo, out)
    before = tree(out / "site")
    next_month(repo)  # beta's mistake would only hold beta back ...
    bad = breaks(repo)  # ... but this one is the township's
    commit(repo, "乡镇文件", "2026-12-06")
    with pytest.raises(ValidationFailed) as exc:
        build(repo, out)
    assert bad in {p.file for p in exc.value.report.errors}
    assert tree(out / "site") == before  # not even alpha's new month
    assert not (out / ".staging").exists()


def test_rewritten_history_publishes_nothing_even_with_a_village_held(repo, tmp_path):
    out = tmp_path / "out"
    build(repo, out)
    next_month(repo)
    build(repo, out)  # alpha's November is published, beta held
    before = tree(out / "site")
    replace(repo / "villages/alpha/finance/2026-11.yaml", "amount: 100.00}", "amount: 90.00}")
    replace(repo / "villages/alpha/finance/2026-11.yaml", "income: 100.00", "income: 90.00")
    replace(
        repo / "villages/alpha/finance/2026-11.yaml", "closing_balance: 1750.10", "closing_balance: 1740.10"
    )
    git(repo, "commit", "-q", "--amend", "-am", "十一月公开（改写）", date="2026-12-06T10:00:00+08:00")
    with pytest.raises(HistoryError, match="找不到已经发布过的版本"):
        build(repo, out)
    assert tree(out / "site") == before


def test_all_or_nothing_restores_the_old_behaviour(repo, tmp_path):
    out = tmp_path / "out"
    build(repo, out)
    before = tree(out / "site")
    next_month(repo)
    with pytest.raises(ValidationFailed) as exc:
        build(repo, out, all_or_nothing=True)
    assert [(p.file, p.code) for p in exc.value.report.errors] == [
        ("villages/beta/finance/2026-11.yaml", "balance-mismatch")
    ]
    assert tree(out / "site") == before
    assert not (out / "site/alpha/finance/2026-11").exists()
    assert not (out / ".staging").exists()


def test_a_duplicate_village_code_holds_back_the_village_it_is_reported_on(repo, tmp_path):
    out = tmp_path / "out"
    build(repo, out)
    before = tree(out / "site/beta")
    replace(repo / "villages/beta/village.yaml", '"990101101202"', '"990101101201"')  # alpha's
    commit(repo, "改村代码", "2026-12-06")
    result = build(repo, out)
    assert [(p.file, p.code) for p in result.report.errors] == [
        ("villages/beta/village.yaml", "duplicate-id")
    ]
    assert set(result.held) == {"beta"} and result.held["beta"].kept == FIRST
    assert tree(out / "site/beta") == before  # with its own code, as it was


# ---------------------------------------------------------------- a fresh CI checkout


def test_a_held_village_is_built_from_its_last_passing_commit_in_a_fresh_clone(repo, tmp_path):
    """No last good site on disk: beta is built from the commit where it passed,
    exactly as it was published then, and its published versions carry over."""
    live = tmp_path / "live"  # what the web server holds: the build of the first commit
    build(repo, live, posters=True)
    next_month(repo)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True, capture_output=True)
    ci = tmp_path / "ci"

    result = build(clone, ci, posters=True, require_history=True, manifest=str(live / "site/versions.json"))

    assert set(result.held) == {"beta"} and result.held["beta"].kept == FIRST
    site = ci / "site"
    assert (site / "alpha/finance/2026-11/index.html").is_file()
    # beta as published from the first commit, posters included
    assert contents(site / "beta") == contents(live / "site/beta")
    assert any(k.endswith("poster.pdf") for k in contents(site / "beta"))
    # versions.json: everything the live record had, plus alpha's November
    old = json.loads((live / "site/versions.json").read_text("utf-8"))["versions"]
    new = json.loads((site / "versions.json").read_text("utf-8"))["versions"]
    assert {(e["scope"], e["stamp"]) for e in old} < {(e["scope"], e["stamp"]) for e in new}
    assert not any(e.get("withdrawn") for e in new)
    added = [e for e in new if (e["scope"], e["stamp"]) not in {(o["scope"], o["stamp"]) for o in old}]
    assert [(e["scope"], e["doc"]) for e in added] == [("alpha", "finance:2026-11")]
    assert "暂缓更新" in village_entry((site / "index.html").read_text("utf-8"), "beta")


def test_a_village_that_never_passed_is_left_off_the_site(repo, tmp_path):
    """A new village with a mistake in its first commit has no site, in a CI
    checkout and in a build folder that showed a preview of it alike."""
    add_village(repo, "gamma", "丙村", "990101101203")
    out = tmp_path / "out"
    build(repo, out)  # a local preview of the uncommitted village
    assert (out / "site/gamma/index.html").is_file()
    replace(
        repo / "villages/gamma/finance/2026-10.yaml", "closing_balance: 1650.10", "closing_balance: 1650.11"
    )
    commit(repo, "新增丙村", "2026-12-06")
    for folder in (out, tmp_path / "fresh"):
        result = build(repo, folder)
        assert set(result.held) == {"gamma"} and result.held["gamma"].published is False
        site = folder / "site"
        assert not (site / "gamma").exists()
        gamma = village_entry((site / "index.html").read_text("utf-8"), "gamma")
        assert "丙村" in gamma and 'href="gamma/' not in gamma
        assert "本村还没有通过检查的版本，暂不发布" in gamma
        assert (site / "beta/index.html").is_file()
    assert not (out / ".cache/villages/gamma.rec").exists()


def test_versions_published_after_the_last_passing_commit_stay_found(repo, tmp_path, monkeypatch):
    """A newer cunwu with a new rule that beta's files fail at every commit:
    beta has no version to publish now, but what it published is still in the
    history, and the manifest check must not call it rewritten."""
    from cunwu.problems import problem
    from cunwu.validate import village
    from cunwu.write import holdback, villages

    live = tmp_path / "live"
    build(repo, live)

    real = village.check_village

    def with_a_new_rule(ctx, vid, files, *rest):
        bundle, problems, count = real(ctx, vid, files, *rest)
        if vid == "beta":
            problems = [*problems, problem(f"villages/{vid}/village.yaml", 1, "invalid-value", "新规则")]
        return bundle, problems, count

    monkeypatch.setattr(villages, "check_village", with_a_new_rule)
    monkeypatch.setattr(holdback, "check_village", with_a_new_rule)
    ci = tmp_path / "ci"
    result = build(repo, ci, manifest=str(live / "site/versions.json"), require_history=True, jobs=1)
    assert set(result.held) == {"beta"} and result.held["beta"].published is False
    assert not (ci / "site/beta").exists()
    versions = json.loads((ci / "site/versions.json").read_text("utf-8"))
    beta = [e for e in versions["versions"] if e["scope"] == "beta"]
    assert beta and not any(e.get("withdrawn") for e in beta) and versions["overrides"] == []


# ---------------------------------------------------------------- personal numbers in the output


def text_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer says ``text`` (ASCII, Helvetica)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    return pdf + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def test_a_number_in_a_villages_output_holds_that_village_back(repo, tmp_path):
    """beta attaches a contract whose PDF text layer carries a full ID number:
    the sources pass (a PDF is not text), the output scan finds it, and only
    beta is held back, showing its version from before the attachment."""
    out = tmp_path / "out"
    build(repo, out)
    before = tree(out / "site/beta")
    for vid in ("alpha", "beta"):
        (repo / f"villages/{vid}/finance/2026-11.yaml").write_text(NOVEMBER, "utf-8")
    (repo / "villages/beta/attachments/contract.pdf").write_bytes(text_pdf(f"ID {FULL_ID}"))
    replace(
        repo / "villages/beta/finance/2026-11.yaml",
        "summary: 村级组织运转经费, amount: 100.00}",
        "summary: 村级组织运转经费, amount: 100.00, attachments: [{path: attachments/contract.pdf, title: 合同}]}",
    )
    commit(repo, "附合同", "2026-12-07")
    result = build(repo, out)
    assert set(result.held) == {"beta"}
    assert result.held["beta"].reason == "生成的网页中发现个人号码"
    leaks = [(p.file, p.code) for p in result.report.errors]
    assert leaks and all(f.startswith("build/site/beta/") and f.endswith("contract.pdf") for f, _ in leaks)
    assert {code for _, code in leaks} == {"id-number-leak"}
    assert all(FULL_ID not in p.message for p in result.report.problems)
    assert tree(out / "site/beta") == before
    assert (out / "site/alpha/finance/2026-11/index.html").is_file()
    index = (out / "site/index.html").read_text("utf-8")
    assert FULL_ID not in index and "生成的网页中发现个人号码" in village_entry(index, "beta")
    assert not any(FULL_ID.encode() in p.read_bytes() for p in (out / "site").rglob("*") if p.is_file())
    with pytest.raises(PrivacyLeak):
        build(repo, tmp_path / "other", all_or_nothing=True)


def test_a_number_from_a_template_still_stops_everything(repo, tmp_path):
    """A template bug leaks into every version of a village: no earlier version
    helps, so the number does not come from the village's files and nothing
    publishes (the same without git history: tests/test_safety.py)."""
    shutil.copytree(conftest.REPO / "themes" / "cunwu", repo / "themes" / "cunwu")
    commit(repo, "主题", "2026-11-17")
    out = tmp_path / "out"
    build(repo, out)
    before = tree(out / "site")
    next_month(repo)
    tpl = repo / "themes/cunwu/templates/roster.html"
    replace(tpl, "<p>{{ page.standard }}</p>", f"<p>{{{{ page.standard }}}} {FULL_ID}</p>")
    with pytest.raises(PrivacyLeak) as exc:
        build(repo, out)
    assert "没有不含这个号码的更早版本" in str(exc.value) and FULL_ID not in str(exc.value)
    assert tree(out / "site") == before


# ---------------------------------------------------------------- exit statuses


def cli_build(repo: Path, out: Path, *extra: str) -> int:
    args = ["build", str(repo), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-posters", "--quiet"]
    return main([*args, *extra])


def test_exit_statuses(repo, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli_build(repo, out) == 0  # everything published
    capsys.readouterr()

    next_month(repo)
    assert cli_build(repo, out, "--all-or-nothing") == 1  # nothing published
    captured = capsys.readouterr()
    assert "villages/beta/finance/2026-11.yaml:10: balance-mismatch" in captured.out
    assert not (out / "site/alpha/finance/2026-11").exists()

    assert cli_build(repo, out) == 3  # published, with a village held back
    captured = capsys.readouterr()
    assert "villages/beta/finance/2026-11.yaml:10: balance-mismatch" in captured.out  # every problem
    assert "1 个村暂缓更新" in captured.err
    assert f"beta：1 个文件有错误，本村网站保持 {FIRST} 的版本" in captured.err
    assert (out / "site/alpha/finance/2026-11/index.html").is_file()

    _break_config(repo)
    assert cli_build(repo, out) == 1  # a township error: nothing published
    captured = capsys.readouterr()
    assert "cunwu.yaml" in captured.out and "没有构建" in captured.err


# ---------------------------------------------------------------- in a real browser


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="needs Debian chromium (make test installs it)")
def test_the_township_index_with_held_villages_in_chromium(repo, tmp_path, artifacts):
    """beta held back with its kept version, gamma never passed: the index on a
    phone, screenshot in tests/_artifacts/phone-township-held.png."""
    add_village(repo, "gamma", "丙村", "990101101203")
    replace(
        repo / "villages/gamma/finance/2026-10.yaml", "closing_balance: 1650.10", "closing_balance: 1650.11"
    )
    next_month(repo)
    out = tmp_path / "out"
    assert set(build(repo, out).held) == {"beta", "gamma"}
    with serve(out / "site") as base, browser() as chrome:
        page = chrome.new_page(viewport={"width": 390, "height": 844})
        page.goto(base)
        page.screenshot(path=str(artifacts / "phone-township-held.png"), full_page=True)
        probe = page.evaluate(LAYOUT_PROBE)
        assert probe["pageWidth"] <= 390 and not probe["bad"], probe["bad"]
        beta = page.inner_text("#beta")
        assert f"暂缓更新 1 个文件有错误，本村网站保持 {FIRST} 的版本" in beta
        assert "暂缓更新 1 个文件有错误，本村还没有通过检查的版本，暂不发布" in page.inner_text("#gamma")
        # gamma has no site to link; beta links its kept site (and its items' pages)
        assert page.locator("#gamma a").count() == 0 and page.locator('#beta a[href="beta/"]').count() == 1
        # the badge's own style is applied (the page's CSP allows inline styles)
        badge = page.locator("#beta .held b")
        assert badge.evaluate("el => getComputedStyle(el).borderTopColor") == "rgb(230, 149, 0)"
        assert page.locator("#alpha .held").count() == 0
        page.close()
