"""Personal numbers in spreadsheets: the privacy gates read their cells.

A sheet with full ID numbers must not be committed, nor published as an
attachment. ``cunwu validate`` (every spreadsheet in the repository that git
would commit), the pre-commit hook (every staged one) and the build's output
scan (every one the site publishes) call :func:`sheet_problems` or
:func:`sheet_findings`, which read every cell of every sheet (hidden ones
too), and then, as a safety net, the rest of the file: comments, headers
and footers, document properties and strings no cell uses.

A CSV is text: the text scanners read it, decoded as :func:`csv_text` says
(UTF-16 and GB18030 included), so its line numbers are its rows.
"""

from __future__ import annotations

import io
import os
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

from ..load.sheets.read import MAX_SOURCE_BYTES, ReadError, cell_ref, decode_csv, read_workbook
from ..privacy import FICTIONAL_FOLDER, FICTIONAL_PREFIX, Finding, fictional, redact, scan, scan_markup
from ..problems import Problem, problem

BINARY_SHEETS = {".xlsx", ".xlsm", ".xls", ".ods"}
SHEETS = BINARY_SHEETS | {".csv"}


def is_sheet(rel: str) -> bool:
    return PurePosixPath(rel).suffix.lower() in BINARY_SHEETS


def csv_text(raw: bytes) -> str:
    """A CSV's text in whatever encoding it is in (UTF-8 with replacement if none fits)."""
    try:
        return decode_csv(raw)[0]
    except ReadError:
        return raw.decode("utf-8", errors="replace")


def sheet_findings(raw: bytes, name: str, allowed=()) -> list[tuple[str, int, int, Finding]]:
    """(sheet, row, column, finding) of every personal number in a binary
    spreadsheet; row -1 for what is outside the cells. Raises ReadError."""
    from ..load.sheets.display import plain_text

    wb = read_workbook(raw, name)
    out = []
    seen: set[tuple[str, str]] = set()
    for sheet in wb.sheets:
        for r, row in enumerate(sheet.rows):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                texts = {plain_text(cell)}
                if cell.kind == "s":
                    texts.add(str(cell.value))
                for text in texts:
                    for f in scan(text, allowed):
                        out.append((sheet.name, r, c, f))
                        seen.add((f.kind, f.masked))
        for f in scan(sheet.name, allowed):
            out.append((sheet.name, -1, -1, f))
            seen.add((f.kind, f.masked))
    for f in _rest_of_file(raw, wb.format, allowed):
        if (f.kind, f.masked) not in seen:
            seen.add((f.kind, f.masked))
            out.append(("", -1, -1, f))
    # one finding per cell and number
    unique: dict[tuple[str, int, int, str, str], tuple[str, int, int, Finding]] = {}
    for s, r, c, f in out:
        unique.setdefault((s, r, c, f.kind, f.masked), (s, r, c, f))
    return list(unique.values())


