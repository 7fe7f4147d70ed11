"""Published versions, silent edits and version pages, in throwaway git repos."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from cunwu.cli import main
from cunwu.commands.validate import validate

import conftest
from conftest import GOLDEN_PROJECT, build_site, copy_project

ROSTER = "villages/alpha/subsidies/2026-10-dibao.yaml"


def git(repo: Path, *args: str, date: str = "2026-11-01T10:00:00+08:00") -> str:
    """git with a fixed author and date, as a cadre's commit."""
    who = {"GIT_AUTHOR_NAME": "李报账", "GIT_AUTHOR_EMAIL": "li@example.invalid"}
    env = {**who, "GIT_COMMITTER_NAME": "李报账", "GIT_COMMITTER_EMAIL": "li@example.invalid"}
    return conftest.git(repo, *args, env={**env, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})


@pytest.fixture
def repo(tmp_path) -> Path:
    proj = copy_project(GOLDEN_PROJECT, tmp_path / "township")
    git(proj, "init", "-q", "-b", "main")
    git(proj, "add", "-A")
    git(proj, "commit", "-q", "-m", "十月公开")
    return proj


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def codes(report) -> list[tuple[str, str]]:
    return sorted((p.file, p.code) for p in report.problems)


def test_clean_history_validates(repo):
    assert codes(validate(repo)) == []


def test_silent_edit_is_refused_before_and_after_commit(repo):
    edit(repo / ROSTER, "amount: 820.00}", "amount: 900.00}")
    edit(repo / ROSTER, "total: 2530.00", "total: 2610.00")
    report = validate(repo)
    assert codes(report) == [(ROSTER, "silent-edit")]  # uncommitted: caught before the commit
    assert "未提交的修改" in report.problems[0].message
    git(repo, "commit", "-qam", "改金额", date="2026-11-12T09:00:00+08:00")
    report = validate(repo)
    assert codes(report) == [(ROSTER, "silent-edit")]
    assert "李报账" in report.problems[0].message and "2026-11-12" in report.problems[0].message


def silent(report) -> list[tuple[str, int, str]]:
    return sorted((p.file, p.line, p.loc) for p in report.problems if p.code == "silent-edit")


def test_silent_edit_points_at_the_changed_line(repo):
    """Not at status: (line 2) but at the row that changed, in the file as it is now."""
    lines = (repo / ROSTER).read_text("utf-8").splitlines()
    row = next(i for i, ln in enumerate(lines, 1) if "key: A-003" in ln)
    total = next(i for i, ln in enumerate(lines, 1) if ln.startswith("total:"))
    edit(repo / ROSTER, "amount: 1200.00}", "amount: 1250.00}")
    edit(repo / ROSTER, "total: 2530.00", "total: 2580.00")
    report = validate(repo)
    assert silent(report) == [(ROSTER, row, "recipients[2].amount")]
    assert f"改动在第 {row}、{total} 行" in report.problems[0].message
    git(repo, "commit", "-qam", "改金额", date="2026-11-12T09:00:00+08:00")
    assert silent(validate(repo)) == [(ROSTER, row, "recipients[2].amount")]

    # a field of a finance line written over several lines: the field's own line
    fin = "villages/alpha/finance/2026-09.yaml"
    edit(
        repo / fin, "summary: 办公用品, amount: 100.00,", "\n      summary: 办公用品（墨盒）, amount: 100.00,"
    )
    flines = (repo / fin).read_text("utf-8").splitlines()
    at = next(i for i, ln in enumerate(flines, 1) if "办公用品（墨盒）" in ln)
    assert flines[at - 2].startswith("  - {date: 2026-09-05")  # the row starts a line above
    assert (fin, at, "expense[0].summary") in silent(validate(repo))


