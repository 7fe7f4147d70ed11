"""Sources stage: find the project and classify every file in it.

The layout is the contract with cadres (see docs/format.md)::

    cunwu.yaml                                  township settings
    powers/catalog.yaml                         power-list groups + negative list
    powers/<item-id>.yaml                       township-wide power items
    content/*.md                                township pages (Pelican)
    villages/<id>/village.yaml                  the village
    villages/<id>/powers/<item-id>.yaml         add or override a power item
    villages/<id>/finance/YYYY-MM.yaml          finance statement (or YYYY-Qn)
    villages/<id>/subsidies/YYYY-MM-<prog>.yaml subsidy roster
    villages/<id>/notices/<name>.md             notice
    villages/<id>/attachments/...               receipt scans, photos
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import ProjectNotFound
from .kinds import CONFIG_NAME, KINDS

#: file suffixes whose text is scanned for personal numbers
TEXT_SUFFIXES = {".yaml", ".yml", ".md", ".markdown", ".txt", ".csv", ".json", ".html", ".htm", ".svg"}


@dataclass(frozen=True)
class SourceFile:
    """One file of the project. ``rel`` uses forward slashes, relative to the root."""

    rel: str
    kind: str  # config|catalog|power|village|finance|subsidy|notice|attachment|page|unknown
    village: str | None = None

    def path(self, root: Path) -> Path:
        return root / self.rel


def find_root(start: Path) -> Path:
    """The folder holding cunwu.yaml: ``start`` itself or its nearest parent."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ProjectNotFound(f"在 {start} 及其上级目录中找不到 {CONFIG_NAME}；请在仓库根目录运行，或指定路径。")


def classify(rel: str) -> SourceFile:
    """The kind of the file at ``rel`` (see :mod:`cunwu.kinds`), or one of the
    file roles that have no model: attachment, page, asset, unknown."""
    parts = rel.split("/")
    name = parts[-1]
    if rel == CONFIG_NAME:
        return SourceFile(rel, "config")
    if parts[0] == "content":
        return SourceFile(rel, "page" if name.endswith(".md") else "asset")
    if parts[0] == "villages" and len(parts) >= 3:
        vid = parts[1]
        if len(parts) == 3:
            return SourceFile(rel, _kind_in("", name, "village") or "unknown", vid)
        if parts[2] == "attachments":
            return SourceFile(rel, "attachment", vid)
        if len(parts) == 4:
            return SourceFile(rel, _kind_in(parts[2], name, "village") or "unknown", vid)
        return SourceFile(rel, "unknown", vid)
    if len(parts) == 2:
        return SourceFile(rel, _kind_in(parts[0], name, "township") or "unknown")
    return SourceFile(rel, "unknown")


def _kind_in(folder: str, name: str, scope: str) -> str | None:
    """The kind of a file called ``name`` in ``folder`` of a village or of the
    township: a file of fixed name first (powers/catalog.yaml), then by suffix."""
    fitting = [k for k in KINDS.values() if k.folder == folder and k.scope in (scope, "both")]
    for k in fitting:
        if k.exact and k.exact == name:
            return k.name
    for k in fitting:
        if not k.exact and name.endswith(k.suffix):
            return k.name
    return None


def _walk(root: Path, top: str):
    """Relative paths under ``top``, sorted, hidden files and backups skipped
    (plain strings and os.scandir: a county has tens of thousands of files)."""
    base = os.path.join(root, top)
    if not os.path.isdir(base):
        return
    stack = [(base, top)]
    while stack:
        folder, rel = stack.pop()
        with os.scandir(folder) as it:
            entries = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in it)
        subdirs = []
        for name, is_dir in entries:
            if name.startswith(".") or name.endswith("~"):
                continue
            if is_dir:
                subdirs.append((os.path.join(folder, name), f"{rel}/{name}"))
            else:
                yield f"{rel}/{name}"
        stack.extend(reversed(subdirs))


def discover(root: Path) -> list[SourceFile]:
    """Every source file, classified, in a stable order."""
    files = [classify(CONFIG_NAME)] if (root / CONFIG_NAME).is_file() else []
    for top in ("powers", "content", "villages"):
        files.extend(classify(rel) for rel in _walk(root, top))
    return files


def unsafe_reason(root: Path, sf: SourceFile) -> str | None:
    """Why reading ``sf`` would be unsafe, in Chinese, or None.

    A symbolic link may point anywhere on the machine that builds the site
    (``/etc/passwd``, another village, a home folder): only links that stay
    inside the file's own village folder, or for township files inside the
    project, are followed. Anything but a regular file (a FIFO, a device
    such as ``/dev/zero``, a folder behind a link) would block or never end."""
    path = os.path.join(root, sf.rel)
    try:
        st = os.lstat(path)
    except OSError:
        return None  # gone: reading it reports that
    if stat.S_ISLNK(st.st_mode):
        base = os.path.realpath(os.path.join(root, "villages", sf.village) if sf.village else root)
        target = os.path.realpath(path)
        if os.path.commonpath([base, target]) != base:
            where = f"村文件夹 villages/{sf.village}/ " if sf.village else "项目文件夹"
            top = os.path.realpath(root)
            shown = os.path.relpath(target, top) if os.path.commonpath([top, target]) == top else target
            return f"这是一个符号链接，指向{where}之外的 {shown}；不能发布别处的文件，请放入真实文件"
        try:
            st = os.stat(path)
        except OSError:
            return f"这是一个符号链接，指向的 {target} 不存在"
    if not stat.S_ISREG(st.st_mode):
        kind = "文件夹" if stat.S_ISDIR(st.st_mode) else "特殊文件（管道、设备等）"
        what = f"这个符号链接指向{kind}" if os.path.islink(path) else f"这是{kind}"
        return f"{what}，不是普通文件，cunwu 不会读取它"
    return None


def village_ids(files: list[SourceFile]) -> list[str]:
    return sorted({f.village for f in files if f.village})
