"""Every output of one village site, as data for the theme's templates.

:meth:`VillageSite.outputs` yields :class:`Output` records: a template name plus
the *complete* data that template may read (``site`` and ``page``), or ready
bytes (JSON, CSV, feeds). The writer hashes exactly that data with the
template's fingerprint to decide whether a page must be rendered again, so a
template must never read anything that is not in its data.

The pages of each disclosure kind come from the kind's page builder
(:mod:`cunwu.render.pages`, named in :mod:`cunwu.kinds`); this module holds
what every page shares.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..history.info import DocInfo
from ..history.versions import DocHistory
from ..kinds import KINDS, page_kinds, resolve
from ..load.document import Doc
from ..validate.project import TownshipContext, VillageBundle
from ..words import date_zh, iso_date_zh
from .common import Output
from .markdown import local_refs, summary_text
from .urls import complaint_url, rel_link, relative_root, village_base_url


class VillageSite:
    """Builds the outputs of one village site from its validated bundle."""

    def __init__(
        self,
        ctx: TownshipContext,
        bundle: VillageBundle,
        info: dict[str, DocInfo],
        *,
        include_drafts: bool = False,
        offline_rosters: frozenset[str] = frozenset(),
        histories: dict[str, DocHistory] | None = None,
        year_line: dict | None = None,
    ):
        self.ctx = ctx
        #: this year's completeness line (render.completeness.year_line), for the home page
        self.year_line = year_line
        self.b = bundle
        self.v = bundle.village
        self.info = info
        self.programs = {pid: p.name for pid, p in ctx.programs.items()}
        self.base = village_base_url(ctx, bundle.id, self.v)
        self.offline = offline_rosters
        self._published = {
            k: [d for d in bundle.of(k) if include_drafts or d.model.status == "approved"]
            for k in KINDS
            if KINDS[k].disclosure
        }
        #: "kind:key" -> history.versions.DocHistory (published versions and diffs)
        self.histories = histories or {}
        #: the page builder of each disclosure kind, in registry order
        self.kinds: dict[str, KindPages] = {k.name: resolve(k.pages)(self) for k in page_kinds()}
        self.published_files = self._published_files()
        self.site = self._site_data()

    # ------------------------------------------------------------ shared data

    def published(self, kind: str) -> list[Doc]:
        """The village's documents of ``kind`` that the site publishes."""
        return self._published.get(kind, [])

    @property
    def finance(self) -> list[Doc]:
        return self.published("finance")

    @property
    def rosters(self) -> list[Doc]:
        return self.published("subsidy")

    @property
    def notices(self) -> list[Doc]:
        return self.published("notice")

    @property
    def powers(self) -> list[Doc]:
        return self.published("power")

    def docs(self) -> list[Doc]:
        """Every published document with a page, kind by kind."""
        return [d for pages in self.kinds.values() for d in pages.docs]

    def online(self) -> list[Doc]:
        """Every document shown on the site now (rosters past their notice may be offline)."""
        return [d for pages in self.kinds.values() for d in pages.online()]

    def pages_of(self, doc: Doc) -> KindPages:
        return self.kinds[doc.kind]

    def title(self, doc: Doc) -> str:
        return self.kinds[doc.kind].title(doc)

    def key_of(self, doc: Doc) -> str:
        return f"{doc.kind}:{doc.key}"

    def _phones(self) -> list[dict]:
        """Complaint and supervision phones, the village's own first."""
        seen, out = set(), []
        own = (self.v.complaint.phones if self.v.complaint else []) + self.v.supervision
        cfg = self.ctx.config
        for p in own + cfg.complaint.phones + cfg.supervision:
            if p.number not in seen:
                seen.add(p.number)
                out.append({"label": p.label, "number": p.number})
        return out

    def _site_data(self) -> dict:
        cfg = self.ctx.config
        intake = (
            self.v.complaint.url if self.v.complaint and self.v.complaint.url else None
        ) or cfg.complaint.url
        online_rosters = [d for d in self.rosters if d.key not in self.offline]
        return {
            "village": {
                "id": self.b.id,
                "name": self.v.name,
                "code": self.v.code,
                "intro": self.v.intro or "",
            },
            "township": {"name": cfg.township.name, "county": cfg.township.county},
            "base_url": self.base,
            "intake": intake,
            "phones": self._phones(),
            "contacts": [
                {"role": c.role, "name": c.name or "", "phone": c.phone or ""} for c in self.v.contacts
            ],
            "sections": [
                {"path": "finance/", "title": "财务公开", "count": len(self.finance)},
                {"path": "subsidies/", "title": "惠民资金", "count": len(online_rosters)},
                {"path": "notices/", "title": "公告", "count": len(self.notices)},
                {"path": "powers/", "title": "权力清单", "count": len(self.powers)},
                {"path": "archive/", "title": "按月归档", "count": 0},
            ],
        }

    def _published_files(self) -> set[str]:
        """Village files (relative to the village folder) the site publishes."""
        out = set()
        for d in self.docs():
            for a in d.model.attachments:
                out.add(a.path)
            if d.kind == "finance":
                for ln in d.model.income + d.model.expense:
                    out.update(a.path for a in ln.attachments)
            if d.body:
                out.update(local_refs(d.body))
        prefix = f"villages/{self.b.id}/"
        existing = {a[len(prefix) :] for a in self.b.attachments}
        return {p for p in out if p in existing}

    def page(self, name: str, page_id: str, title: str, section: str, **extra: Any) -> dict:
        """Data every page template receives as ``page``."""
        root = relative_root(name)
        path = name[: -len("index.html")] if name.endswith("index.html") else name
        stamp = extra.get("stamp", "")
        return {
            "id": page_id,
            "title": title,
            "root": root,
            "section": section,
            "canonical": self.base + path,
            "complaint": complaint_url(self.site["intake"], self.v.code, page_id, stamp),
            **extra,
        }

    def doc_links(self, doc: Doc, name: str) -> dict:
        """Fields every disclosure page shares: version, history, downloads."""
        info = self.info.get(self.key_of(doc))
        m = doc.model
        out = {
            # not "status": a page's status is Pelican's (published or hidden)
            "disclosure_status": m.status,
            # the page's <meta name="description">: what search results and a
            # chat's link preview show under the title
            "description": self.description(doc),
            "approved_on": date_zh(m.approved_on),
            "corrections": [{"date": date_zh(c.date), "reason": c.reason} for c in m.corrections],
            "attachments": [
                {"href": rel_link(name, a.path), "title": a.title or a.path.rsplit("/", 1)[-1]}
                for a in m.attachments
                if a.path in self.published_files
            ],
            "data_json": rel_link(name, doc.url_path + "data.json"),
            "data_csv": rel_link(name, doc.url_path + "data.csv"),
        }
        if info is not None:
            out.update(
                stamp=info.stamp,
                version_date=iso_date_zh(info.version_date),
                first_published=iso_date_zh(info.first_published),
                last_changed=iso_date_zh(info.last_changed),
                versions_href=rel_link(name, doc.url_path + "versions/") if len(info.versions) > 1 else "",
                version_count=len(info.versions),
                # the versions come from git: one version means never changed after approval
                history_known=bool((dh := self.histories.get(self.key_of(doc))) and dh.from_git),
                poster=rel_link(name, doc.url_path + info.poster) if info.poster else "",
                history_note=info.history_note,
            )
        return out

    def summary(self, doc: Doc, from_name: str) -> dict:
        """One line about a disclosure, for lists."""
        m = doc.model
        item = {
            "title": self.title(doc),
            "href": rel_link(from_name, doc.url_path),
            "kind": KINDS[doc.kind].title,
            "status": m.status,
        }
        meta = self.kinds[doc.kind].meta(doc)
        if meta:
            item["meta"] = meta
        if m.corrections:
            item["corrected"] = True
        return item

    def description(self, doc: Doc) -> str:
        """One sentence about a disclosure, for search results and link previews:
        the village and kind, and the figures its lists show (a notice: its text)."""
        township, title = self.ctx.config.township.name, self.title(doc)
        if title.startswith(self.v.name):  # 甲村2026年10月财务公开
            what = township + title
        else:  # 1. 村级重大事项决策
            what = f"{township}{self.v.name}{KINDS[doc.kind].title}：{title}"
        detail = summary_text(doc.body, 120) if doc.body else self.kinds[doc.kind].meta(doc)
        return what + (f"。{detail}" if detail else "")

    def redirect(self, name: str, target_path: str, title: str) -> Output:
        return Output(
            name,
            "redirect",
            self.page(
                name,
                name.rsplit("/", 1)[0],
                title,
                "",
                target=rel_link(name, target_path),
                target_canonical=self.base + target_path,
            ),
        )

    def meta(self, doc: Doc) -> dict:
        """Who and what a document is, for its open data."""
        info = self.info.get(self.key_of(doc))
        return {
            "village": self.b.id,
            "village_name": self.v.name,
            "village_code": self.v.code,
            "kind": doc.kind,
            "key": doc.key,
            "title": self.title(doc),
            "url": self.base + doc.url_path,
            "version": info.stamp if info else "",
        }


