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
from pathlib import Path
from typing import Any

import blinker
from pelican import Pelican
from pelican.log import console
from pelican.plugins import signals
from pelican.settings import read_settings

from ..render.theme import JINJA_FILTERS, JINJA_OPTIONS
from . import pelican_plugin
from .pelicanconf import PELICANCONF
from .villagerun import VillageRun

# Pelican prints a summary line per run and logs through rich; a county build
# runs hundreds of times, so keep Pelican quiet and report progress ourselves.
console.quiet = True
logging.getLogger("pelican").setLevel(logging.WARNING)

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


def run_village(village: VillageRun, base: dict[str, Any]) -> VillageRun:
    """Run Pelican over one village's folder into its staging tree."""
    run_pelican(
        base,
        village.root / "villages" / village.site.b.id,
        village.output,
        PAGE_PATHS=[],
        SITEURL=village.site.base.rstrip("/"),
        RELATIVE_URLS=False,
        SITENAME=f"{village.site.v.name}村务公开",
        CUNWU_VILLAGE=village,
        CUNWU_RUN=village,
    )
    return village