def _rest_of_file(raw: bytes, fmt: str, allowed) -> list[Finding]:
    """Numbers anywhere in the file's text: XML parts of a zip, strings of a BIFF file."""
    found: list[Finding] = []
    if fmt in ("xlsx", "ods"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                for info in z.infolist():
                    if (
                        info.filename.lower().endswith((".xml", ".rels", ".vml"))
                        and info.file_size < 200 * 2**20
                    ):
                        found += scan_markup(z.read(info).decode("utf-8", errors="replace"), allowed)
        except (zipfile.BadZipFile, OSError, RuntimeError):
            pass
    elif fmt == "xls":
        found += scan(raw.decode("latin-1"), allowed)
        found += scan(raw.decode("utf-16-le", errors="replace"), allowed)
        found += scan(raw[1:].decode("utf-16-le", errors="replace"), allowed)
    return found


def sheet_problems(rel: str, raw: bytes, allowed=()) -> list[Problem]:
    """Problems for every personal number in a binary spreadsheet at ``rel``;
    a file that cannot be read (password, corrupt) cannot be shown to be free
    of them, and is an error too."""
    if len(raw) > MAX_SOURCE_BYTES:
        return [problem(rel, 0, "file-too-large", "表格文件超过 20 MB，无法检查其中有没有个人号码")]
    try:
        hits = sheet_findings(raw, rel, allowed)
    except ReadError as exc:
        return [
            problem(
                rel,
                0,
                "sheet-unreadable",
                f"{exc.message}。无法检查这个表格里有没有完整身份证号等个人号码，不能放进仓库或网站",
            )
        ]
    out = []
    for sheet, r, c, f in sorted(hits, key=lambda h: (h[0], h[1], h[2])):
        where = "" if r >= 0 else ("（在工作表名中）" if sheet else "（在批注、页眉页脚或文件属性中）")
        out.append(
            problem(
                rel,
                r + 1 if r >= 0 else 0,
                f.code,
                f"表格中发现疑似{f.label} {f.masked}{where}（此处只显示脱敏形式）。"
                "含完整号码的表格不能提交到仓库，也不能作为附件发布：请用 cunwu import 导入（当场脱敏），"
                "原表放在仓库之外",
                sheet=redact(sheet),
                cell=cell_ref(r, c) if r >= 0 and c >= 0 else "",
            )
        )
    return out


# ---------------------------------------------------------------- the rest of the repository

#: folders whose files ``cunwu validate`` reads anyway, and the build output
_COVERED = {"powers", "content", "villages", "build"}
_TEXT_KEYS = {".yaml", ".yml", ".md", ".markdown", ".txt", ".csv", ".json", ".html", ".htm", ".svg", ".tsv"}
FIXTURE_ATTRIBUTE = "cunwu-privacy"


def _git_filter(root: Path, paths: list[str]) -> list[str]:
    """Those of ``paths`` git would commit: not ignored, and not marked as
    test fixtures with the attribute ``cunwu-privacy=fixture``. Outside a git
    repository nothing is committed, so nothing (the data folders are
    scanned file by file all the same)."""
    if not paths:
        return []
    data = "".join(p + "\0" for p in paths).encode("utf-8", "surrogateescape")
    try:
        ignored = subprocess.run(
            ["git", "check-ignore", "-z", "--stdin"], cwd=root, input=data, capture_output=True, timeout=60
        )
        if ignored.returncode not in (0, 1):
            return []  # not a repository
        skip = set(ignored.stdout.decode("utf-8", "surrogateescape").split("\0"))
        attrs = subprocess.run(
            ["git", "check-attr", "-z", "--stdin", FIXTURE_ATTRIBUTE],
            cwd=root,
            input=data,
            capture_output=True,
            timeout=60,
        )
        parts = attrs.stdout.decode("utf-8", "surrogateescape").split("\0")
        for i in range(0, len(parts) - 2, 3):
            if parts[i + 2] == "fixture":
                skip.add(parts[i])
    except (OSError, subprocess.SubprocessError):
        return []  # no git
    return [p for p in paths if p not in skip]


def fictional_register_problems(rel: str, raw: bytes, allowed=()) -> list[Problem]:
    """The demo's folder of fictional registers (``cunwu audit``): every number
    in it must carry the fictional prefix 990101; any other is a leak."""
    text = csv_text(raw) if rel.endswith(".csv") else raw.decode("utf-8", errors="replace")
    out = []
    for f in scan(text, allowed):
        if fictional(rel, text, f):
            continue
        out.append(
            problem(
                rel,
                text.count("\n", 0, f.start) + 1,
                f.code,
                f"演示名册中发现非虚构的{f.label} {f.masked}（此处只显示脱敏形式）：这个文件夹只能放前缀为 "
                f"{FICTIONAL_PREFIX} 的虚构号码",
            )
        )
    return out


def repository_problems(root: Path, allowed=()) -> list[Problem]:
    """Spreadsheets and linkage keys in the repository outside the folders
    ``cunwu validate`` reads file by file (those are scanned there): the
    root and its other folders, hidden ones and the build output aside."""
    sheets: list[str] = []
    texts: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in _COVERED]
            rel_dir = ""
        else:
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
        dirnames.sort()
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith("~"):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            suffix = PurePosixPath(name).suffix.lower()
            if suffix in SHEETS:
                sheets.append(rel)
            elif suffix in _TEXT_KEYS and rel != "cunwu.yaml":
                texts.append(rel)
    keyed = []
    for rel in texts:
        try:
            with open(root / rel, "rb") as fh:
                if b"cwlk-" in fh.read(MAX_SOURCE_BYTES):
                    keyed.append(rel)
        except OSError:
            continue
    out: list[Problem] = []
    for rel in _git_filter(root, sheets + keyed):
        try:
            raw = (root / rel).read_bytes()
        except OSError:
            continue
        if rel.startswith(FICTIONAL_FOLDER):
            out.extend(fictional_register_problems(rel, raw, allowed))
        elif rel in sheets and is_sheet(rel):
            out.extend(sheet_problems(rel, raw, allowed))
        else:
            text = csv_text(raw) if rel.endswith(".csv") else raw.decode("utf-8", errors="replace")
            for f in scan(text, allowed):
                if rel in sheets or f.kind == "link":
                    line = text.count("\n", 0, f.start) + 1
                    out.append(
                        problem(
                            rel,
                            line,
                            f.code,
                            f"发现疑似{f.label} {f.masked}（此处只显示脱敏形式）：这个文件会被提交进仓库，"
                            "不能有个人号码或身份证关联码",
                        )
                    )
    return out
