"""One Pelican run per village (and one for the township), inside a worker.

A job carries the validated model and the previous build's page keys; its
``generate`` method is called by the plugin's generator with Pelican's
template environment and our writer. A page is rendered only when its key
(code fingerprint + template fingerprint + the exact data it shows) changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from pelican import Pelican
from pelican.log import console
from pelican.settings import read_settings

from ..history.info import DocInfo
from ..render.common import data_key
from ..render.markdown import clean_html
from ..render.outputs import site_outputs
from ..render.site import VillageSite
from ..validate.project import TownshipContext, VillageBundle
from . import pelican_plugin
from .fingerprint import sha

# Pelican prints a summary line per run and logs through rich; a county build
# runs hundreds of times, so keep Pelican quiet and report progress ourselves.
console.quiet = True
logging.getLogger("pelican").setLevel(logging.WARNING)

_DISABLED = {
    "DIRECT_TEMPLATES": [],
    "PAGINATED_TEMPLATES": {},
    "THEME_STATIC_PATHS": [],
    "STATIC_PATHS": [],
    "ARTICLE_PATHS": [],
    "FEED_ALL_ATOM": None,
    "FEED_ALL_RSS": None,
    "CATEGORY_FEED_ATOM": None,
    "TRANSLATION_FEED_ATOM": None,
    "AUTHOR_FEED_ATOM": None,
    "AUTHOR_FEED_RSS": None,
    "TAG_SAVE_AS": "",
    "CATEGORY_SAVE_AS": "",
    "AUTHOR_SAVE_AS": "",
    "TAGS_SAVE_AS": "",
    "CATEGORIES_SAVE_AS": "",
    "AUTHORS_SAVE_AS": "",
    "ARCHIVES_SAVE_AS": "",
    "ARTICLE_SAVE_AS": "",
    "ARTICLE_LANG_SAVE_AS": "",
    "DRAFT_SAVE_AS": "",
    "DRAFT_PAGE_SAVE_AS": "",
    "LOAD_CONTENT_CACHE": False,
    "CACHE_CONTENT": False,
    "DELETE_OUTPUT_DIRECTORY": False,
    "OUTPUT_SOURCES": False,
}


#: every value from the sources is escaped unless a template says |safe
JINJA_OPTIONS = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True, "extensions": []}
JINJA_FILTERS = {"cunwu_clean": clean_html}


def theme_env(theme: Path):
    """The theme's templates outside a Pelican run (``cunwu print``), same options."""
    from jinja2 import FileSystemLoader

    env = pelican_plugin.DictFirstEnvironment(
        loader=FileSystemLoader(str(theme / "templates")), **JINJA_OPTIONS
    )
    env.filters.update(JINJA_FILTERS)
    return env


def run_pelican(theme: Path, content: Path, output: Path, job, page_paths=(), extra=None) -> None:
    """One real Pelican run with our plugin, generator and writer."""
    settings = read_settings(
        override={
            **_DISABLED,
            "PATH": str(content),
            "OUTPUT_PATH": str(output),
            "THEME": str(theme),
            "PAGE_PATHS": list(page_paths),
            "PAGE_URL": "{slug}/",
            "PAGE_SAVE_AS": "{slug}/index.html",
            # Pelican lowercases DEFAULT_LANG but not a page's `Lang: zh-CN`, and
            # would treat the page as a translation: save those the same way
            "PAGE_LANG_URL": "{slug}/",
            "PAGE_LANG_SAVE_AS": "{slug}/index.html",
            "RELATIVE_URLS": True,
            "SITEURL": "",
            "TIMEZONE": "Asia/Shanghai",
            "DEFAULT_LANG": "zh-CN",
            "DEFAULT_DATE": "fs",
            "PLUGINS": [pelican_plugin],
            "JINJA_ENVIRONMENT": {**JINJA_OPTIONS, "bytecode_cache": pelican_plugin.BYTECODE_CACHE},
            "JINJA_FILTERS": JINJA_FILTERS,
            **(extra or {}),
        }
    )
    settings["CUNWU_JOB"] = job  # after read_settings, which deep-copies its input
    Pelican(settings).run()