def test_silent_edit_of_a_notice_body_and_a_removed_row(repo):
    notice = "villages/alpha/notices/tender.md"
    edit(repo / notice, "| 工期 | 30 天 |", "| 工期 | 45 天 |")
    text = (repo / notice).read_text("utf-8").splitlines()
    body_line = next(i for i, ln in enumerate(text, 1) if "45 天" in ln)
    # a removed row is no longer in the file: the list that held it is
    edit(
        repo / ROSTER,
        "  - {key: A-002, name: 李䶮, group: 二组, id_masked: 990101********4561, people: 1, start: 2026-01, amount: 510.00}\n",
        "",
    )
    edit(repo / ROSTER, "total: 2530.00", "total: 2020.00")
    rlines = (repo / ROSTER).read_text("utf-8").splitlines()
    recipients = rlines.index("recipients:") + 1
    assert silent(validate(repo)) == [(notice, body_line, "body"), (ROSTER, recipients, "recipients")]


def test_correction_entry_makes_the_edit_legitimate(repo):
    edit(repo / ROSTER, "amount: 820.00}", "amount: 900.00}")
    edit(
        repo / ROSTER,
        "total: 2530.00",
        "total: 2610.00\ncorrections:\n  - {date: 2026-11-12, reason: 张某某家庭人数核减后重新核定}",
    )
    git(repo, "commit", "-qam", "更正金额", date="2026-11-12T09:00:00+08:00")
    assert codes(validate(repo)) == []
    # one correction entry does not cover a later edit
    edit(repo / ROSTER, "amount: 510.00}", "amount: 520.00}")
    edit(repo / ROSTER, "total: 2610.00", "total: 2620.00")
    git(repo, "commit", "-qam", "又改", date="2026-11-13T09:00:00+08:00")
    assert codes(validate(repo)) == [(ROSTER, "silent-edit")]


def test_reindenting_is_not_an_edit(repo):
    path = repo / ROSTER
    text = path.read_text("utf-8")
    path.write_text("# 重新排版\n" + text.replace("standard: ", "standard:   "), "utf-8")
    git(repo, "commit", "-qam", "排版")
    assert codes(validate(repo)) == []


def test_reordering_rows_is_not_an_edit(repo):
    """Rows are matched by key, as in `cunwu diff`: a reorder needs no correction."""
    path = repo / ROSTER
    lines = path.read_text("utf-8").splitlines(keepends=True)
    rows = [i for i, line in enumerate(lines) if line.startswith("  - {key: A-")]
    for i, row in zip(rows, reversed([lines[i] for i in rows]), strict=True):
        lines[i] = row
    path.write_text("".join(lines), "utf-8")
    git(repo, "commit", "-qam", "调整顺序")
    assert codes(validate(repo)) == []
    # ... but a real edit in the same kind of commit still is one
    edit(repo / ROSTER, "amount: 820.00}", "amount: 900.00}")
    edit(repo / ROSTER, "total: 2530.00", "total: 2610.00")
    assert codes(validate(repo)) == [(ROSTER, "silent-edit")]


def test_back_to_draft_needs_a_correction(repo):
    edit(repo / ROSTER, "status: approved", "status: draft")
    git(repo, "commit", "-qam", "撤回")
    assert codes(validate(repo)) == [(ROSTER, "silent-edit")]


def test_removing_a_correction_is_refused(repo):
    fin = "villages/alpha/finance/2026-10.yaml"
    edit(
        repo / fin,
        "corrections:\n  - {date: 2026-11-15, reason: 第 0013 号凭证金额录入错误，由 205.00 更正为 250.00}\n",
        "",
    )
    git(repo, "commit", "-qam", "删掉更正")
    report = validate(repo)
    assert (fin, "silent-edit") in codes(report)
    assert any("更正记录被删除了：曾有 1 条，现在只有 0 条" in p.message for p in report.problems)
    # putting the entry back repairs it: the rule is judged on the file as it is now
    git(repo, "revert", "--no-edit", "HEAD")
    assert codes(validate(repo)) == []


