"""The village's Atom feed: its newest disclosures, corrections marked.

An entry's ``id`` is the disclosure's permanent URL (docs/urls.md), the same
for every version: a corrected statement is the same entry, ``updated`` to
the day of its last correction, so a feed reader shows it as changed, not as
a second statement. ``published`` is the day it was approved.
"""

from __future__ import annotations

import datetime as dt
import html

from feedgenerator import Atom1Feed

from .common import Output
from .markdown import summary_text
from .site import VillageSite


def feed(site: VillageSite) -> Output:
    docs = [d for d in site.online() if d.kind != "power"]
    docs = sorted(docs, key=lambda d: (d.model.last_changed or dt.date.min, d.key), reverse=True)[:50]
    f = Atom1Feed(
        title=f"{site.v.name}村务公开",
        link=site.base,
        feed_url=site.base + "feed.xml",
        description=f"{site.ctx.config.township.name}{site.v.name}的财务公开、惠民资金公示和公告",
        language="zh-CN",
        # RFC 4287 4.1.1: a feed whose entries have no author must name one itself
        author_name=f"{site.v.name}村民委员会",
    )
    for d in docs:
        m = d.model
        when = dt.datetime.combine(m.last_changed or dt.date(2000, 1, 1), dt.time(), tzinfo=dt.UTC)
        summary = site.summary(d, "index.html").get("meta", "")
        if d.kind == "notice":
            summary = summary_text(d.body or "")
        if m.corrections:
            # an Atom summary is HTML (type="html"): the reason is text, escape it
            last = m.corrections[-1]
            summary = f"【已更正 {last.date}：{html.escape(last.reason, quote=False)}】" + summary
        f.add_item(
            title=site.title(d),
            link=site.base + d.url_path,
            description=summary,
            # one entry per disclosure, whatever its version (not the stamp: a
            # correction would read as a new disclosure)
            unique_id=site.base + d.url_path,
            updateddate=when,
            pubdate=dt.datetime.combine(m.approved_on or when.date(), dt.time(), tzinfo=dt.UTC),
        )
    return Output("feed.xml", body=f.writeString("utf-8").encode("utf-8"))