@dataclass
class VillageJob:
    """Write one village site into ``output`` (a staging tree)."""

    ctx: TownshipContext
    bundle: VillageBundle
    info: dict[str, DocInfo]
    output: Path
    code_fp: str
    template_fps: dict[str, str]
    static: dict[str, bytes]
    prev_pages: dict[str, str] = field(default_factory=dict)
    include_drafts: bool = False
    offline_rosters: frozenset[str] = frozenset()
    #: disclosures ("finance:2026-10", "powers:list") that get a poster
    posters: frozenset[str] = frozenset()
    #: makes PDFs (a cunwu.write.posters.PosterMaker); None when posters are off
    poster_maker: object = None
    #: "kind:key" -> DocHistory, for the version pages
    histories: dict = field(default_factory=dict)
    # results
    pages: dict[str, str] = field(default_factory=dict)
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rendered: int = 0
    posters_rendered: int = 0
    changed: list[str] = field(default_factory=list)
    produced: set[str] = field(default_factory=set)

    def generate(self, generator, writer) -> None:
        site = VillageSite(
            self.ctx,
            self.bundle,
            self.info,
            include_drafts=self.include_drafts,
            offline_rosters=self.offline_rosters,
            histories=self.histories,
        )
        site_key = sha(data_key(site.site))
        poster_pages = []
        for out in site_outputs(site):
            if out.poster and out.doc in self.posters:
                poster_pages.append(out)
            if out.template is not None:
                key = sha(self.code_fp, self.template_fps[out.template], site_key, data_key(out.data))
            else:
                key = sha(out.body)
            self.pages[out.name] = key
            self.sources[out.name] = out.sources
            if self.prev_pages.get(out.name) == key and (self.output / out.name).is_file():
                writer.keep(out.name)
                continue
            if out.template is not None:
                body = (
                    generator.get_template(out.template).render(site=site.site, page=out.data).encode("utf-8")
                )
                self.rendered += 1
            else:
                body = out.body
            writer.write_bytes(out.name, body)
        for out in poster_pages:
            self.poster(generator, writer, site, site_key, out)
        for name, body in self.static.items():
            self.pages[name] = sha(body)
            writer.write_bytes(name, body)
        self.changed, self.produced = writer.changed, writer.produced

    def poster(self, generator, writer, site, site_key: str, out) -> None:
        """The notice-board PDF of one disclosure page, rendered only when its data changed."""
        maker = self.poster_maker
        name = out.name.rsplit("/", 1)[0] + "/poster.pdf" if "/" in out.name else "poster.pdf"
        template = out.poster
        key = maker.key(self.code_fp, self.template_fps[template], site_key, out.data)
        self.pages[name] = key
        self.sources[name] = out.sources
        if self.prev_pages.get(name) == key and (self.output / name).is_file():
            writer.keep(name)
            return
        pdf, rendered = maker.get(
            key,
            lambda extras: generator.get_template(template).render(
                site=site.site, page=out.data, poster=extras
            ),
            site.site,
            out.data,
            out.template,
            (self.output / out.name).parent,
            out.sources,
        )
        self.posters_rendered += rendered
        writer.write_bytes(name, pdf)

    def run(self, theme: Path) -> VillageJob:
        run_pelican(theme, self.ctx.root / "villages" / self.bundle.id, self.output, self)
        return self


@dataclass
class TownshipJob:
    """The township root: index of villages, township pages (Pelican reads content/)."""

    page: dict
    static: dict[str, bytes]
    extra_files: dict[str, bytes]
    written: list[str] = field(default_factory=list)
    produced: set[str] = field(default_factory=set)

    def generate(self, generator, writer) -> None:
        html = generator.get_template("township").render(page=self.page).encode("utf-8")
        writer.write_bytes("index.html", html)
        for name, body in {**self.static, **self.extra_files}.items():
            writer.write_bytes(name, body)
        self.written, self.produced = writer.changed, writer.produced