def test_no_git_and_shallow_clone_warn(tmp_path, repo):
    plain = copy_project(GOLDEN_PROJECT, tmp_path / "plain")
    report = validate(plain)
    assert codes(report) == [("cunwu.yaml", "history-unavailable")]
    assert report.ok() and not report.ok(strict=True)
    assert main(["validate", str(plain), "--require-history"]) == 1
    shallow = tmp_path / "shallow"
    git(repo, "commit", "-q", "--allow-empty", "-m", "二")
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    report = validate(shallow)
    assert codes(report) == [("cunwu.yaml", "history-unavailable")]
    assert "浅克隆" in report.problems[0].message


def test_first_published_and_last_changed(repo, tmp_path):
    build_site(repo, tmp_path / "out")
    site = tmp_path / "out/site/alpha"
    roster = (site / "subsidies/2026-10-dibao/index.html").read_text()
    assert "首次公开 2026年10月5日 · 公开后没有修改过" in roster
    finance = (site / "finance/2026-10/index.html").read_text()  # committed with a correction entry
    assert "· 最后修改 2026年11月15日" in finance and "没有修改过" not in finance
    # without history nothing is claimed about changes
    plain = copy_project(GOLDEN_PROJECT, tmp_path / "plain")
    build_site(plain, tmp_path / "plain-out")
    roster = (tmp_path / "plain-out/site/alpha/subsidies/2026-10-dibao/index.html").read_text()
    assert "首次公开 2026年10月5日" in roster and "没有修改过" not in roster


def test_versions_pages(repo, tmp_path):
    edit(repo / ROSTER, "amount: 820.00}", "amount: 900.00}")
    edit(
        repo / ROSTER,
        "total: 2530.00",
        "total: 2610.00\ncorrections:\n  - {date: 2026-11-12, reason: 张某某家庭人数核减后重新核定}",
    )
    git(repo, "commit", "-qam", "更正金额", date="2026-11-12T09:00:00+08:00")
    site = tmp_path / "out" / "site"
    build_site(repo, tmp_path / "out")
    page = site / "alpha/subsidies/2026-10-dibao"
    current = (page / "index.html").read_text()
    assert "更正说明" in current and "张某某家庭人数核减后重新核定" in current
    assert "全部 2 个版本" in current
    versions = (page / "versions/index.html").read_text()
    stamps = re.findall(r'id="v-([0-9a-f]{10})"', versions)
    assert len(stamps) == 2
    new, old = stamps
    assert "820.00" in versions and "900.00" in versions and "张某某" in versions
    assert "名单" in versions  # the one-line summary
    assert 'name="robots" content="noindex' in versions  # it names recipients too
    frozen = (page / f"v/{old}/index.html").read_text()
    assert "旧版本" in frozen and "820.00" in frozen and "900.00" not in frozen
    assert 'name="robots" content="noindex' in frozen
    redirect = (page / f"v/{new}/index.html").read_text()
    assert 'http-equiv="refresh"' in redirect


