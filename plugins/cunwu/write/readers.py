"""A Pelican reader for cunwu's disclosures (YAML files and Markdown notices).

Pelican reads each source file through a reader registered for its format;
cunwu registers :class:`DisclosureReader` under the format ``cunwu`` (never
under a file extension, so Pelican's own readers still read a township's
``content/*.md``). The village's files were validated as a whole before the
run (a statement's opening balance is checked against the month before), so
the reader does not parse a file again: it looks the validated document up
by path and turns it into the page's content and metadata.
"""

from __future__ import annotations

import os
from typing import Any

from pelican.readers import BaseReader

from .contents import page_metadata

FORMAT = "cunwu"


class DisclosureReader(BaseReader):
    """Reads one disclosure file of a village into a page's content and metadata."""

    enabled = True
    #: no file extension: the format is asked for by name (see the module docstring)
    file_extensions: list[str] = []

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        run = self.settings["CUNWU_VILLAGE"]
        site = run.site
        rel = os.path.relpath(source_path, run.root).replace(os.sep, "/")
        doc = run.docs_by_path[rel]
        out = site.pages_of(doc).page(doc, doc.url_path + "index.html")
        metadata = page_metadata(out, doc.model.approved_on, doc.model.last_changed)
        return (out.data or {}).get("html", ""), metadata