class KindPages:
    """The pages of one disclosure kind in one village site."""

    #: the kind's name in :mod:`cunwu.kinds`
    kind = ""

    def __init__(self, site: VillageSite):
        self.site = site
        self.spec = KINDS[self.kind]

    @property
    def docs(self) -> list[Doc]:
        """The documents of this kind the site publishes, in the kind's order."""
        return self.site.published(self.kind)

    def online(self) -> list[Doc]:
        """The documents shown on the site now (a roster may be taken offline)."""
        return self.docs

    def title(self, doc: Doc) -> str:
        raise NotImplementedError

    def meta(self, doc: Doc) -> str:
        """One line about a document, for lists ("" for none)."""
        return ""

    def section(self) -> Output:
        """The kind's section index (``finance/`` ...)."""
        raise NotImplementedError

    def redirects(self, doc: Doc) -> Iterator[Output]:
        """Pages that send a document's other URLs (a notice's old slugs) to its page."""
        return iter(())

    def page(self, doc: Doc, name: str, **extra: Any) -> Output:
        """The page of one document (at ``name``; ``extra`` overrides page data,
        e.g. for a superseded version)."""
        raise NotImplementedError

    def open_rows(self, doc: Doc) -> list[dict[str, str]]:
        """The rows of the document's CSV, one value per column of the kind."""
        raise NotImplementedError