def test_versions_page_of_a_rewired_flowchart_speaks_chinese(repo, tmp_path):
    power = repo / "powers/major-decision.yaml"
    edit(power, "yes: resolve, no: rejected}", "yes: rejected, no: resolve}")
    edit(power, "time_limit: 5个工作日, next: done}", "time_limit: 5个工作日, next: check}")
    edit(
        power,
        "  - {id: rejected,",
        "  - {id: check, step: 村务监督委员会核对, actor: 村务监督委员会, next: done}\n  - {id: rejected,",
    )
    edit(
        power,
        "approved_on: 2026-01-05",
        "approved_on: 2026-01-05\ncorrections:\n  - {date: 2026-11-12, reason: 未通过的退回重新商议}",
    )
    git(repo, "commit", "-qam", "改流程", date="2026-11-12T09:00:00+08:00")
    build_site(repo, tmp_path / "out")
    page = (tmp_path / "out/site/alpha/powers/major-decision/versions/index.html").read_text()
    # the correction entry is shown as 更正说明, not as a change
    assert "权力事项：流程新增 1 个节点，改线 3 处<" in page
    row = re.search(r"<tr><td>修改 流程“党员大会审议是否通过？” “否”分支</td>(.*?)</tr>", page)
    assert row is not None, page
    assert row.group(1) == "<td><del>rejected</del></td><td><ins>resolve</ins></td>"
    assert " · no<" not in page and "· next" not in page  # no English field names
    added = re.search(
        r"<tr><td>新增 流程“村务监督委员会核对”</td><td><del></del></td><td><ins>(.*?)</ins>", page
    )
    assert added is not None, page
    assert "步骤名称 村务监督委员会核对" in added.group(1) and "下一步 done" in added.group(1)
    assert not re.search(r"\b(id|step|actor|next) ", added.group(1)), added.group(1)
    assert "更正说明（2026年11月12日）：未通过的退回重新商议" in page


def test_rewritten_history_fails_the_build_unless_overridden(repo, tmp_path):
    import json

    from cunwu.errors import HistoryError

    out = tmp_path / "out"
    build_site(repo, out)
    edit(repo / ROSTER, "amount: 820.00}", "amount: 900.00}")
    edit(
        repo / ROSTER,
        "total: 2530.00",
        "total: 2610.00\ncorrections:\n  - {date: 2026-11-12, reason: 重新核定}",
    )
    git(repo, "commit", "-qam", "更正", date="2026-11-12T09:00:00+08:00")
    build_site(repo, out)
    manifest = json.loads((out / "site/versions.json").read_text())
    stamps = {e["stamp"] for e in manifest["versions"] if e["doc"] == "subsidy:2026-10-dibao"}
    assert len(stamps) == 2
    before = (out / "site/index.html").read_bytes()

    # amend the correction commit: the published 900.00 version vanishes
    edit(repo / ROSTER, "amount: 900.00}", "amount: 880.00}")
    edit(repo / ROSTER, "total: 2610.00", "total: 2590.00")
    git(repo, "commit", "-q", "--amend", "-am", "更正（改写）", date="2026-11-12T09:00:00+08:00")
    with pytest.raises(HistoryError, match="找不到已经发布过的版本"):
        build_site(repo, out)
    assert (out / "site/index.html").read_bytes() == before  # nothing published
    build_site(repo, out, allow_rewrite="测试：改写历史")
    manifest = json.loads((out / "site/versions.json").read_text())
    (override,) = manifest["overrides"]
    assert override["reason"] == "测试：改写历史" and len(override["removed"]) == 1
    assert any(e.get("withdrawn") for e in manifest["versions"])
    # the override is permanent: the next plain build passes and keeps it
    build_site(repo, out)
    assert json.loads((out / "site/versions.json").read_text())["overrides"] == manifest["overrides"]


def test_deleting_a_disclosure_is_not_a_rewrite(repo, tmp_path):
    out = tmp_path / "out"
    build_site(repo, out)
    git(repo, "rm", "-q", ROSTER)
    git(repo, "commit", "-qm", "撤下名单")
    build_site(repo, out)
    assert not (out / "site/alpha/subsidies/2026-10-dibao").exists()


def test_renamed_notice_with_new_slug_keeps_its_old_url(repo, tmp_path):
    old = repo / "villages/alpha/notices/tender.md"
    git(repo, "mv", "villages/alpha/notices/tender.md", "villages/alpha/notices/2026-10-tender.md")
    new = repo / "villages/alpha/notices/2026-10-tender.md"
    text = new.read_text("utf-8").replace("slug: 2026-10-road-tender", "slug: 2026-10-tender-roads")
    text = text.replace(
        "approved_on: 2026-10-15",
        "approved_on: 2026-10-15\ncorrections:\n  - {date: 2026-10-20, reason: 统一网址}",
    )
    new.write_text(text, "utf-8")
    git(repo, "commit", "-qam", "改名", date="2026-10-20T09:00:00+08:00")
    assert not old.exists()
    assert codes(validate(repo)) == []
    build_site(repo, tmp_path / "out")
    site = tmp_path / "out/site/alpha/notices"
    assert (site / "2026-10-tender-roads/index.html").is_file()
    redirect = (site / "2026-10-road-tender/index.html").read_text()
    assert "url=../2026-10-tender-roads/" in redirect


