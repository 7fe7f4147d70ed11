"""Where a township's Pelican settings live, and what a build needs of them
before any Pelican run: where the templates are.

Importing Pelican costs a sixth of a second (docutils comes with it), and a
build in which nothing changed runs Pelican not at all: so without a
``pelicanconf.py`` the template search path is known without Pelican, and
the settings themselves (:func:`pelican_settings`, which imports Pelican) are read
only when a run needs them (:meth:`cunwu.write.state.State.pelican_base`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache, FileSystemBytecodeCache

from ..render.theme import JINJA_FILTERS, JINJA_OPTIONS

#: the name of a township's Pelican settings file, at the root of its repository
PELICANCONF = "pelicanconf.py"


def template_search(root: Path, theme: Path) -> list[Path]:
    """Where a run finds its templates, first match wins: the township's
    overrides (``THEME_TEMPLATES_OVERRIDES``), then the theme."""
    if not (root / PELICANCONF).is_file():
        return [theme / "templates"]
    return template_dirs(pelican_settings(root, theme))


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


def pelican_settings(root: Path, theme: Path, bytecode_dir: Path | None = None) -> dict[str, Any]:
    """The settings every run of one build starts from: the township's
    ``pelicanconf.py`` if it has one, under cunwu's fixed settings.

    Compiled templates are kept for the life of the process, and with
    ``bytecode_dir`` also on disk for the next build (compiling the theme is a
    fifth of rebuilding one village); the folder must be one per code,
    templates and Jinja settings, which the build's render salt names."""
    conf = root / PELICANCONF
    # the fixed settings go in first too, so that Pelican's own checks of them
    # (timezone, feeds) pass quietly
    from pelican.settings import read_settings

    from . import pelican_plugin

    cache: BytecodeCache = pelican_plugin.BYTECODE_CACHE
    if bytecode_dir is not None:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
        cache = FileSystemBytecodeCache(str(bytecode_dir))
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
        "JINJA_ENVIRONMENT": {**JINJA_OPTIONS, "bytecode_cache": cache},
        "JINJA_FILTERS": {**(own.get("JINJA_FILTERS") or {}), **JINJA_FILTERS},
    }
    return settings


def template_dirs(settings: dict[str, Any]) -> list[Path]:
    """Where a run finds its templates, first match wins: the township's overrides, then the theme."""
    return [Path(p) for p in settings["THEME_TEMPLATES_OVERRIDES"]] + [Path(settings["THEME"]) / "templates"]
