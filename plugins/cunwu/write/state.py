"""Build state shared by the steps of a build and its worker processes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..history.git import History
from ..history.manifest import Published
from ..problems import Problem
from ..render.posters import DocMeta
from ..sources import SourceFile
from ..validate.project import TownshipContext

RECORD_VERSION = 4


@dataclass
class HeldBack:
    """Why a village was not updated by this build, and what its site shows
    instead (see :mod:`cunwu.write.holdback`). Nothing here quotes the files:
    the township index shows it to everyone."""

    #: the cause, in Chinese, without any value from the files ("3 个文件有错误")
    reason: str
    #: how many of the village's files have errors (0 when held for its output)
    files: int = 0
    #: the date (YYYY-MM-DD) of the version the site keeps; "" when none
    kept: str = ""
    #: the commit that version was built from ("" when the site kept its
    #: files as they were, for lack of git history)
    commit: str = ""
    #: False when the village has no site at all (no version ever passed)
    published: bool = True

    @property
    def text(self) -> str:
        """One short Chinese sentence for the township index and the build log."""
        if not self.published:
            return f"{self.reason}，本村还没有通过检查的版本，暂不发布"
        if self.kept:
            return f"{self.reason}，本村网站保持 {self.kept} 的版本"
        return f"{self.reason}，本村网站保持上次发布的样子"


@dataclass
class VillageSummary:
    """What the township root and the next build need to know of a village,
    without loading it (kept in the build cache)."""

    id: str
    name: str
    base_url: str
    code: str
    code_line: int
    cadence: str
    latest: str  # the newest approved finance period, as a label
    approvals: dict  # for timeliness (render.timeliness.approvals)
    docs: list[DocMeta]  # what poster eligibility needs of each disclosure
    stamps: dict[str, str]  # "kind:key" -> current stamp
    #: every published version of the village's own documents: [doc, stamp, date]
    versions: list[list[str]]
    #: set when this build held the village back: the site shows an earlier
    #: version (or nothing), and the township index says why
    held: HeldBack | None = None
    #: what completeness needs of the village (render.completeness.village_facts)
    facts: dict = field(default_factory=dict)
    #: what the villagers' monthly digests need of the village (render.digest.month_facts)
    months: dict = field(default_factory=dict)

    def key_json(self) -> str:
        """The summary as sorted JSON, for the render fingerprint and the township
        key: the same text as ``json.dumps(self.as_dict(), sort_keys=True,
        ensure_ascii=False)``, made by the C encoder (it walks the facts of every
        village on every build)."""
        return json.dumps(self, default=_fields, sort_keys=True, ensure_ascii=False)

    def key(self) -> str:
        """A hash of the whole summary (``key_json``), for the render fingerprint
        and the township key. A summary is some 30 KB of JSON (a year of
        disclosures, the completeness and digest facts), so the hash is kept on
        the summary, and with it in the build record: a village that did not
        change is not serialised again. A held-back village's summary (``held``
        is set after it is made) is hashed afresh each time."""
        cached = self.__dict__.get("_key")
        if cached is not None and self.held is None:
            return str(cached)
        key = hashlib.sha256(self.key_json().encode("utf-8")).hexdigest()
        if self.held is None:
            self.__dict__["_key"] = key
        return key

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain data (what ``dataclasses.asdict`` gives, without
        its deep copy of every leaf: this runs for every village on every build)."""
        out: dict[str, Any] = _plain(self)
        return out


def _fields(o: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return {f.name: getattr(o, f.name) for f in dataclasses.fields(o)}
    raise TypeError(f"not JSON: {type(o).__name__}")


def _plain(o: Any) -> Any:
    if isinstance(o, str):
        return o
    if isinstance(o, list):
        return [_plain(v) for v in o]
    if isinstance(o, tuple):
        return tuple(_plain(v) for v in o)
    if isinstance(o, dict):
        return {k: _plain(v) for k, v in o.items()}
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return {f.name: _plain(getattr(o, f.name)) for f in dataclasses.fields(o)}
    return o


@dataclass
class Record:
    """What the last build knew about one village (small: read on every build)."""

    vfp: str  # validation fingerprint: township + village sources + code
    problems: list[Problem]
    count: int  # files checked
    summary: VillageSummary | None
    rfp: str = ""  # render fingerprint of the tree at ``tree_ino``
    tree_ino: int = 0  # inode of the live village tree this record describes
    pages: dict[str, str] = field(default_factory=dict)  # output -> key
    version: int = RECORD_VERSION


@dataclass
class Task:
    vid: str
    files: list[SourceFile]
    vfp: str
    record: Record | None


@dataclass
class TaskResult:
    vid: str
    problems: list[Problem]
    count: int
    vfp: str
    summary: VillageSummary | None = None
    rfp: str = ""
    tree_ino: int = 0
    pages: dict[str, str] = field(default_factory=dict)
    #: files whose bytes changed, relative to the village folder
    changed: list[str] = field(default_factory=list)
    sources: dict[str, tuple] = field(default_factory=dict)
    rendered: int = 0
    posters_rendered: int = 0
    leaks: list[Problem] = field(default_factory=list)
    built: bool = False
    unchanged: bool = False  # the cache record still says exactly this
    #: the village's name when its village.yaml read but other files have errors
    name: str = ""

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def record(self) -> Record:
        return Record(self.vfp, self.problems, self.count, self.summary, self.rfp, self.tree_ino, self.pages)


@dataclass
class State:
    """Read-only build state shared with worker processes (inherited by fork)."""

    root: Path
    out: Path
    ctx: TownshipContext
    theme: Path
    #: the Pelican settings every run of this build starts from; None until a
    #: run needs them (see :meth:`pelican_base`)
    pelican: dict[str, Any] | None
    template_fps: dict[str, str]
    static: dict[str, bytes]
    code_fp: str
    render_salt: str
    drafts: bool
    history: History | None = None
    as_of: dt.date | None = None
    poster_maker: Any = None  # write.posters.PosterMaker when posters are on
    #: the stamps recorded as published so far (versions.json, --manifest)
    published: Published = field(default_factory=dict)
    pictures: Any = None  # write.pictures.Pictures: the web copies of pictures

    def pelican_base(self) -> dict[str, Any]:
        """The Pelican settings, read on first use (a worker process reads its own)."""
        if self.pelican is None:
            from .pelicanconf import pelican_settings

            # compiled templates, one folder per render salt (code, templates,
            # pelicanconf.py): an older folder is never read again
            jinja = self.cache / "jinja"
            if jinja.is_dir():
                for old in jinja.iterdir():
                    if old.name != self.render_salt[:16]:
                        shutil.rmtree(old, ignore_errors=True)
            self.pelican = pelican_settings(self.root, self.theme, jinja / self.render_salt[:16])
        return self.pelican

    @property
    def site(self) -> Path:
        return self.out / "site"

    @property
    def staging(self) -> Path:
        return self.out / ".staging"

    @property
    def cache(self) -> Path:
        return self.out / ".cache"
