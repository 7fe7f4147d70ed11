"""The privacy scan of everything a build writes, before it can go live."""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

from ..privacy import scan_markup
from ..problems import Problem

_SCANNED: dict[bytes, tuple] = {}  # (content, allowed numbers) hash -> findings, per process
_SCANNED_KINDS = (".html", ".json", ".csv", ".xml", ".svg", ".txt", ".js", ".css", ".pdf", ".ics")
#: spreadsheets published as attachments: their cells are read (cunwu.validate.sheetscan)
_SHEET_KINDS = (".xlsx", ".xlsm", ".xls", ".ods")


def _pdf_text(data: bytes) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def _decode(suffix: str, data: bytes) -> str:
    from ..validate.sheetscan import csv_text

    return csv_text(data) if suffix == ".csv" else data.decode("utf-8", errors="replace")


def _sheet_findings(data: bytes, rel: str, allowed: list[str]) -> tuple:
    """Numbers in a spreadsheet's cells; one that cannot be read cannot be published."""
    from ..load.sheets.read import ReadError
    from ..privacy import Finding
    from ..validate.sheetscan import sheet_findings

    try:
        return tuple(f for _s, _r, _c, f in sheet_findings(data, rel, allowed))
    except ReadError:
        return (Finding("id", 0, "（无法读取的表格，不能确认其中没有身份证号）"),)


def scan_outputs(written: dict[str, bytes], vid: str, sources: dict, allowed: list[str]) -> list[Problem]:
    """Every file a build wrote anew (HTML, JSON, CSV, feeds, SVG, the text of
    PDFs), scanned for personal numbers before it can go live: ``written`` maps
    each path (relative to the village or township root) to the bytes written.
    Results are kept by content hash, so the same bytes are scanned once."""
    out = []
    # what is allowed differs between villages (their own official numbers)
    allowed_key = hashlib.sha256("\0".join(sorted(allowed)).encode()).digest()
    for rel, data in written.items():
        suffix = PurePosixPath(rel).suffix.lower()
        if suffix not in _SCANNED_KINDS and suffix not in _SHEET_KINDS:
            continue
        digest = hashlib.sha256(data).digest() + allowed_key
        findings = _SCANNED.get(digest)
        if findings is None:
            if suffix in _SHEET_KINDS:
                findings = _SCANNED[digest] = _sheet_findings(data, rel, allowed)
            else:
                text = _pdf_text(data) if suffix == ".pdf" else _decode(suffix, data)
                findings = _SCANNED[digest] = tuple(scan_markup(text, allowed))
        for f in findings:
            src = ", ".join(sources.get(rel, ())) or "（未知来源）"
            out.append(
                Problem(
                    file=f"build/site/{vid}/{rel}" if vid else f"build/site/{rel}",
                    line=0,
                    code=f.code,
                    message=f"输出中发现{f.label} {f.masked}，来源：{src}。",
                )
            )
    return out
