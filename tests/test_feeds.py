"""Calendar feeds: written by hand to RFC 5545, read back by the icalendar library."""

from __future__ import annotations

import copy
import datetime as dt

import icalendar

from completeness_fixture import item, sample
from cunwu.render.calendar import escape_text, feeds, fold, ics


def parse(raw: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(raw)


def vevents(raw: bytes) -> list:
    return list(parse(raw).walk("VEVENT"))


def test_every_feed_parses_and_follows_the_wire_rules():
    data = sample()
    out = feeds(data)
    assert sorted(out) == ["calendar.ics", "calendar/dongshan.ics", "calendar/nanpo.ics", "calendar/xihe.ics"]
    for name, raw in out.items():
        cal = parse(raw)
        assert cal["VERSION"] == "2.0" and cal["PRODID"], name
        # CRLF everywhere, no physical line over 75 octets, every byte valid UTF-8
        assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), name
        assert max(len(line) for line in raw.split(b"\r\n")) <= 75, name
        raw.decode("utf-8")
        uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
        assert len(uids) == len(set(uids)), name


def test_what_a_village_feed_lists():
    data = sample()
    events = vevents(feeds(data)["calendar/xihe.ics"])
    got = [(str(e["SUMMARY"]), e.decoded("DTSTART")) for e in events]
    # the missing October statement shows today (as of), with its days overdue; the
    # coming November statement on its due date; on-time and late items are done
    assert got == [
        ("未公开：2026-10 财务公开（已逾期 10 天）", dt.date(2026, 11, 20)),
        ("到期：2026-11 财务公开", dt.date(2026, 12, 10)),
    ]
    coming = events[1]
    alarm = next(iter(coming.walk("VALARM")))
    assert alarm.decoded("TRIGGER") == -dt.timedelta(days=3)
    assert coming.decoded("DTEND") == dt.date(2026, 12, 11)
    assert str(coming["URL"]) == "https://cunwu.example.org/qingshui/xihe/"
    # the township's feed names the village in each event
    town = [str(e["SUMMARY"]) for e in vevents(feeds(data)["calendar.ics"])]
    assert "西河村：未公开：2026-10 财务公开（已逾期 10 天）" in town
    assert len(town) == 4  # xihe 2, dongshan 1, nanpo 1
    assert str(events[0]["UID"]) == "qingshui/xihe/finance/2026-10@cunwu.example.org"
    town_uids = {str(e["UID"]) for e in vevents(feeds(data)["calendar.ics"])}
    assert "qingshui/xihe/finance/2026-10/township@cunwu.example.org" in town_uids


def test_uids_stay_when_the_feed_is_made_again():
    before = sample(as_of="2026-11-20")
    after = copy.deepcopy(before)
    after["generated_for"] = "2026-12-12"
    xihe = after["villages"][1]
    # the October statement got published; November's is now overdue
    xihe["items"][1] = item(
        "xihe",
        "https://cunwu.example.org/qingshui/",
        "finance",
        "2026-10",
        "2026-11-10",
        "late",
        as_of="2026-12-12",
        published="2026-12-01",
    )
    xihe["items"][3] = item(
        "xihe",
        "https://cunwu.example.org/qingshui/",
        "finance",
        "2026-11",
        "2026-12-10",
        "missing",
        as_of="2026-12-12",
    )
    a = {str(e["UID"]): e for e in vevents(ics(before, "xihe"))}
    b = {str(e["UID"]): e for e in vevents(ics(after, "xihe"))}
    (oct_uid,) = [u for u in a if "2026-10" in u]
    (nov_uid,) = [u for u in a if "2026-11" in u]
    assert oct_uid not in b  # published: gone from the feed
    assert nov_uid in b  # the same event, moved to the new day and now overdue
    assert b[nov_uid].decoded("DTSTART") == dt.date(2026, 12, 12)
    assert "已逾期 2 天" in str(b[nov_uid]["SUMMARY"])
    # the same data gives the same bytes (the stamp is the data's date, not the clock)
    assert ics(before, "xihe") == ics(copy.deepcopy(before), "xihe")


def test_text_is_escaped_and_long_chinese_lines_fold_between_characters():
    data = sample()
    title = "2026年10月财务公开，含“村道维修;路灯”\\附件\n第二行" + "很长的标题" * 20
    data["villages"][1]["items"][1]["title"] = title
    raw = ics(data, "xihe")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 75
    ev = vevents(raw)[0]
    assert str(ev["SUMMARY"]) == f"未公开：{title}（已逾期 10 天）"
    assert title in str(ev["DESCRIPTION"])


def test_escape_and_fold_units():
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "村" * 40  # 8 + 120 octets
    folded = fold(line)
    parts = folded.split(b"\r\n")
    assert parts[-1] == b""
    assert all(len(p) <= 75 for p in parts)
    assert parts[1].startswith(b" ")
    # unfolding gives the line back: no character was split
    assert folded.replace(b"\r\n ", b"").decode("utf-8") == line + "\r\n"
    assert fold("A" * 75) == b"A" * 75 + b"\r\n"
    assert fold("A" * 76) == b"A" * 75 + b"\r\n A\r\n"
