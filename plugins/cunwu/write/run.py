"""Pelican runs: one per village that changed, one for the township root.

Each run is a real Pelican run with cunwu's plugin (:mod:`cunwu.write.pelican_plugin`):
its reader reads the disclosures, its generators (one per disclosure kind,
and the extra outputs) make the pages as Pelican content objects, and its
writer writes them into a staging tree. A township configures Pelican the way
a Pelican user does, in ``pelicanconf.py`` at the root of its repository:
plugins (``PLUGINS``, ``PLUGIN_PATHS``) and their settings, a folder of
template overrides (``THEME_TEMPLATES_OVERRIDES``), Jinja filters and
globals. cunwu sets everything else (what to read, where to write, URLs),
so a setting cannot move a permanent URL or switch a safety off.

A page is rendered only when its key changed: the code, its template (with
everything it extends or includes) and the exact data it shows.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import blinker
from pelican import Pelican
from pelican.log import console
from pelican.plugins import signals
from pelican.settings import read_settings

from ..load.document import Doc
from ..render.common import Output, data_key
from ..render.site import VillageSite
from ..render.theme import JINJA_FILTERS, JINJA_OPTIONS
from . import pelican_plugin
from .fingerprint import sha
from .posters import make_poster, poster_name

# Pelican prints a summary line per run and logs through rich; a county build
# runs hundreds of times, so keep Pelican quiet and report progress ourselves.
console.quiet = True
logging.getLogger("pelican").setLevel(logging.WARNING)

#: the name of a township's Pelican settings file, at the root of its repository
PELICANCONF = "pelicanconf.py"

#: what cunwu decides whatever the township's settings say
_FIXED: dict[str, Any] = {
    "ARTICLE_PATHS": [],
    "STATIC_PATHS": [],
    "THEME_STATIC_PATHS": [],
    "DIRECT_TEMPLATES": [],
    "PAGINATED_TEMPLATES": {},
    "TEMPLATE_PAGES": {},
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
    # Pelican's content cache keys reader output by file; cunwu's reader only
    # looks up what was validated, and pages are cached by their data instead
    "LOAD_CONTENT_CACHE": False,
    "CACHE_CONTENT": False,
    "DELETE_OUTPUT_DIRECTORY": False,
    "OUTPUT_SOURCES": False,
    "PAGE_URL": "{slug}/",
    "PAGE_SAVE_AS": "{slug}/index.html",
    # Pelican lowercases DEFAULT_LANG but not a page's `Lang: zh-CN`, and
    # would treat the page as a translation: save those the same way
    "PAGE_LANG_URL": "{slug}/",
    "PAGE_LANG_SAVE_AS": "{slug}/index.html",
    "TIMEZONE": "Asia/Shanghai",
    "DEFAULT_LANG": "zh-CN",
    # dates come from the disclosures, never from a file's mtime or name
    "DEFAULT_DATE": None,
    "FILENAME_METADATA": "",
    "SLUGIFY_SOURCE": "basename",
    "TYPOGRIFY": False,
}


def pelican_settings(root: Path, theme: Path) -> dict[str, Any]:
    """The settings every run of one build starts from: the township's
    ``pelicanconf.py`` if it has one, under cunwu's fixed settings."""
    conf = root / PELICANCONF
    # the fixed settings go in first too, so that Pelican's own checks of them
    # (timezone, feeds) pass quietly
    fixed = {**_FIXED, "SITEURL": "https://cunwu.invalid"}
    own = read_settings(str(conf) if conf.is_file() else None, override=dict(fixed))
    plugins = [pelican_plugin, *(p for p in own.get("PLUGINS") or [] if p is not pelican_plugin)]
    overrides = [
        str(p if Path(p).is_absolute() else root / p) for p in own.get("THEME_TEMPLATES_OVERRIDES") or []
    ]
    settings = {
        **own,
        **_FIXED,
        "THEME": str(theme),
        "THEME_TEMPLATES_OVERRIDES": overrides,
        "PLUGINS": plugins,
        "JINJA_ENVIRONMENT": {**JINJA_OPTIONS, "bytecode_cache": pelican_plugin.BYTECODE_CACHE},
        "JINJA_FILTERS": {**(own.get("JINJA_FILTERS") or {}), **JINJA_FILTERS},
    }
    return settings


def template_dirs(settings: dict[str, Any]) -> list[Path]:
    """Where a run finds its templates, first match wins: the township's overrides, then the theme."""
    return [Path(p) for p in settings["THEME_TEMPLATES_OVERRIDES"]] + [Path(settings["THEME"]) / "templates"]


