"""The Pelican generators of a village site, one per disclosure kind and one per
family of extra outputs.

Pelican runs every generator's ``generate_context`` (each builds its content
objects and adds them to the shared context), then every ``generate_output``
(each writes through the run's writer). Generators of the disclosure kinds
come from the registry (:mod:`cunwu.kinds`): :func:`kind_generators` makes one
class per kind with pages, and each reads the kind's files through the
``cunwu`` reader. The extra outputs (the village's own pages, versions,
open data and feed, attachments, posters) are generators too, added through
Pelican's ``get_generators`` signal by :mod:`cunwu.write.pelican_plugin`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from pelican.generators import Generator

from ..kinds import page_kinds
from ..render import feed, opendata, shortlinks
from ..render.common import Output
from ..render.pages import versions, village
from ..render.theme import dict_first
from ..render.urls import robots_txt, unsearchable_paths
from .contents import CunwuPage, page_of
from .readers import FORMAT

if TYPE_CHECKING:
    from .villagerun import VillageRun
    from .writer import CunwuWriter

#: the context key under which every page of the run is listed, in order
PAGES = "cunwu_pages"


class VillageGenerator(Generator):
    """Base of a village run's generators: pages become content objects,
    ready bytes are written as they are."""

    env: Environment

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # the environment Pelican made (and plugins adjusted), reading dicts
        # first: page rows are dicts (see render/theme.py)
        self.env = dict_first(self.env, self.settings["JINJA_ENVIRONMENT"])
        self.run: VillageRun = self.settings["CUNWU_VILLAGE"]
        self.pages: list[CunwuPage] = []
        self.files: list[Output] = []

    def add(self, out: Output) -> None:
        if out.template is None:
            self.files.append(out)
            return
        self.add_page(page_of(out, self.settings, self.context))

    def add_page(self, page: CunwuPage) -> None:
        self.pages.append(page)
        self.context.setdefault(PAGES, []).append(page)

    def generate_context(self) -> None:
        for out in self.outputs():
            self.add(out)

    def outputs(self) -> Any:
        return iter(())

    def generate_output(self, writer: CunwuWriter) -> None:
        for page in self.pages:
            self.run.write_page(self, writer, page)
        for out in self.files:
            self.run.write_file(writer, out)


class DisclosureGenerator(VillageGenerator):
    """The pages of one disclosure kind: its section index, and a page per
    document read from its file through the ``cunwu`` reader."""

    kind = ""

    def generate_context(self) -> None:
        pages = self.run.site.kinds[self.kind]
        self.add(pages.section())
        listed = []
        for doc in pages.online():
            page = self.readers.read_file(
                base_path=str(self.run.root),
                path=doc.rel,
                content_class=CunwuPage,
                fmt=FORMAT,
                context=self.context,
            )
            self.add_page(page)
            listed.append(page)
            for out in pages.redirects(doc):
                self.add(out)
        # the kind's pages by segment, for templates and plugins: context["finance"] ...
        self.context[pages.spec.segment] = listed


def kind_generators() -> list[type[DisclosureGenerator]]:
    """One generator class per disclosure kind with pages, in registry order."""
    return [
        type(f"{k.name.title()}Generator", (DisclosureGenerator,), {"kind": k.name, "__doc__": f"{k.title}"})
        for k in page_kinds()
    ]


class HomeGenerator(VillageGenerator):
    """The village's home page and its archive by month."""

    def outputs(self) -> Any:
        yield from village.home(self.run.site)
        yield from village.archive(self.run.site)


class VersionsGenerator(VillageGenerator):
    """Every published version at its own URL, its changes, and redirects from former URLs."""

    def outputs(self) -> Any:
        yield from versions.version_pages(self.run.site)
        yield from versions.renamed_pages(self.run.site)
        yield from shortlinks.shortlink_pages(self.run.site)


class OpenDataGenerator(VillageGenerator):
    """data.json and data.csv of every disclosure, the data package and the Atom feed."""

    def outputs(self) -> Any:
        yield from opendata.outputs(self.run.site)
        yield feed.feed(self.run.site)


class FilesGenerator(VillageGenerator):
    """The theme's static files, robots.txt and the attachments the pages show
    (pictures at the size a phone shows them, see :mod:`cunwu.write.pictures`)."""

    def outputs(self) -> Any:
        site = self.run.site
        pictures = self.run.pictures
        # effective where the village is hosted on its own (village.yaml: base_url)
        yield Output("robots.txt", body=robots_txt(unsearchable_paths(site.base)))
        for rel in sorted(site.published_files):
            data = (site.ctx.root / "villages" / site.b.id / rel).read_bytes()
            yield Output(
                rel,
                body=pictures.web(rel, data) if pictures is not None else data,
                sources=(f"villages/{site.b.id}/{rel}",),
            )
        for name, body in self.run.static.items():
            yield Output(name, body=body)


class PosterGenerator(VillageGenerator):
    """The notice-board PDF of every page that gets one (see ``VillageRun.posters``)."""

    def generate_output(self, writer: CunwuWriter) -> None:
        for page in self.context.get(PAGES, []):
            out = page.cunwu_output
            if out.poster and out.doc in self.run.posters:
                self.run.write_poster(self, writer, out)


def village_generators() -> list[type[VillageGenerator]]:
    """Every generator of a village run, in the order they write."""
    return [
        *kind_generators(),
        HomeGenerator,
        VersionsGenerator,
        OpenDataGenerator,
        FilesGenerator,
        PosterGenerator,
    ]


class TownshipGenerator(Generator):
    """The township's index page, stylesheet, versions.json and robots.txt
    (Pelican's own generator reads the township's ``content/*.md``)."""

    def generate_context(self) -> None:
        pass

    def generate_output(self, writer: Any) -> None:
        run = self.settings["CUNWU_TOWNSHIP"]  # a cunwu.write.township.TownshipRun
        page = page_of(Output("index.html", "township", run.page), self.settings, self.context)
        writer.write_file("index.html", self.get_template("township"), self.context, page=page)
        for name, body in run.files.items():
            writer.write_bytes(name, body)
