"""The one walk over a project, shared by ``validate``, ``build`` and ``print``.

:func:`open_project` finds the project, lists and classifies every source
file once, reads the git history once, and checks the township's own files;
each command then checks (and renders) the villages from the same
:class:`OpenProject`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..history.git import History, read_history
from ..history.manifest import Published
from ..problems import Report, problem
from ..sources import SourceFile, discover, find_root
from ..validate.project import TownshipContext
from ..validate.township import load_township


@dataclass
class OpenProject:
    """A project walked once: its files by village, its history, its township."""

    root: Path
    files: list[SourceFile]
    report: Report
    history: History | None
    ctx: TownshipContext
    by_village: dict[str, list[SourceFile]] = field(default_factory=dict)

    @property
    def township_files(self) -> list[SourceFile]:
        return [f for f in self.files if f.village is None]

    def close(self) -> None:
        if self.history is not None:
            self.history.close()


def open_history(root: Path, report: Report, require: bool = False, cache: Path | None = None) -> History:
    """Read git history once; say what cannot be shown when there is none.
    ``cache``: where a build keeps the parsed log between runs."""
    history = read_history(root, cache=cache)
    if not history.available or history.shallow:
        reason = history.reason or ("浅克隆，历史不完整" if history.shallow else "")
        report.add(
            problem(
                "cunwu.yaml",
                0,
                "history-unavailable",
                f"无法检查修改历史：{reason}。已公开内容是否被悄悄修改、旧版本页面都无法检查和生成。",
                severity="error" if require else "warning",
            )
        )
    return history


def open_project(
    path: Path | str = ".",
    *,
    history: bool = True,
    require_history: bool = False,
    history_cache: Path | None = None,
    report: Report | None = None,
    published: Published | None = None,
) -> OpenProject:
    """Walk the project containing ``path`` once and check its township files.

    With ``history`` (the default) git history is read once: every approved
    disclosure is then checked for silent edits, and pages show versions.
    ``published``: the record of published stamps, when a build has one."""
    root = find_root(Path(path))
    files = discover(root)
    report = report if report is not None else Report()
    hist = open_history(root, report, require_history, history_cache) if history else None
    ctx = load_township(root, files, report, hist, published)
    by_village: dict[str, list[SourceFile]] = {}
    for sf in files:
        if sf.village:
            by_village.setdefault(sf.village, []).append(sf)
    return OpenProject(root, files, report, hist, ctx, by_village)
