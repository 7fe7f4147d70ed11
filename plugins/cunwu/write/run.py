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

from .villagerun import VillageRun

# Pelican prints a summary line per run and logs through rich; a county build
# runs hundreds of times, so keep Pelican quiet and report progress ourselves.
console.quiet = True
logging.getLogger("pelican").setLevel(logging.WARNING)


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
