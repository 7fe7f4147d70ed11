"""The permanent URL scheme (documented in docs/urls.md).

A printed poster's QR code must keep working for years, so a disclosure's
URL depends only on the village and the disclosure's own identity, never on
titles, build order or numbering::

    <village base>/                                   village home
    <village base>/powers/                            power list + negative list
    <village base>/powers/<item-id>/                  one power item + flowchart
    <village base>/finance/<YYYY-MM | YYYY-Qn>/       finance statement
    <village base>/subsidies/<period>-<program>/      subsidy roster
    <village base>/notices/<slug>/                    notice
    <village base>/<kind>/<key>/versions/             every published version + diffs
    <village base>/<kind>/<key>/v/<stamp>/            one published version, frozen
    <village base>/<kind>/<key>/poster.pdf            notice-board poster
    <village base>/<kind>/<key>/data.json | data.csv  open data
    <village base>/s/<stamp>/                         short path of one version (poster QR codes):
                                                      redirects to its page with ?v=<stamp>

``<village base>`` is ``village.yaml: base_url`` when the village is hosted on
its own, else ``cunwu.yaml: base_url`` + ``<village-id>/``.
"""

from __future__ import annotations

import posixpath
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..kinds import unsearchable_segments
from ..model.village import Village
from ..validate.project import TownshipContext


def village_base_url(ctx: TownshipContext, vid: str, village: Village) -> str:
    return village.base_url or f"{ctx.config.base_url}{vid}/"


def relative_root(output_name: str) -> str:
    """From ``finance/2026-10/index.html`` back to the site root: ``../../``."""
    depth = output_name.count("/")
    return "../" * depth if depth else "./"


def rel_link(from_output: str, to_path: str) -> str:
    """Relative link between two paths of one site (``to_path`` may end in /)."""
    start = posixpath.dirname(from_output) or "."
    trailing = "/" if to_path.endswith("/") else ""
    target = to_path.rstrip("/") or "."
    rel = posixpath.relpath(target, start)
    return "./" if rel == "." else rel + trailing


#: the folder of the short paths inside a village site
SHORT_DIR = "s"


def short_path(stamp: str) -> str:
    """The short path of one published version inside its village site: ``s/<stamp>/``.

    A stamp is a hash of the version's content, so the path is permanent; it is
    short, so a poster's QR code has few, large modules (see docs/urls.md)."""
    return f"{SHORT_DIR}/{stamp}/"


def short_url(village_base: str, stamp: str) -> str:
    return village_base + short_path(stamp)


def with_query(url: str, **params: str) -> str:
    """Add query parameters to ``url``, keeping any it already has. A ``/`` in a value
    stays as it is (RFC 3986 allows it in a query): ``page=finance/2026-10``, not ``%2F``."""
    parts = urlsplit(url)
    extra = urlencode({k: v for k, v in params.items() if v}, safe="/")
    query = f"{parts.query}&{extra}" if parts.query and extra else parts.query or extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def complaint_url(base: str, village_code: str, page_id: str, stamp: str = "") -> str:
    """The intake link carries which village and which page the reader was on.

    ``page_id`` is the page's path inside the village site (``home``, ``finance``,
    ``finance/2026-10``). A disclosure shown in one version (``stamp``: its page, or a
    frozen old version under ``v/<stamp>``) is named by its short path ``s/<stamp>``
    instead, which names the version as well and is shorter: the poster's complaint
    code, which must work without the site, gets fewer modules. The power list as a
    whole (``powers``) has a stamp but no short path (its versions are not recorded),
    so it keeps its path and ``v=<stamp>``."""
    if stamp and "/" in page_id:
        return with_query(base, village=village_code, page=short_path(stamp).rstrip("/"))
    return with_query(base, village=village_code, page=page_id, v=stamp)


def unsearchable_paths(village_base: str) -> list[str]:
    """The URL paths under which a village's pages name people (its rosters):
    ``/qingshui/dongshan/subsidies/``."""
    base = urlsplit(village_base).path.rstrip("/")
    return [f"{base}/{segment}/" for segment in unsearchable_segments()]


def robots_txt(disallowed: list[str]) -> bytes:
    """A robots.txt that keeps search engines away from the rosters.

    Roster pages carry ``noindex``, but their CSV, JSON and poster PDF cannot,
    and a search engine indexes those too: by name. Disallowing the whole
    folder keeps them all out. Crawlers read robots.txt only at the root of a
    host, hence the note for sites published under a sub-path."""
    lines = [
        "# 惠民资金名单列有受助人姓名，不供搜索引擎收录：名单网页带 noindex，",
        "# 名单的 CSV、JSON 和张贴版 PDF 由下面的 Disallow 挡住。",
        "# 本站若不在域名的根目录，请把这些 Disallow 行加进域名根目录的 robots.txt。",
        "User-agent: *",
        *(f"Disallow: {p}" for p in sorted(set(disallowed))),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")
