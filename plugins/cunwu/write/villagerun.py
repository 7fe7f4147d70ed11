"""One village's Pelican run: what its generators read and what it made.

:class:`VillageRun` is handed to the run in the settings (``CUNWU_VILLAGE``)
by :func:`cunwu.write.run.run_village`; the generators
(:mod:`cunwu.write.generators`) call back into it to write each page, file and
poster, and it keeps the keys that let the next build skip what did not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..load.document import Doc
from ..render.common import Output, data_key
from ..render.site import VillageSite
from .fingerprint import sha
from .posters import make_poster, poster_name


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
