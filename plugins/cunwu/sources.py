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
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import ProjectNotFound
from .kinds import CONFIG_NAME, KINDS

#: the folder of a village's receipt scans and photos
ATTACHMENTS = "attachments"

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
        if parts[2] == ATTACHMENTS:
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


# ---------------------------------------------------------------- near misses

#: another spelling of a suffix the registry uses (editors and Windows write these)
_SAME_SUFFIX = {".yaml": (".yml",), ".md": (".markdown",)}


@dataclass(frozen=True)
class Misnamed:
    """A file cunwu does not read whose name is a slip for a place it reads."""

    rel: str
    #: the path the file should have
    suggested: str
    #: what is wrong, in Chinese, each part naming the fix
    reasons: tuple[str, ...]


def _fold(folder: str) -> str:
    """A folder name as a slip may spell it: case, blanks and a plural away
    (Finance, finances, subsidy and Subsidies all fold to their registry name's fold)."""
    f = folder.strip().casefold()
    if f.endswith("ies"):
        return f[:-3] + "y"
    return f[:-1] if f.endswith("s") else f


def _fix_name(name: str, suffix: str) -> str | None:
    """``name`` with the registry's ``suffix`` where it has a slip of it: the
    case (``.YAML``), another spelling (``.yml``), a ``.txt`` that Notepad
    added (``.yaml.txt``), blanks around the name. None if ``name`` does not
    end in a form of ``suffix``."""
    spellings = "|".join(re.escape(x) for x in (suffix, *_SAME_SUFFIX.get(suffix, ())))
    m = re.fullmatch(rf"(?P<stem>.+?)\s*(?:{spellings})(?:\.txt)?", name.strip(), re.IGNORECASE)
    if m is None or not m.group("stem").strip():
        return None
    return m.group("stem").strip() + suffix


def misnamed(rel: str) -> Misnamed | None:
    """The place a file of unknown kind was meant for, when its path is a
    near miss of one the registry (:mod:`cunwu.kinds`) declares, or of the
    attachments folder: a folder in another case or number (``Finance/``,
    ``subsidy/``), a suffix slip (``2026-10.yml``, ``.YAML``,
    ``2026-10.yaml.txt``), a file put in a sub-folder (``finance/2026/``).
    None for a file that is not such a slip (or that cunwu reads)."""
    sf = classify(rel)
    if sf.kind != "unknown":
        return None
    parts = rel.split("/")
    if parts[0] == "villages" and len(parts) >= 3:
        head, rest, scope = parts[:2], parts[2:], "village"
    elif parts[0] == "powers" and len(parts) >= 2:
        head, rest, scope = [], parts, "township"
    else:
        return None
    name = rest[-1]
    folder = rest[0] if len(rest) > 1 else ""
    reasons: list[str] = []
    if len(rest) > 1 and _fold(folder) == _fold(ATTACHMENTS) and folder != ATTACHMENTS:
        fixed = "/".join([*head, ATTACHMENTS, *rest[1:]])
        return Misnamed(rel, fixed, (f"附件文件夹应为 {ATTACHMENTS}/（不是 {folder}/）",))
    for k in KINDS.values():
        if k.scope not in (scope, "both") or _fold(folder) != _fold(k.folder):
            continue
        if scope == "township" and k.folder != parts[0]:
            continue  # the township's own folders are found by their exact name only
        fixed_name = _fix_name(name, k.suffix)
        if fixed_name is None:
            continue
        if k.exact:
            if fixed_name.casefold() != k.exact.casefold():
                continue
            fixed_name = k.exact
        elif any(x.exact and x.exact == fixed_name for x in KINDS.values() if x.folder == k.folder):
            continue  # catalog.yaml: found as its own kind
        reasons = []
        if folder != k.folder:
            reasons.append(f"文件夹应为 {k.folder}/（不是 {folder}/）")
        if len(rest) > 2:
            reasons.append(f"文件应直接放在 {k.folder}/ 中，不能放在子文件夹 {'/'.join(rest[1:-1])}/ 里")
        if fixed_name != name:
            if (
                name.strip() != name
                or fixed_name[: -len(k.suffix)] != name[: len(fixed_name) - len(k.suffix)]
            ):
                reasons.append(f"文件名应为 {fixed_name}（不是 “{name}”）")
            else:
                reasons.append(f"扩展名应为 {k.suffix}（不是 {name[len(fixed_name) - len(k.suffix) :]}）")
        fixed = "/".join([*head, *([k.folder] if k.folder else []), fixed_name])
        if fixed != rel and classify(fixed).kind == k.name:
            return Misnamed(rel, fixed, tuple(reasons))
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
