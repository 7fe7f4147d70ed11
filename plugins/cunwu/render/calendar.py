"""Calendar feeds (iCalendar, RFC 5545): what a village owes, on a cadre's phone.

One feed per village and one per township, made from the completeness data
(CONTRACT-completeness.md). A feed lists:

* every item coming due (state ``not_due``): an all-day event on its due
  date, with a reminder three days before;
* every item owed now (``missing``, its due date passed): an all-day event
  on the day the feed was made, saying how many days it is overdue, so it
  shows up in today's agenda instead of sinking into the past.

Each event's UID is the item's stable id, so when the feed is fetched again
a calendar replaces the event (an owed item moves to the new day, a
published item disappears) instead of adding a second one.

Written by hand to RFC 5545: CRLF line ends, lines folded at 75 octets
without splitting a UTF-8 character, and ``\\ ; ,`` and newlines escaped in
text. tests/test_feeds.py parses every feed with the ``icalendar`` library.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

PRODID = "-//cunwu//村务公开 公开日历//ZH"
#: days before a due date a subscribed phone reminds the cadre
ALARM_DAYS = 3


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> bytes:
    """One content line, folded (RFC 5545 3.1): no physical line longer than 75
    octets, continuation lines start with a space, a UTF-8 character never split."""
    data = line.encode("utf-8")
    if len(data) <= 75:  # most lines: nothing to fold
        return data + b"\r\n"
    out = bytearray()
    width = 0
    limit = 75
    for ch in line:
        b = ch.encode("utf-8")
        if width + len(b) > limit:
            out += b"\r\n "
            width = 1
        out += b
        width += len(b)
    return bytes(out) + b"\r\n"


def _date(d: dt.date) -> str:
    return d.strftime("%Y%m%d")


def _uid(township: str, item_id: str, whole_township: bool, host: str) -> str:
    """``qingshui/dongshan/finance/2026-10@host`` in the village's feed, with
    ``/township`` before the ``@`` in the township's: a cadre subscribed to
    both has two calendars, never one event fighting itself."""
    return f"{township}/{item_id}{'/township' if whole_township else ''}@{host}"


def events(data: dict, vid: str | None = None) -> list[dict]:
    """The events of the township (``vid`` None) or of one village, in order:
    owed items first (most overdue first), then coming items by due date."""
    as_of = dt.date.fromisoformat(data["generated_for"])
    host = urlsplit(data["township"]["base_url"]).netloc or "cunwu.invalid"
    tid = data["township"]["id"]
    owed: list[dict] = []
    coming: list[dict] = []
    for v in data["villages"]:
        if vid is not None and v["id"] != vid:
            continue
        prefix = "" if vid else f"{v['name']}："
        for it in v["items"]:
            due = dt.date.fromisoformat(it["due"])
            url = it.get("url") or v.get("url") or data["township"]["base_url"]
            if it["state"] == "missing" and due < as_of:
                days = it.get("days_late") or (as_of - due).days
                owed.append(
                    {
                        "uid": _uid(tid, it["id"], vid is None, host),
                        "day": as_of,
                        "summary": f"{prefix}未公开：{it['title']}（已逾期 {days} 天）",
                        "description": f"{v['name']}{it['title']}应在 {it['due']} 前公开，至 {as_of.isoformat()} 仍未公开，已逾期 {days} 天。",
                        "url": url,
                        "alarm": False,
                        "sort": (0, -days, it["id"]),
                    }
                )
            elif it["state"] == "not_due" or it["state"] == "missing":
                coming.append(
                    {
                        "uid": _uid(tid, it["id"], vid is None, host),
                        "day": due,
                        "summary": f"{prefix}到期：{it['title']}",
                        "description": f"{v['name']}{it['title']}应在 {it['due']} 前公开。",
                        "url": url,
                        "alarm": True,
                        "sort": (1, it["due"], it["id"]),
                    }
                )
    return sorted(owed, key=lambda e: e["sort"]) + sorted(coming, key=lambda e: e["sort"])


def ics(data: dict, vid: str | None = None) -> bytes:
    """The feed of the township (``vid`` None) or of one village, as bytes."""
    t = data["township"]
    if vid is None:
        name = f"{t['name']}村务公开日历"
    else:
        village = next(v for v in data["villages"] if v["id"] == vid)
        name = f"{t['name']}{village['name']}村务公开日历"
    as_of = dt.date.fromisoformat(data["generated_for"])
    # the stamp is the data's date, not the clock: the same data gives the same bytes
    stamp = f"{_date(as_of)}T000000Z"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape_text(name)}",
        f"X-WR-CALNAME:{escape_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
        "X-PUBLISHED-TTL:PT12H",
    ]
    for e in events(data, vid):
        lines += [
            "BEGIN:VEVENT",
            f"UID:{escape_text(e['uid'])}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{_date(e['day'])}",
            f"DTEND;VALUE=DATE:{_date(e['day'] + dt.timedelta(days=1))}",
            f"SUMMARY:{escape_text(e['summary'])}",
            f"DESCRIPTION:{escape_text(e['description'] + ' ' + e['url'])}",
            f"URL:{e['url']}",
            "TRANSP:TRANSPARENT",
        ]
        if e["alarm"]:
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{escape_text(e['summary'])}",
                f"TRIGGER:-P{ALARM_DAYS}D",
                "END:VALARM",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)


def feeds(data: dict) -> dict[str, bytes]:
    """Every feed of a township, by its path from the township root
    (docs/urls.md): ``calendar.ics``, and ``calendar/<village>.ics``."""
    out = {"calendar.ics": ics(data)}
    for v in data["villages"]:
        out[f"calendar/{v['id']}.ics"] = ics(data, v["id"])
    return out
