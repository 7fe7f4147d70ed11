"""Outside registers, read with every full ID number masked at the door.

Registers (death register, cadres' household members, the 备案 list of
declared relatives, people paid from public funds, owners of vehicles,
businesses or town houses) hold full ID numbers. They are read from a folder
outside the repository, one CSV each (UTF-8, with or without BOM; GB18030
also read); as each row is read its ID becomes a linkage key (with
``CUNWU_LINK_SECRET``) and a masked ID in the township's style, and the full
number is dropped. Nothing downstream (the dataframes, the report, any
temporary file) ever sees a full number.

A folder inside the repository is refused, except the demo's marked folder
of fictional registers (:data:`DEMO_FOLDER`), and that only while every
number in it carries the demo's fictional prefix.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import datetime as dt
import hmac
import io
import multiprocessing
import os
import re
from dataclasses import dataclass, field
from operator import mul
from pathlib import Path

import polars as pl

from ..errors import UsageError
from ..ingest.cells import CellError, IdValue, id_number
from ..ingest.linkage import PREFIX
from ..load.sheets.read import Cell
from ..privacy import FICTIONAL_FOLDER, FICTIONAL_PREFIX

#: the demo township's folder of fictional registers (the privacy scan and
#: the pre-commit hook accept numbers with the fictional prefix there)
DEMO_FOLDER = FICTIONAL_FOLDER.rstrip("/")


#: register name -> (file name, Chinese title, extra columns: field -> header names)
REGISTERS: dict[str, tuple[str, str, dict[str, tuple[str, ...]]]] = {
    "deaths": ("deaths.csv", "死亡人员登记", {"died": ("死亡日期", "死亡时间")}),
    "cadre-households": (
        "cadre-households.csv",
        "村干部家庭成员（户籍）",
        {
            "cadre": ("干部姓名", "村干部"),
            "village": ("村", "所在村", "村名"),
            "relation": ("关系", "与干部关系"),
        },
    ),
    "declared-relatives": (
        "declared-relatives.csv",
        "村干部亲属享受待遇备案",
        {"cadre": ("干部姓名", "村干部"), "program": ("享受项目", "项目")},
    ),
    "public-payroll": ("public-payroll.csv", "财政供养人员", {"unit": ("单位", "工作单位")}),
    "assets": ("assets.csv", "车辆、工商登记、城镇房产", {"asset": ("类型", "财产类型", "资产类型")}),
}
NAME_HEADERS = ("姓名", "名字")
ID_HEADERS = ("身份证号", "身份证号码", "公民身份号码", "证件号码")


class RegisterError(UsageError):
    """A register that cannot be read, or a folder the audit refuses."""


@dataclass
class Register:
    name: str
    file: str  # the file name, shown as evidence (never its folder: it may name a person's machine)
    title: str
    #: columns: line, name, id_masked, link, and the register's own (the name
    #: plus visible digits are added where the frame is made, as for rosters)
    rows: pl.DataFrame = field(default_factory=pl.DataFrame)


def check_folder(folder: Path, root: Path) -> bool:
    """Refuse a register folder inside the repository's tree; True when it is the demo's marked folder of fictional registers."""
    folder = folder.resolve()
    if not folder.is_dir():
        raise RegisterError(f"找不到名册文件夹 {folder}")
    root = root.resolve()
    inside = folder == root or root in folder.parents
    if inside and folder == root / DEMO_FOLDER:
        return True
    if inside:
        raise RegisterError(
            "名册含有完整身份证号，不能放在 git 仓库里（一次 git add 就会永久留在历史中）："
            f"请把 {folder.name} 移到仓库以外的文件夹（如 ~/文档/审计名册），再用 --registers 指定"
        )
    return False


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise RegisterError("名册编码无法识别：请存为 UTF-8 或 GBK 的 CSV")


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    for i, h in enumerate(header):
        if h.strip() in names:
            return i
    return None


_PLAIN18 = re.compile(r"[1-9][0-9]{16}[0-9X]")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
#: base32 of every 15-bit chunk (three characters): nine lookups make a key
_B32_15 = [_B32[i >> 10] + _B32[(i >> 5) & 31] + _B32[i & 31] for i in range(1 << 15)]


def _fast_id(cell: str, style: str) -> tuple[str, str] | None:
    """(masked, full) of a plain 18-character number with a right check
    character, the common cell of an official register, without the general
    cell normaliser (:func:`cunwu.ingest.cells.id_number`, used for the rest)."""
    text = cell.strip().upper()
    if len(text) != 18 or not _PLAIN18.fullmatch(text):
        return None
    total = sum(map(mul, map(int, text[:17]), _WEIGHTS))
    if "10X98765432"[total % 11] != text[17]:
        return None
    if not ("18" <= text[6:8] <= "21" and "01" <= text[10:12] <= "12" and "01" <= text[12:14] <= "31"):
        return None
    keep_head, keep_tail = (3, 3) if style == "3-3" else (6, 4)
    return text[:keep_head] + "*" * (18 - keep_head - keep_tail) + text[-keep_tail:], text


def fast_linkage_key(full_id18: str, secret: bytes) -> str:
    """:func:`cunwu.ingest.linkage.linkage_key`, the same text, faster: the
    one-shot HMAC and the 26 base32 characters of its first 128 bits taken
    from one integer (Python 3.11's b32encode is pure Python)."""
    n = int.from_bytes(hmac.digest(secret, full_id18.encode("ascii"), "sha256")[:16], "big") << 7
    t = _B32_15
    return (
        PREFIX
        + (
            t[n >> 120]
            + t[(n >> 105) & 32767]
            + t[(n >> 90) & 32767]
            + t[(n >> 75) & 32767]
            + t[(n >> 60) & 32767]
            + t[(n >> 45) & 32767]
            + t[(n >> 30) & 32767]
            + t[(n >> 15) & 32767]
            + t[n & 32767]
        )[:26]
    )


def read_register(
    folder: Path, name: str, secret: bytes | None, style: str, demo: bool, problems: list[str]
) -> Register | None:
    """One register, masked at the door; None when its file is absent."""
    fname, title, extra = REGISTERS[name]
    path = folder / fname
    if not path.is_file():
        return None
    reg = Register(name, fname, title)
    cols: dict[str, list] = {k: [] for k in ("line", "name", "id_masked", "link", *extra)}
    reader = csv.reader(io.StringIO(_decode(path.read_bytes())))
    header = next(reader, [])
    i_name, i_id = _find(header, NAME_HEADERS), _find(header, ID_HEADERS)
    if i_name is None or i_id is None:
        raise RegisterError(f"{fname}: 第 1 行应为表头，须有“姓名”和“身份证号”两列")
    idx = {k: _find(header, names) for k, names in extra.items()}
    for lineno, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        cell = row[i_id] if i_id < len(row) else ""
        fast = _fast_id(cell, style)
        ident: IdValue | None = IdValue(*fast) if fast is not None else None
        if ident is None:
            try:
                ident, _ = id_number(Cell("s", cell), style)
            except CellError as e:
                problems.append(f"{fname}:{lineno}: {e.message}")
                continue
            if ident is None:
                problems.append(f"{fname}:{lineno}: 没有身份证号，此行未使用")
                continue
        cell = ""  # the full number goes no further than this loop
        if demo and not ident.masked.startswith(FICTIONAL_PREFIX):
            raise RegisterError(
                f"{DEMO_FOLDER}/{fname}:{lineno}: 演示名册只能用虚构前缀 {FICTIONAL_PREFIX} 的号码；"
                "真实名册请放到仓库以外"
            )
        link = fast_linkage_key(ident.full, secret) if (secret and ident.full) else None
        ident.full = None
        person = (row[i_name] if i_name < len(row) else "").strip()
        cols["line"].append(lineno)
        cols["name"].append(person)
        cols["id_masked"].append(ident.masked)
        cols["link"].append(link)
        for k, i in idx.items():
            cols[k].append(row[i].strip() if i is not None and i < len(row) else "")
        row.clear()
    # as a frame at once: Python lists of a 100,000-row register weigh ten times more
    reg.rows = pl.DataFrame(cols, schema={k: (pl.Int64 if k == "line" else pl.Utf8) for k in cols})
    return reg


def parse_day(text: str) -> dt.date | None:
    m = re.fullmatch(r"\s*([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?\s*", text or "")
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def read_registers(
    folder: Path, root: Path, secret: bytes | None, style: str
) -> tuple[dict[str, Register], list[str], bool]:
    """Every register present in ``folder``: (by name, problems, is the demo folder)."""
    demo = check_folder(folder, root)
    problems: list[str] = []
    out: dict[str, Register] = {}
    names = [n for n in REGISTERS if (folder / REGISTERS[n][0]).is_file()]
    big = sum((folder / REGISTERS[n][0]).stat().st_size for n in names) > 4_000_000
    if big and len(names) > 1 and (os.cpu_count() or 1) > 1:
        # several large registers: read in parallel processes. Each worker masks
        # its rows as it reads them and sends back masked rows only (a pipe, no file)
        ctx = multiprocessing.get_context("fork")
        with cf.ProcessPoolExecutor(max_workers=min(len(names), os.cpu_count() or 1), mp_context=ctx) as pool:
            futures = [pool.submit(_read_one, folder, n, secret, style, demo) for n in names]
            for n, fut in zip(names, futures, strict=True):
                reg, found = fut.result()
                problems += found
                if reg is not None:
                    out[n] = reg
    else:
        for n in names:
            reg = read_register(folder, n, secret, style, demo, problems)
            if reg is not None:
                out[n] = reg
    return out, problems, demo


def _read_one(
    folder: Path, name: str, secret: bytes | None, style: str, demo: bool
) -> tuple[Register | None, list[str]]:
    problems: list[str] = []
    return read_register(folder, name, secret, style, demo, problems), problems
