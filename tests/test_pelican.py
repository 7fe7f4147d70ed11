"""Pelican for real: a township's pelicanconf.py, a plugin from PyPI, a template override.

The village sites are Pelican runs with cunwu's reader, generators and
writer (docs/architecture.md). A township configures them as any Pelican
user would, in ``pelicanconf.py`` at the root of its repository.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cunwu.errors import PrivacyLeak
from cunwu.privacy import id_check_char

from conftest import GOLDEN_PROJECT, build_site, copy_project

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = "https://cunwu.example.org/alpha-township/alpha"


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(GOLDEN_PROJECT, tmp_path / "project")


def sitemap_urls(site: Path, village: str = "alpha") -> list[str]:
    tree = ET.parse(site / village / "sitemap.xml")
    return [loc.text for loc in tree.getroot().findall("s:url/s:loc", NS)]


def base_of(project: Path) -> str:
    import yaml

    return yaml.safe_load((project / "cunwu.yaml").read_text("utf-8"))["base_url"] + "alpha"


def test_a_pelican_plugin_from_pypi_works_on_the_village_pages(project):
    (project / "pelicanconf.py").write_text(
        'PLUGINS = ["pelican.plugins.sitemap"]\nSITEMAP = {"format": "xml"}\n', "utf-8"
    )
    out = project / "build"
    build_site(project, out, posters=False)
    site = out / "site"
    urls = sitemap_urls(site)
    base = base_of(project)
    pages = sorted(
        p.relative_to(site / "alpha").as_posix()
        for p in (site / "alpha").rglob("index.html")
        if "noindex" not in p.read_text("utf-8")
    )
    expected = sorted(base + "/" + p[: -len("index.html")] for p in pages)
    assert urls and sorted(urls) == expected
    # the pages a search engine must not make searchable by name are never listed
    assert any("/subsidies/" in p for p in (site / "alpha").rglob("index.html") for p in [str(p)])
    assert not [u for u in urls if "/subsidies/" in u or "/versions/" in u or "/v/" in u]
    for u in (f"{base}/", f"{base}/finance/2026-10/", f"{base}/notices/", f"{base}/powers/"):
        assert u in urls

    # an incremental rebuild renders one page, and the sitemap still lists them all
    fin = project / "villages/alpha/finance/2026-10.yaml"
    fin.write_text(fin.read_text("utf-8") + "note: 补充说明。\n", "utf-8")
    result = build_site(project, out, posters=False)
    assert 0 < result.pages_rendered < len(pages)
    assert sorted(sitemap_urls(site)) == expected


def test_what_a_plugin_writes_is_published_like_ours(project, monkeypatch):
    """A plugin's file is scanned before it goes live, its in-place writes stay in
    staging, and once no run writes it any more it goes."""
    plugins = project / "plugins"
    plugins.mkdir()
    first17 = "99010119800101123"
    full = first17 + id_check_char(first17)
    (plugins / "extra.py").write_text(
        "import os\n"
        "from pelican import signals\n\n"
        "def write(pelican):\n"
        "    what = os.environ.get('EXTRA')\n"
        "    if not what:\n"
        "        return\n"
        "    with open(os.path.join(pelican.output_path, 'extra.txt'), 'w') as f:\n"
        f"        f.write('身份证 {full}' if what == 'leak' else '本村说明')\n"
        "    # in place, into a file the live site has too\n"
        "    with open(os.path.join(pelican.output_path, 'robots.txt'), 'a') as f:\n"
        f"        f.write('# ' + ('{full}' if what == 'leak' else what) + '\\n')\n\n"
        "def register():\n"
        "    signals.finalized.connect(write)\n",
        "utf-8",
    )
    (project / "pelicanconf.py").write_text('PLUGIN_PATHS = ["plugins"]\nPLUGINS = ["extra"]\n', "utf-8")
    out = project / "build"
    live = out / "site" / "alpha"
    fin = project / "villages/alpha/finance/2026-10.yaml"

    def edit(note: str) -> None:
        fin.write_text(
            fin.read_text("utf-8") + f"note: {note}\n"
            if "note:" not in fin.read_text("utf-8")
            else fin.read_text("utf-8").replace("note: ", f"note: {note}", 1),
            "utf-8",
        )

    monkeypatch.setenv("EXTRA", "plain")
    build_site(project, out, posters=False)
    assert (live / "extra.txt").read_text("utf-8") == "本村说明"
    robots = (live / "robots.txt").read_bytes()
    assert robots.endswith(b"# plain\n")

    monkeypatch.setenv("EXTRA", "leak")
    edit("补充说明。")
    with pytest.raises(PrivacyLeak) as exc:
        build_site(project, out, posters=False)
    # its own file, and the line it added to one of ours after we wrote it
    assert "alpha/extra.txt" in str(exc.value) and "alpha/robots.txt" in str(exc.value)
    assert full not in str(exc.value)
    assert (live / "extra.txt").read_text("utf-8") == "本村说明"
    assert (live / "robots.txt").read_bytes() == robots  # the in-place write stayed in staging

    monkeypatch.delenv("EXTRA")
    edit("再补充。")
    build_site(project, out, posters=False)
    assert not (live / "extra.txt").exists()
    assert b"# " not in (live / "robots.txt").read_bytes().split(b"User-agent")[1]


def test_a_township_overrides_one_template(project):
    overrides = project / "theme-overrides"
    overrides.mkdir()
    theme = Path(__file__).resolve().parents[1] / "themes/cunwu/templates"
    finance = (theme / "finance.html").read_text("utf-8")
    assert "{% block main %}" in finance
    (overrides / "finance.html").write_text(
        finance.replace(
            "{% block main %}", "{% block main %}<p class=township-note>本镇财务公开由经管站复核。</p>", 1
        ),
        "utf-8",
    )
    (project / "pelicanconf.py").write_text('THEME_TEMPLATES_OVERRIDES = ["theme-overrides"]\n', "utf-8")
    out = project / "build"
    build_site(project, out, posters=False)
    site = out / "site" / "alpha"
    assert "本镇财务公开由经管站复核" in (site / "finance/2026-10/index.html").read_text("utf-8")
    assert "本镇财务公开由经管站复核" not in (site / "notices/2026-10-road-tender/index.html").read_text(
        "utf-8"
    )

    # editing the override re-renders the pages that use it, and only those
    (overrides / "finance.html").write_text(
        finance.replace("{% block main %}", "{% block main %}<p class=township-note>经管站已复核。</p>", 1),
        "utf-8",
    )
    jinja = out / ".cache" / "jinja"
    (first,) = jinja.iterdir()  # compiled templates kept for the next build
    assert any(first.iterdir())
    result = build_site(project, out, posters=False)
    assert result.pages_rendered == 2  # the two statements
    assert "经管站已复核" in (site / "finance/2026-09/index.html").read_text("utf-8")
    # a changed template is compiled into a folder of its own, the old one goes
    (second,) = jinja.iterdir()
    assert second.name != first.name


def test_one_projects_plugins_never_act_in_the_next_build(project, tmp_path):
    """Pelican's signals are global to a process; a build's plugins go with its runs."""
    (project / "pelicanconf.py").write_text('PLUGINS = ["pelican.plugins.sitemap"]\n', "utf-8")
    build_site(project, project / "build", posters=False)
    assert (project / "build/site/alpha/sitemap.xml").is_file()
    other = copy_project(GOLDEN_PROJECT, tmp_path / "other")
    build_site(other, other / "build", posters=False)
    assert not list((other / "build/site").rglob("sitemap.xml"))


@pytest.mark.parametrize("plugins", [False, True])
def test_staging_shares_files_only_when_nothing_writes_in_place(project, plugins):
    """Without Pelican plugins of the township's own, only cunwu's writer writes
    (never in place), so a village's staging tree hard-links the live files it
    does not change; with them, every file is a copy (see the test above)."""
    if plugins:
        (project / "pelicanconf.py").write_text("PLUGINS = []\n", "utf-8")
    out = project / "build"
    build_site(project, out, posters=False)
    live = out / "site" / "alpha"
    untouched = live / "notices/2026-10-road-tender/index.html"
    before = untouched.stat().st_ino
    fin = project / "villages/alpha/finance/2026-10.yaml"
    fin.write_text(fin.read_text("utf-8").replace("summary: ", "summary: 又", 1), "utf-8")
    build_site(project, out, posters=False)
    assert "又" in (live / "finance/2026-10/index.html").read_text("utf-8")
    assert (untouched.stat().st_ino == before) is not plugins