def _correct(repo: Path, amount: str, total: str, reason: str) -> None:
    edit(repo / ROSTER, "amount: 820.00}", f"amount: {amount}}}")
    edit(
        repo / ROSTER,
        "total: 2530.00",
        f"total: {total}\ncorrections:\n  - {{date: 2026-11-12, reason: {reason}}}",
    )


def _stamps(manifest: Path) -> set[str]:
    import json

    return {
        e["stamp"]
        for e in json.loads(manifest.read_text())["versions"]
        if e["doc"] == "subsidy:2026-10-dibao"
    }


def _codes_of(result) -> list[str]:
    return sorted(p.code for p in result.report.problems)


def test_uncommitted_work_is_built_but_not_recorded_as_published(repo, tmp_path):
    """A local preview of uncommitted work must not make its later amendment look like a rewrite."""
    out = tmp_path / "out"
    build_site(repo, out)
    published = _stamps(out / "site/versions.json")
    _correct(repo, "900.00", "2610.00", "预览中")
    result = build_site(repo, out)
    assert _codes_of(result) == ["uncommitted-changes"]
    assert "900.00" in (out / "site/alpha/subsidies/2026-10-dibao/index.html").read_text()
    assert _stamps(out / "site/versions.json") == published  # the preview is not a published version
    # the cadre changes their mind before committing: no "rewritten history"
    git(repo, "checkout", "-q", "--", ROSTER)
    _correct(repo, "880.00", "2590.00", "核定")
    git(repo, "commit", "-qam", "更正", date="2026-11-12T09:00:00+08:00")
    assert _codes_of(build_site(repo, out)) == []
    assert len(_stamps(out / "site/versions.json")) == 2


def test_a_new_build_folder_continues_the_published_record(repo, tmp_path):
    """The manifest's memory is the published copy: a wiped build/ (a CI checkout) must not forget it."""
    import json
    import shutil

    from cunwu.errors import HistoryError, ValidationFailed

    out = tmp_path / "out"
    build_site(repo, out)
    _correct(repo, "900.00", "2610.00", "重新核定")
    git(repo, "commit", "-qam", "更正", date="2026-11-12T09:00:00+08:00")
    build_site(repo, out)
    live = tmp_path / "live-versions.json"  # what the web server holds
    shutil.copy(out / "site/versions.json", live)
    shutil.rmtree(out)

    # history rewritten, then built in a fresh folder
    edit(repo / ROSTER, "amount: 900.00}", "amount: 880.00}")
    edit(repo / ROSTER, "total: 2610.00", "total: 2590.00")
    git(repo, "commit", "-q", "--amend", "-am", "更正（改写）", date="2026-11-12T09:00:00+08:00")
    with pytest.raises(HistoryError, match="找不到已经发布过的版本"):
        build_site(repo, out, manifest=str(live))
    # without the published copy the build cannot know: it says so, and CI refuses
    with pytest.raises(ValidationFailed) as exc:
        build_site(repo, tmp_path / "ci", require_history=True)
    assert [p.code for p in exc.value.report.problems] == ["manifest-missing"]
    result = build_site(repo, tmp_path / "other")
    assert _codes_of(result) == ["manifest-missing"]

    build_site(repo, out, manifest=str(live), allow_rewrite="测试：改写历史")
    manifest = json.loads((out / "site/versions.json").read_text())
    old = json.loads(live.read_text())
    assert manifest["started"] == old["started"] == "2026-11-20"
    # append-only across the wipe: every entry of the published copy is still there
    assert {(e["scope"], e["stamp"]) for e in old["versions"]} <= {
        (e["scope"], e["stamp"]) for e in manifest["versions"]
    }
    (override,) = manifest["overrides"]
    assert override["reason"] == "测试：改写历史"
    # a manifest of another township is refused, not merged
    other = json.loads(live.read_text().replace('"township": "', '"township": "x-'))
    live.write_text(json.dumps(other, ensure_ascii=False))
    with pytest.raises(HistoryError, match="属于乡镇"):
        build_site(repo, out, manifest=str(live))


