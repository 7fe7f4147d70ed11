"""Every output of one village site, in the order the site is written."""

from __future__ import annotations

from collections.abc import Iterator

from . import feed, opendata
from .common import Output
from .pages import versions, village
from .site import VillageSite
from .urls import robots_txt, unsearchable_paths


def site_outputs(site: VillageSite) -> Iterator[Output]:
    """Home, every kind's pages, archive, versions, redirects, open data, feed,
    robots.txt and the attachments the pages show."""
    yield from village.home(site)
    for pages in site.kinds.values():
        yield from pages.outputs()
    yield from village.archive(site)
    yield from versions.version_pages(site)
    yield from versions.renamed_pages(site)
    yield from opendata.outputs(site)
    yield feed.feed(site)
    # effective where the village is hosted on its own (village.yaml: base_url)
    yield Output("robots.txt", body=robots_txt(unsearchable_paths(site.base)))
    for rel in sorted(site.published_files):
        yield Output(
            rel,
            body=(site.ctx.root / "villages" / site.b.id / rel).read_bytes(),
            sources=(f"villages/{site.b.id}/{rel}",),
        )
