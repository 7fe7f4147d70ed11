"""The theme: where its templates are, and the Jinja environment they render in."""

from __future__ import annotations

import sysconfig
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, Template

import cunwu

from ..errors import UsageError
from .markdown import clean_html

#: every value from the sources is escaped unless a template says |safe
JINJA_OPTIONS: dict[str, Any] = {
    "autoescape": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
}
JINJA_FILTERS = {"cunwu_clean": clean_html}


class DictFirstEnvironment(Environment):
    """Jinja, reading a plain dict's items before its attributes.

    Page data are plain dicts, read in templates as ``row.amount``. Jinja
    tries the attribute first, so every such read raised and caught an
    AttributeError before it found the item: a sixth of the time spent
    rendering a long roster. For a dict, the item now comes first."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if obj.__class__ is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return Environment.getattr(self, obj, attribute)


def dict_first(env: Environment, options: dict[str, Any]) -> DictFirstEnvironment:
    """A :class:`DictFirstEnvironment` like ``env``: its loader, filters,
    globals, tests, policies and extensions (those a Pelican plugin added
    too), built with ``options``."""
    new = DictFirstEnvironment(loader=env.loader, **options)
    new.filters.update(env.filters)
    new.globals.update(env.globals)
    new.tests.update(env.tests)
    new.policies.update(env.policies)
    for ext in env.extensions.values():
        if type(ext) not in {type(e) for e in new.extensions.values()}:
            new.add_extension(type(ext))
    return new


def default_theme() -> Path:
    """The theme that comes with this cunwu: the checkout's, or for an
    installed cunwu (pip install) the copy installed under <prefix>/share/cunwu/."""
    checkout = Path(cunwu.__file__).resolve().parents[2] / "themes" / "cunwu"
    if (checkout / "templates").is_dir():
        return checkout
    return Path(sysconfig.get_path("data")) / "share" / "cunwu" / "themes" / "cunwu"


def find_theme(root: Path) -> Path:
    """The project's own ``themes/cunwu``, else the theme of this cunwu checkout."""
    for theme in (root / "themes" / "cunwu", default_theme()):
        if (theme / "templates").is_dir():
            return theme
    raise UsageError(f"找不到网站主题：{root / 'themes' / 'cunwu'}/templates 不存在")


def theme_env(theme: Path | list[Path]) -> Environment:
    """The theme's templates outside a Pelican run, with the options Pelican runs
    use: ``theme`` is a theme folder, or a search path of template folders."""
    dirs = [str(d) for d in theme] if isinstance(theme, list) else [str(theme / "templates")]
    env = DictFirstEnvironment(loader=FileSystemLoader(dirs), **JINJA_OPTIONS)
    env.filters.update(JINJA_FILTERS)
    return env


class Templates:
    """Templates by name without ``.html``, as a Pelican generator hands them out."""

    def __init__(self, env: Environment):
        self.env = env

    def get_template(self, name: str) -> Template:
        return self.env.get_template(name + ".html")
