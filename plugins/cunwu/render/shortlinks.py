"""Short paths of published versions: ``<village>s/<stamp>/``, what a poster's page QR code encodes.

A poster's page code must scan from a phone photo, so it should have as few modules as
possible; the full address of a roster with ``?v=<stamp>`` is 80 characters and more, the
short path 20 fewer. It is as permanent as the full address: the stamp is a hash of the
version's content, so the path never changes and never names anything else.

Each short path is a small redirect page (a meta refresh plus a link, no script, no
stylesheet) to the disclosure's page with ``?v=<stamp>``. For the current version that is
the page itself; for a version corrected since, the page shows its banner "this poster
is out of date" with a link to the frozen version (``v/<stamp>/``). A roster taken off the
site after its notice period sends its short paths to the roster section, which says how
many were withdrawn. If two disclosures of one village ever share a stamp (10 hex digits:
about one chance in two million for a village with a thousand versions), the short path is a
page listing both, without a refresh.

The power list as a whole has no short path: its stamp is computed from the catalog and
the items at build time, and its earlier stamps are not recorded anywhere, so a short
path for an old power-list poster could not be kept. Its poster encodes
``powers/?v=<stamp>`` instead (the page always exists).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .common import Output
from .urls import rel_link, short_path, with_query

if TYPE_CHECKING:  # pragma: no cover
    from .site import VillageSite

TEMPLATE = "shortlink"


def stamps_of(site: VillageSite, doc) -> list[str]:
    """Every stamp of ``doc`` the site shows or printed: its published versions, then the
    current one (the build may show a version not committed yet)."""
    info = site.info.get(site.key_of(doc))
    if info is None:
        return []
    stamps = [v["stamp"] for v in info.versions if v.get("stamp")]
    if info.stamp:
        stamps.append(info.stamp)
    return list(dict.fromkeys(stamps))


def current_stamp(site: VillageSite, doc) -> str:
    return site.info[site.key_of(doc)].stamp


def targets(site: VillageSite) -> dict[str, list[dict]]:
    """``stamp -> [target, ...]``: where each short path of the village leads."""
    out: dict[str, list[dict]] = {}
    for doc in site.docs():
        stamps = stamps_of(site, doc)
        if not stamps:
            continue
        current = current_stamp(site, doc)
        offline = doc.kind == "subsidy" and doc.key in site.offline
        for stamp in stamps:
            out.setdefault(stamp, []).append(
                {
                    "source": doc.rel,
                    "title": site.title(doc),
                    # a withdrawn roster: its section, which says how many were withdrawn
                    "path": "subsidies/" if offline else doc.url_path,
                    "query": "" if offline else stamp,
                    "old": "" if offline or stamp == current else f"{doc.url_path}v/{stamp}/",
                    "offline": offline,
                }
            )
    return out


def shortlink_pages(site: VillageSite) -> Iterator[Output]:
    """The redirect page of every short path of the village."""
    for stamp, found in sorted(targets(site).items()):
        name = short_path(stamp) + "index.html"
        links = [
            {
                "title": t["title"],
                "href": with_query(rel_link(name, t["path"]), v=t["query"]),
                "canonical": site.base + t["path"],
                "old": rel_link(name, t["old"]) if t["old"] else "",
                "offline": t["offline"],
            }
            for t in found
        ]
        data = site.page(
            name,
            short_path(stamp).rstrip("/"),
            links[0]["title"] if len(links) == 1 else "扫码链接",
            "",
            stamp=stamp,
            links=links,
            # one target: go there at once; two (a stamp shared by chance): let the reader pick
            refresh=links[0]["href"] if len(links) == 1 else "",
            noindex=True,
        )
        yield Output(name, TEMPLATE, data, sources=tuple(sorted({t["source"] for t in found})))
