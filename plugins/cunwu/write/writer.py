"""The writer of cunwu's Pelican runs: incremental, never in place, bytes kept.

Pelican asks the writer of a run through its ``get_writer`` signal. Ours is
Pelican's writer with three differences:

* a file whose bytes did not change is left alone (same inode and mtime, so
  rsync and object-storage sync move nothing), and a changed one is written
  aside and renamed over, never in place;
* it keeps the bytes of every file it changed, so the privacy scan reads
  exactly what was written, not the disk again;
* :meth:`keep` records a page whose data did not change, which is not
  rendered again but still announced to plugins (``content_written``), so a
  sitemap plugin lists every page of an incremental build.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pelican.plugins import signals
from pelican.utils import get_relative_path, path_to_url
from pelican.writers import Writer

from .fsutil import write_if_changed


class CunwuWriter(Writer):
    """Pelican's writer, made incremental and safe for staging trees."""

    def __init__(self, output_path: str, settings: dict | None = None):
        super().__init__(output_path, settings=settings)
        run = (settings or {}).get("CUNWU_RUN")
        if run is not None:
            run.writer = self  # the run reads what was written when Pelican is done
        #: relative path -> the bytes written, for every file whose bytes changed
        self.changed: dict[str, bytes] = {}
        #: every file this run produced (changed or kept)
        self.produced: set[str] = set()
        #: (size, mtime_ns) of each changed file as written, to tell a plugin's later write
        self.stats: dict[str, tuple[int, int]] = {}

    def write_bytes(self, name: str, data: bytes) -> bool:
        name = name.lstrip("/")
        self.produced.add(name)
        path = Path(self.output_path) / name
        if write_if_changed(path, data, staging=True):
            self.changed[name] = data
            st = path.stat()
            self.stats[name] = (st.st_size, st.st_mtime_ns)
            return True
        return False

    def keep(self, name: str, context: dict | None = None) -> None:
        """A file already up to date in the staging tree; with ``context`` (a
        page's template context), plugins are told it was written."""
        name = name.lstrip("/")
        self.produced.add(name)
        if context is not None:
            signals.content_written.send(os.path.join(self.output_path, name), context=context)

    def write_file(
        self,
        name: str,
        template: Any,
        context: dict,
        relative_urls: bool = False,
        paginated: Any = None,
        template_name: str | None = None,
        override_output: bool = False,
        url: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Pelican's entry point: render ``template`` and write it (for our
        generators and Pelican's own, such as the township's pages)."""
        if not name:
            return
        localcontext = context.copy()
        localcontext["localsiteurl"] = localcontext.get("localsiteurl", None)
        localcontext["output_file"] = name
        if relative_urls:
            localcontext["SITEURL"] = path_to_url(get_relative_path(name))
        localcontext.update(kwargs)
        html = template.render(localcontext)
        self.write_bytes(name, html.encode("utf-8"))
        signals.content_written.send(os.path.join(self.output_path, name), context=localcontext)
