"""cunwu's pages as Pelican content objects.

Every HTML page of a village site is a :class:`CunwuPage`, a Pelican
:class:`~pelican.contents.Page` whose metadata are the page's data from
:mod:`cunwu.render` (``page.title``, ``page.groups`` ... in templates), so
themes, template overrides and plugins see ordinary Pelican pages with
ordinary attributes: ``url``, ``save_as``, ``date``, ``modified``, ``status``
(``hidden`` for the pages that must not be indexed), ``template``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pelican.contents import Page

from ..kinds import unsearchable_segments
from ..render.common import Output


class CunwuPage(Page):
    """One page of a village or township site."""

    #: the render output this page was made from (its data, sources, poster)
    cunwu_output: Output


def _searchable(out: Output) -> bool:
    assert out.data is not None
    if out.data.get("noindex") or out.template == "redirect":
        return False
    return out.name.split("/", 1)[0] not in unsearchable_segments()


def _when(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime(day.year, day.month, day.day)


def page_metadata(
    out: Output, published: dt.date | None = None, modified: dt.date | None = None
) -> dict[str, Any]:
    """The metadata of a template output's page: its data, and what Pelican
    needs (template, where it is saved, its URL, status, dates). ``published``
    and ``modified`` are a disclosure's approval and last change, for plugins
    such as a sitemap."""
    assert out.data is not None and out.template is not None
    url = out.name[: -len("index.html")] if out.name.endswith("index.html") else out.name
    meta: dict[str, Any] = {
        **out.data,
        "template": out.template,
        "save_as": out.name,
        "url": url,
        "slug": url.rstrip("/") or "index",
        # pages that must not be indexed (rosters and everything under their
        # folder, old versions, redirects) are hidden, which Pelican and its
        # plugins (sitemaps, menus) leave out
        "status": "published" if _searchable(out) else "hidden",
        "cunwu_output": out,
    }
    when = _when(published)
    if when is not None:
        meta["date"] = when
        meta["modified"] = _when(modified) or when
    return meta


def page_of(out: Output, settings: dict, context: dict) -> CunwuPage:
    """The content object of a template output that no source file stands for
    (a section index, the home page, a versions page)."""
    return CunwuPage("", metadata=page_metadata(out), settings=settings, context=context)
