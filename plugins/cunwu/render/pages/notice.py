"""Notices (公告): the section, a page per notice (and its old slugs), the open-data row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...load.document import Doc
from ...words import date_zh
from ..common import Output, text
from ..markdown import render_markdown
from ..site import KindPages
from ..urls import relative_root


class NoticePages(KindPages):
    kind = "notice"

    def title(self, doc: Doc) -> str:
        return doc.model.title

    def meta(self, doc: Doc) -> str:
        m = doc.model
        return f"{m.kind} · {date_zh(m.date)}"

    def section(self) -> Output:
        site = self.site
        index = "notices/index.html"
        return Output(
            index,
            "section",
            site.page(
                index,
                "notices",
                "公告",
                "notices",
                items=[site.summary(d, index) for d in reversed(self.docs)],
                intro="党务、村务、财务公告，包括“四议两公开”决议、招投标、资产租赁、征地补偿等专项公告。",
            ),
        )

    def redirects(self, doc: Doc) -> Iterator[Output]:
        for alias in doc.model.aliases:
            yield self.site.redirect(f"notices/{alias}/index.html", doc.url_path, doc.model.title)

    def page(self, doc: Doc, name: str, **extra: Any) -> Output:
        site = self.site
        m = doc.model
        data = site.page(
            name,
            f"notices/{m.slug}",
            m.title,
            "notices",
            notice_date=date_zh(m.date),
            kind=m.kind,
            topic=m.topic or "",
            notice={"start": date_zh(m.notice.start), "end": date_zh(m.notice.end)} if m.notice else None,
            html=render_markdown(doc.body or "", root=relative_root(name), files=site.published_files),
            **{**site.doc_links(doc, name), **extra},
        )
        return Output(name, "notice", data, sources=(doc.rel,), doc=site.key_of(doc), poster=self.spec.poster)

    def open_rows(self, doc: Doc) -> list[dict[str, str]]:
        m = doc.model
        return [
            {
                "slug": m.slug,
                "title": m.title,
                "date": m.date.isoformat(),
                "kind": m.kind,
                "topic": text(m.topic),
                "notice_start": m.notice.start.isoformat() if m.notice else "",
                "notice_end": m.notice.end.isoformat() if m.notice else "",
                "body": (doc.body or "").strip(),
            }
        ]
