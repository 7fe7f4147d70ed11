"""Completeness (issue 19): the disclosure calendar, its states, the clock,
exemptions, projects, the township screen and completeness.json/.csv."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from cunwu.commands.completeness import township_completeness
from cunwu.commands.validate import validate
from cunwu.model.calendar import Calendar, CalendarItem, Exemption
from cunwu.render import completeness as cp

from conftest import DEMO_AS_OF, REPO, build_site, copy_project

#: the demo's history: imported on 2026-11-23, new demo commits after it
SCREEN_AS_OF = dt.date(2026, 12, 9)
CONTRACT_KEYS = {"schema", "generated_for", "township", "window", "definition", "villages"}
ITEM_KEYS = {
    "id",
    "kind",
    "title",
    "period",
    "due",
    "state",
    "days_late",
    "published_on",
    "typed_on",
    "url",
    "reason",
}


def facts(**kw) -> dict:
    base = {
        "cadence": "monthly",
        "since": "",
        "recurring": [],
        "git": True,
        "series": {"finance": {}},
        "notices": [],
        "first_income_50101": "",
        "projects": [],
    }
    base.update(kw)
    return base


def items(f: dict, cal: Calendar, as_of: dt.date) -> list[cp.Item]:
    out = cp.village_items("v", f, cal, 10, as_of, "https://x.example.org/v/", {})
    cp.apply_exemptions("v", out, cal)
    return out


def by_id(its: list[cp.Item]) -> dict[str, cp.Item]:
    return {it.id: it for it in its}


FIN = Calendar(items=[CalendarItem(id="finance", kind="finance")], migration=dt.date(2026, 6, 1))


# ---------------------------------------------------------------- the clock


def test_backdated_approval_is_late_by_its_commit():
    f = facts(series={"finance": {"2026-09": ["2026-10-08", "2026-10-30"]}})
    it = by_id(items(f, FIN, dt.date(2026, 11, 20)))["v/finance/2026-09"]
    assert it.state == "late" and it.days_late == 20
    assert it.published_on == "2026-10-30" and it.typed_on == "2026-10-08"
    assert it.dates_differ


def test_before_migration_the_typed_date_counts_and_is_backfilled():
    f = facts(series={"finance": {"2026-03": ["2026-04-08", "2026-11-23"]}})
    it = by_id(items(f, FIN, dt.date(2026, 11, 20)))["v/finance/2026-03"]
    assert it.state == "backfilled" and it.published_on == "2026-04-08"


def test_a_commit_after_as_of_is_not_published_yet():
    f = facts(series={"finance": {"2026-09": ["2026-10-08", "2026-11-23"]}})
    it = by_id(items(f, FIN, dt.date(2026, 11, 20)))["v/finance/2026-09"]
    assert it.state == "missing" and it.days_late == 41


def test_not_due_items_reach_sixty_days_ahead():
    its = by_id(items(facts(), FIN, dt.date(2026, 11, 20)))
    assert its["v/finance/2026-11"].state == "not_due"  # due 2026-12-10
    assert its["v/finance/2026-12"].state == "not_due"  # due 2027-01-10
    assert "v/finance/2027-01" not in its  # due 2027-02-10: more than 60 days on


# ---------------------------------------------------------------- score, since, exemptions


def test_score_is_never_100_while_anything_is_missing():
    series = {f"2025-{m:02d}": ["2025-01-01", "2025-01-01"] for m in range(1, 13)}
    series |= {f"2026-{m:02d}": ["2026-01-01", "2026-01-01"] for m in range(1, 12)}
    series.pop("2026-10")
    cal = Calendar(items=[CalendarItem(id="finance", kind="finance")])
    its = items(facts(series={"finance": series}), cal, dt.date(2026, 11, 20))
    s = cp.score(its, dt.date(2026, 11, 20))
    assert s["due"] == 12 and s["on_time"] == 11 and s["percent"] == "91.6"
    big = [cp.Item(str(i), "finance", "", "", dt.date(2026, 11, 1), "on_time") for i in range(999)]
    big.append(cp.Item("x", "finance", "", "", dt.date(2026, 11, 1), "missing"))
    assert cp.score(big, dt.date(2026, 11, 20))["percent"] == "99.9"


def test_village_that_joined_mid_year_owes_nothing_before():
    its = by_id(items(facts(since="2026-08"), FIN, dt.date(2026, 11, 20)))
    assert "v/finance/2026-07" not in its and "v/finance/2026-08" in its


def test_exempt_item_never_counts_as_published():
    cal = Calendar(
        items=[CalendarItem(id="finance", kind="finance")],
        exemptions=[
            Exemption(village="v", item="finance", period="2026-09", date="2026-10-01", reason="村委换届")
        ],
    )
    f = facts(series={"finance": {"2026-09": ["2026-10-08", "2026-10-08"]}})
    its = items(f, cal, dt.date(2026, 11, 20))
    it = by_id(its)["v/finance/2026-09"]
    assert it.state == "exempt" and it.published_on is None and "村委换届" in it.reason
    assert "2026-10-01" in it.reason
    assert cp.score(its, dt.date(2026, 11, 20))["due"] == 11  # 12 due in the window, the exempt one left out


def test_held_village_items_are_held():
    its = items(facts(), FIN, dt.date(2026, 11, 20))
    cp.hold(its, "2 个文件有错误")
    assert {it.state for it in its} == {"held", "not_due"}


def test_pending_kinds_are_never_published():
    cal = Calendar(items=[CalendarItem(id="budget", kind="budget", every="year", due="03-31")])
    it = by_id(items(facts(), cal, dt.date(2026, 11, 20)))["v/budget/2026"]
    assert it.state == "missing" and it.due == dt.date(2026, 3, 31)


# ---------------------------------------------------------------- projects


def test_tender_without_resolution_and_contract_never_accepted():
    n = [
        ["t", "村务", "招投标", "2026-05-01", "2026-05-01", "2026-05-01"],
        ["c", "村务", "合同公开", "2026-06-01", "2026-06-01", "2026-06-01"],
    ]
    pr = [
        {"id": "a", "name": "甲工程", "type": "works", "steps": {"tender": "t"}, "income_from": ""},
        {
            "id": "b",
            "name": "乙工程",
            "type": "works",
            "steps": {"resolution": "t", "contract": "c"},
            "income_from": "",
        },
    ]
    cal = Calendar(items=[], migration=dt.date(2026, 1, 1))
    its = by_id(items(facts(notices=n, projects=pr), cal, dt.date(2026, 11, 20)))
    res = its["v/project/a/resolution"]
    assert res.state == "missing" and "没有公开四议两公开的决议" in res.reason
    assert its["v/project/a/tender"].state == "on_time"  # due on its own date
    # b: resolution then... the tender step is missing, later steps wait
    assert its["v/project/b/tender"].state == "missing"


# ---------------------------------------------------------------- bad input


@pytest.fixture
def project(tmp_path):
    return copy_project(REPO, tmp_path / "p")


def _problems(project, rel):
    report = validate(project, history=False, jobs=1)
    return [p for p in report.problems if p.file == rel and p.severity == "error"]


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("    - id: budget\n      kind: budget", "    - id: budget\n      kind: budgte", "未知的公开类型"),
        (
            "      every: quarter\n      due_day: 15",
            "      every: quarter\n      due_day: 30",
            "不是每个月都有",
        ),
        ('      due: "03-31"', '      due: "02-30"', "不存在"),
        ("      reason: 村党支部换届，第四季度党务公开并入镇党委统一公告\n", "", "reason"),
        ("      date: 2026-01-05\n", "", "date"),
        (
            "      item: party\n      period: 2025-Q4",
            "      item: parti\n      period: 2025-Q4",
            "不在 calendar.items",
        ),
    ],
)
def test_bad_calendar_gets_file_line_chinese(project, old, new, words):
    cfg = project / "cunwu.yaml"
    text = cfg.read_text("utf-8")
    assert old in text
    cfg.write_text(text.replace(old, new), "utf-8")
    found = _problems(project, "cunwu.yaml")
    assert found, "no problem reported"
    assert any(words in p.message or words in (p.field or "") for p in found), [p.message for p in found]
    assert all(p.line > 0 for p in found)


def test_project_step_naming_unknown_slug(project):
    f = project / "villages/dongshan/projects.yaml"
    f.write_text(
        f.read_text("utf-8").replace("award: 2026-09-road-tender-result", "award: 2026-09-road-award"),
        "utf-8",
    )
    found = _problems(project, "villages/dongshan/projects.yaml")
    assert len(found) == 1 and found[0].line == 7 and "2026-09-road-award" in found[0].message


def test_unknown_notice_topic(project):
    f = project / "villages/xihe/notices/2026-03-pond-lease.md"
    f.write_text(f.read_text("utf-8").replace("topic: 资产租赁", "topic: 资产出租"), "utf-8")
    found = _problems(project, "villages/xihe/notices/2026-03-pond-lease.md")
    assert found and "未知的专项类型" in found[0].message and found[0].line > 1


# ---------------------------------------------------------------- the demo


def test_demo_shows_every_state_but_held():
    data = township_completeness(REPO, SCREEN_AS_OF)
    assert set(data) == CONTRACT_KEYS and data["schema"] == "cunwu-completeness/1"
    states = {it["state"] for v in data["villages"] for it in v["items"]}
    assert states >= {"on_time", "late", "missing", "not_due", "exempt", "backfilled"}
    for v in data["villages"]:
        for it in v["items"]:
            assert set(it) == ITEM_KEYS
    allitems = {it["id"]: it for v in data["villages"] for it in v["items"]}
    assert allitems["nanpo/project/2026-water/acceptance"]["state"] == "missing"
    assert allitems["xihe/project/2026-canal/resolution"]["state"] == "missing"
    tender = allitems["xihe/project/2026-canal/tender"]
    assert tender["state"] == "late" and tender["typed_on"] == "2026-11-16"
    assert tender["published_on"] > tender["typed_on"]
    pcts = [float(v["score"]["percent"]) for v in data["villages"]]
    assert pcts == sorted(pcts)  # worst first


def test_demo_held_village(project):
    bad = project / "villages/nanpo/finance/2026-Q3.yaml"
    bad.write_text(bad.read_text("utf-8").replace("status: approved", "status: aproved", 1), "utf-8")
    data = township_completeness(project, DEMO_AS_OF)
    nanpo = next(v for v in data["villages"] if v["id"] == "nanpo")
    assert nanpo["held_back"] and nanpo["counts"]["held"] > 0
    assert data["villages"][0]["id"] == "nanpo"  # held villages first


def test_build_writes_screen_json_and_csv(tmp_path):
    build_site(REPO, tmp_path, SCREEN_AS_OF, posters=False)
    site = tmp_path / "site"
    data = json.loads((site / "completeness.json").read_text("utf-8"))
    assert data == township_completeness(REPO, SCREEN_AS_OF)
    rows = list(csv.DictReader(io.StringIO((site / "completeness.csv").read_text("utf-8-sig"))))
    assert len(rows) == sum(len(v["items"]) for v in data["villages"])
    html = (site / "index.html").read_text("utf-8")
    assert html.count("<details>") == 3
    for zh in ("按时", "迟报", "未公开", "未到期", "豁免", "补录"):
        assert f">{zh}</span>" in html
    assert "完成率 = " in html
    assert "文件中填写" in html  # typed date beside the commit date


def test_village_home_line_and_complaint_links(tmp_path):
    build_site(REPO, tmp_path, SCREEN_AS_OF, posters=False)
    home = (tmp_path / "site/dongshan/index.html").read_text("utf-8")
    assert "2026 年应公开" in home and 'class="bar wide"' in home
    # each missing item names itself in the intake link
    assert "village=990101101201&amp;page=missing/project/2026-road/contract" in home
    assert "village=990101101201&amp;page=missing/party/2026-Q1" in home


def test_one_village_change_rebuilds_only_that_village(project, tmp_path):
    out = tmp_path / "out"
    first = build_site(project, out, SCREEN_AS_OF, posters=False)
    assert sorted(first.rebuilt) == ["dongshan", "nanpo", "xihe"]
    notice = project / "villages/xihe/notices/2026-12-party.md"
    notice.write_text(
        "---\nslug: 2026-12-party\ntitle: 西河村党支部主题党日活动公告\ndate: 2026-12-08\nkind: 党务\n"
        "topic: 组织生活\nstatus: approved\napproved_on: 2026-12-08\n---\n本月主题党日安排在 12 月 15 日。\n",
        "utf-8",
    )
    second = build_site(project, out, SCREEN_AS_OF, posters=False)
    assert second.rebuilt == ["xihe"]
    data = json.loads((out / "site/completeness.json").read_text("utf-8"))
    xihe = next(v for v in data["villages"] if v["id"] == "xihe")
    party = next(it for it in xihe["items"] if it["id"] == "xihe/party/2026-Q4")
    assert party["state"] == "on_time"  # no git in the copy: the typed date counts


def test_without_migration_date_the_typed_date_counts():
    cal = Calendar(items=[CalendarItem(id="finance", kind="finance")])
    f = facts(series={"finance": {"2026-09": ["2026-10-08", "2026-11-23"]}})
    it = by_id(items(f, cal, dt.date(2026, 11, 20)))["v/finance/2026-09"]
    assert it.state == "on_time" and it.published_on == "2026-10-08"


def test_contract_keys_of_a_village_entry():
    data = township_completeness(REPO, DEMO_AS_OF)
    for v in data["villages"]:
        assert set(v) == {"id", "name", "url", "held_back", "held_reason", "score", "counts", "items"}
        assert set(v["counts"]) == set(cp.STATES)
        assert set(v["score"]) == {"on_time", "due", "percent"}
        # not-yet-due items reach 60 days past as-of
        ahead = [it["due"] for it in v["items"] if it["state"] == "not_due"]
        assert ahead and max(ahead) <= "2027-01-19"


def test_as_of_rebuilds_the_screen_of_a_past_date():
    """On 2026-11-20 the canal tender (typed 11-16, committed 2026-12-07) had not
    been committed: no step of that project existed yet."""
    before = township_completeness(REPO, DEMO_AS_OF)
    after = township_completeness(REPO, SCREEN_AS_OF)
    ids_before = {it["id"] for v in before["villages"] for it in v["items"]}
    ids_after = {it["id"] for v in after["villages"] for it in v["items"]}
    assert "xihe/project/2026-canal/resolution" in ids_after
    assert not any(i.startswith("xihe/project/2026-canal/") for i in ids_before)
    assert before["generated_for"] == "2026-11-20" and before["window"] == {
        "from": "2025-12",
        "to": "2026-11",
    }
