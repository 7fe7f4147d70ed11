"""Short paths ``s/<stamp>/`` in the rare cases: a withdrawn roster, a stamp two disclosures share.

The common case (every short path leads to its version's page) is checked on the golden
and the demo sites in tests/test_site.py; the poster codes that encode them in
tests/test_posters.py and tests/test_legibility.py.
"""

from __future__ import annotations

import datetime as dt
import re

from cunwu.render import shortlinks

from conftest import GOLDEN_PROJECT, build_site, copy_project
from test_site import broken_links, parse


def stamp_on(page) -> str:
    return re.search(r'data-stamp="([0-9a-f]{10})"', page.read_text("utf-8")).group(1)


def test_a_withdrawn_roster_short_path_leads_to_its_section(tmp_path):
    """A roster taken off the site after its notice period: its poster's code still leads
    somewhere that says so (the roster section counts the withdrawn rosters)."""
    project = copy_project(GOLDEN_PROJECT, tmp_path / "township")
    cfg = project / "cunwu.yaml"
    cfg.write_text(cfg.read_text() + "site: {rosters_offline_after_notice: true}\n")
    during = tmp_path / "during"
    build_site(project, during, as_of=dt.date(2026, 10, 8), posters=False)
    stamp = stamp_on(during / "site/alpha/subsidies/2026-10-dibao/index.html")
    short = during / "site/alpha/s" / stamp / "index.html"
    assert f"url=../../subsidies/2026-10-dibao/?v={stamp}" in short.read_text()
    after = tmp_path / "after"
    build_site(project, after, as_of=dt.date(2026, 11, 20), posters=False)
    short = after / "site/alpha/s" / stamp / "index.html"
    text = short.read_text()
    assert not (after / "site/alpha/subsidies/2026-10-dibao").exists()
    assert 'url=../../subsidies/"' in text and "公示期已结束" in text
    assert "公示期已结束" in (after / "site/alpha/subsidies/index.html").read_text()
    assert broken_links(after / "site") == []


def test_a_stamp_two_disclosures_share_lists_both(tmp_path, monkeypatch):
    """Ten hex digits can coincide. The short path then redirects nowhere: it lists both
    disclosures (with a stylesheet and the complaint link, as a page to read)."""
    shared = "0123456789"
    both = {("finance", "2026-10"), ("notice", "2026-10-road-tender")}
    real_stamps, real_current = shortlinks.stamps_of, shortlinks.current_stamp

    def stamps(site, doc):
        return [shared] if (doc.kind, doc.key) in both else real_stamps(site, doc)

    def current(site, doc):
        return shared if (doc.kind, doc.key) in both else real_current(site, doc)

    monkeypatch.setattr(shortlinks, "stamps_of", stamps)
    monkeypatch.setattr(shortlinks, "current_stamp", current)
    out = tmp_path / "out"
    build_site(GOLDEN_PROJECT, out, posters=False, jobs=1)
    page = out / "site/alpha/s" / shared / "index.html"
    p = parse(page)
    assert not [a for t, a in p.tags if t == "meta" and a.get("http-equiv") == "refresh"]
    targets = sorted(h for h in p.links if "?v=" in h)
    assert targets == [f"../../finance/2026-10/?v={shared}", f"../../notices/2026-10-road-tender/?v={shared}"]
    assert any("report" in (a.get("class") or "") for t, a in p.tags if t == "a")
    assert broken_links(out / "site") == []
    # the other disclosures' short paths still lead where they did
    stamp = stamp_on(out / "site/alpha/finance/2026-09/index.html")
    short = out / "site/alpha/s" / stamp / "index.html"
    assert f"url=../../finance/2026-09/?v={stamp}" in short.read_text()