def test_manifest_is_read_from_the_live_site_over_http(repo, tmp_path):
    import functools
    import http.server
    import threading

    from cunwu.errors import HistoryError

    out = tmp_path / "out"
    build_site(repo, out)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(out / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        result = build_site(repo, tmp_path / "ci", manifest=url + "versions.json", require_history=True)
        assert _codes_of(result) == []
        with pytest.raises(HistoryError, match="无法下载上次发布的版本清单"):
            build_site(repo, tmp_path / "ci2", manifest=url + "no-such.json")
    finally:
        server.shutdown()
        server.server_close()


def test_without_git_the_site_builds_and_says_so_without_local_paths(tmp_path):
    plain = copy_project(GOLDEN_PROJECT, tmp_path / "plain")
    result = build_site(plain, tmp_path / "out")
    assert _codes_of(result) == ["history-unavailable"]
    page = (tmp_path / "out/site/alpha/subsidies/2026-10-dibao/index.html").read_text()
    assert "构建网站时无法读取 Git 修改历史，这里只显示当前版本。" in page
    assert str(tmp_path) not in page and "fatal" not in page


BUDGET = "villages/alpha/budget/2026.yaml"
ADJUSTED = '    totals: {income: "1200.00", expense: "240.00"}\n'
SECOND = """  - date: 2026-11-20
    resolution_date: 2026-11-18
    reason: 冬季道路除冰
    expense:
      - {account: "51401", amount: "300.00"}
    totals: {income: "1200.00", expense: "300.00"}
"""


def test_an_approved_budget_changes_only_by_adjustment(repo):
    """Editing the approved lines is a silent edit whose message says how to
    adjust; a new adjustment entry explains the change; removing one is refused."""
    edit(repo / BUDGET, '{account: "51401", amount: "200.00"}', '{account: "51401", amount: "300.00"}')
    edit(repo / BUDGET, 'expense: "200.00"}', 'expense: "300.00"}')
    report = validate(repo)
    assert codes(report) == [(BUDGET, "silent-edit")]
    assert "本年度预算已审核公开" in report.problems[0].message
    assert "在 adjustments 中新增一条" in report.problems[0].message
    git(repo, "checkout", "-q", "--", BUDGET)

    edit(repo / BUDGET, ADJUSTED, ADJUSTED + SECOND)
    assert codes(validate(repo)) == []
    git(repo, "commit", "-qam", "预算调整", date="2026-11-21T09:00:00+08:00")
    assert codes(validate(repo)) == []

    # an adjustment's amounts, changed later without a new entry: silent
    edit(repo / BUDGET, '{account: "51401", amount: "300.00"}', '{account: "51401", amount: "320.00"}')
    edit(repo / BUDGET, 'expense: "300.00"}', 'expense: "320.00"}')
    assert codes(validate(repo)) == [(BUDGET, "silent-edit")]
    git(repo, "checkout", "-q", "--", BUDGET)

    # removing an adjustment: an entry removed, and the budget changed back unexplained
    edit(repo / BUDGET, SECOND, "")
    report = validate(repo)
    assert set(codes(report)) == {(BUDGET, "silent-edit")}
    assert any("更正记录或预算调整被删除了：曾有 2 条，现在只有 1 条" in p.message for p in report.problems)
