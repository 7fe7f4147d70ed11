"""The privacy scan of everything a build writes, before it can go live."""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

from ..privacy import scan_markup
from ..problems import Problem

_SCANNED: dict[bytes, tuple] = {}  # (content, allowed numbers) hash -> findings, per process
_SCANNED_KINDS = (".html", ".json", ".csv", ".xml", ".svg", ".txt", ".js", ".css", ".pdf")


def _pdf_text(data: bytes) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def scan_outputs(written: dict[str, bytes], vid: str, sources: dict, allowed: list[str]) -> list[Problem]:
    """Every file a build wrote anew (HTML, JSON, CSV, feeds, SVG, the text of
    PDFs), scanned for personal numbers before it can go live: ``written`` maps
    each path (relative to the village or township root) to the bytes written.
    Results are kept by content hash, so the same bytes are scanned once."""
    out = []
    # what is allowed differs between villages (their own official numbers)
    allowed_key = hashlib.sha256("\0".join(sorted(allowed)).encode()).digest()
    for rel, data in written.items():
        suffix = PurePosixPath(rel).suffix
        if suffix not in _SCANNED_KINDS:
            continue
        digest = hashlib.sha256(data).digest() + allowed_key
        findings = _SCANNED.get(digest)
        if findings is None:
            text = _pdf_text(data) if suffix == ".pdf" else data.decode("utf-8", errors="replace")
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
