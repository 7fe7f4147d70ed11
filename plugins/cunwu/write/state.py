"""Build state shared by the phases of a build and its worker processes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..problems import Problem
from ..sources import SourceFile
from ..validate.project import TownshipContext

RECORD_VERSION = 1


@dataclass
class Record:
    """What the last build knew about one village (small: read on every build)."""

    vfp: str  # validation fingerprint: township + village sources + code
    problems: list[Problem]
    count: int  # files checked
    summary: dict  # name, code, latest, approvals: for the township index
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
    summary: dict | None = None
    rfp: str = ""
    tree_ino: int = 0
    pages: dict[str, str] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    sources: dict[str, tuple] = field(default_factory=dict)
    rendered: int = 0
    posters_rendered: int = 0
    leaks: list[Problem] = field(default_factory=list)
    built: bool = False
    unchanged: bool = False  # the cache record still says exactly this

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


@dataclass
class State:
    """Read-only build state shared with worker processes (inherited by fork)."""

    root: Path
    out: Path
    ctx: TownshipContext
    theme: Path
    template_fps: dict[str, str]
    static: dict[str, bytes]
    code_fp: str
    render_salt: str
    drafts: bool
    history: object = None  # cunwu.history.git.History, shared with workers
    as_of: dt.date | None = None
    poster_maker: object = None  # write.posters.PosterMaker when posters are on

    @property
    def site(self) -> Path:
        return self.out / "site"

    @property
    def staging(self) -> Path:
        return self.out / ".staging"

    @property
    def cache(self) -> Path:
        return self.out / ".cache"