def run_pelican(base: dict[str, Any], path: Path, output: Path, **extra: Any) -> None:
    """One Pelican run from ``base`` settings, reading ``path``, writing into ``output``."""
    settings = {**base, "PATH": str(path), "OUTPUT_PATH": str(output), **extra}
    with isolated_signals():
        Pelican(settings).run()


@contextmanager
def isolated_signals() -> Iterator[None]:
    """Pelican's signals are global to the process, and each run registers its
    plugins again: what a run connected is disconnected when it ends, so one
    run's plugins (another project's, in a test) never act in the next."""
    sigs = [v for v in vars(signals).values() if isinstance(v, blinker.Signal)]
    before = {id(sig): set(sig.receivers) for sig in sigs}
    try:
        yield
    finally:
        for sig in sigs:
            for key in set(sig.receivers) - before[id(sig)]:
                ref = sig.receivers[key]
                receiver = ref() if isinstance(ref, weakref.ref) else ref
                if receiver is not None:
                    sig.disconnect(receiver)
                else:
                    sig.receivers.pop(key, None)


@dataclass
class VillageRun:
    """Write one village site into ``output`` (a staging tree): what the
    generators read (``settings["CUNWU_VILLAGE"]``), and what the run made."""

    site: VillageSite
    root: Path
    output: Path
    code_fp: str
    template_fps: dict[str, str]
    static: dict[str, bytes]
    prev_pages: dict[str, str] = field(default_factory=dict)
    #: disclosures ("finance:2026-10", "powers:list") that get a poster
    posters: frozenset[str] = frozenset()
    #: makes PDFs (a cunwu.write.posters.PosterMaker); None when posters are off
    poster_maker: Any = None
    #: resizes pictures for the web (a cunwu.write.pictures.Pictures); None: as they are
    pictures: Any = None
    # results
    pages: dict[str, str] = field(default_factory=dict)
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rendered: int = 0
    posters_rendered: int = 0
    #: the run's writer (a cunwu.write.writer.CunwuWriter), once Pelican made it
    writer: Any = None

    def __post_init__(self) -> None:
        self.site_key = sha(data_key(self.site.site))
        #: the village's disclosures by source path, for the reader
        self.docs_by_path: dict[str, Doc] = {d.rel: d for d in self.site.online()}

    def run(self, base: dict[str, Any]) -> VillageRun:
        run_pelican(
            base,
            self.root / "villages" / self.site.b.id,
            self.output,
            PAGE_PATHS=[],
            SITEURL=self.site.base.rstrip("/"),
            RELATIVE_URLS=False,
            SITENAME=f"{self.site.v.name}村务公开",
            CUNWU_VILLAGE=self,
            CUNWU_RUN=self,
        )
        return self

    def _keep(self, name: str, key: str, sources: tuple[str, ...]) -> bool:
        self.pages[name] = key
        self.sources[name] = sources
        return self.prev_pages.get(name) == key and (self.output / name).is_file()

    def write_page(self, generator: Any, writer: Any, page: Any) -> None:
        """Render a page unless its key is the one the live file was made with."""
        out: Output = page.cunwu_output
        assert out.template is not None and out.data is not None
        key = sha(self.code_fp, self.template_fps[out.template], self.site_key, data_key(out.data))
        context = {**generator.context, "page": page, "site": self.site.site, "output_file": out.name}
        if self._keep(out.name, key, out.sources):
            writer.keep(out.name, context)
            return
        template = generator.get_template(out.template)
        writer.write_file(out.name, template, generator.context, page=page, site=self.site.site)
        self.rendered += 1

    def write_file(self, writer: Any, out: Output) -> None:
        assert out.body is not None
        self.pages[out.name] = sha(out.body)
        self.sources[out.name] = out.sources
        writer.write_bytes(out.name, out.body)

    def write_poster(self, generator: Any, writer: Any, out: Output) -> None:
        """The notice-board PDF of one disclosure page, rendered only when its data changed."""
        maker = self.poster_maker
        name = poster_name(out)
        # the page's folder in the sources: its pictures are the originals, which
        # the poster embeds as print copies (the site holds the web copies)
        base = (self.root / "villages" / self.site.b.id / out.name).parent
        key = maker.key(self.code_fp, self.template_fps[out.poster], self.site_key, out.data, base)
        if self._keep(name, key, out.sources):
            writer.keep(name)
            return
        pdf, rendered = make_poster(
            maker, generator, self.code_fp, self.template_fps, self.site.site, self.site_key, out, base
        )
        self.posters_rendered += rendered
        writer.write_bytes(name, pdf)

    @property
    def changed(self) -> dict[str, bytes]:
        """Files whose bytes changed, with those bytes (set once the run is over)."""
        return self.writer.changed if self.writer is not None else {}

    @property
    def produced(self) -> set[str]:
        return self.writer.produced if self.writer is not None else set()
