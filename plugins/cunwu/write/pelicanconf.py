"""Where a township's Pelican settings live, and what a build needs of them
before any Pelican run: where the templates are.

Importing Pelican costs a sixth of a second (docutils comes with it), and a
build in which nothing changed runs Pelican not at all: so without a
``pelicanconf.py`` the template search path is known without Pelican, and
the settings themselves (:func:`cunwu.write.run.pelican_settings`) are read
only when a run needs them (:meth:`cunwu.write.state.State.pelican_base`).
"""

from __future__ import annotations

from pathlib import Path

#: the name of a township's Pelican settings file, at the root of its repository
PELICANCONF = "pelicanconf.py"


def template_search(root: Path, theme: Path) -> list[Path]:
    """Where a run finds its templates, first match wins: the township's
    overrides (``THEME_TEMPLATES_OVERRIDES``), then the theme."""
    if not (root / PELICANCONF).is_file():
        return [theme / "templates"]
    from .run import pelican_settings, template_dirs

    return template_dirs(pelican_settings(root, theme))
