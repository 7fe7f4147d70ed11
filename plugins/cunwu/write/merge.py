"""Print packs: posters concatenated into one PDF, reproducibly.

Each poster keeps its own page numbers ("第 x 页 / 共 y 页") inside a pack;
the pack's ``/ID`` is a hash of its content, so the same posters give the
same bytes.
"""

from __future__ import annotations

import hashlib
import re
import threading
from io import BytesIO

from ..errors import BuildError

# --------------------------------------------------------------------------- print packs

_PDFIUM_LOCK = threading.Lock()
_ID_RE = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")


def merge_pdfs(pdfs: list[bytes]) -> bytes:
    """Concatenate rendered posters into one print pack, every page kept as it was drawn.

    Page numbers are part of each poster's drawing, so each part keeps its own "第 x 页 / 共 y 页".
    Fonts stay per poster. The output is byte-reproducible: no creation date, and the ``/ID``
    PDFium would draw at random is replaced by a hash of the content.
    """
    if not pdfs:
        raise ValueError("没有要合并的 PDF")
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    with _PDFIUM_LOCK:
        # A new PDFium document stamps the clock into /Info unless machine time is off.
        pdfium_c.FPDF_SetSandBoxPolicy(pdfium_c.FPDF_POLICY_MACHINETIME_ACCESS, False)
        try:
            out = pdfium.PdfDocument.new()
        finally:
            pdfium_c.FPDF_SetSandBoxPolicy(pdfium_c.FPDF_POLICY_MACHINETIME_ACCESS, True)
        sources = []
        try:
            for i, data in enumerate(pdfs, 1):
                try:
                    src = pdfium.PdfDocument(bytes(data))
                except pdfium.PdfiumError as exc:
                    raise BuildError(f"第 {i} 份 PDF 无法读取，不能合并：{exc}") from None
                sources.append(src)
                out.import_pages(src)
            buf = BytesIO()
            out.save(buf)
        finally:
            for src in sources:
                src.close()
            out.close()
    return _stable_id(buf.getvalue())


def _stable_id(data: bytes) -> bytes:
    """Replace the trailer's ``/ID`` hex strings (same length, so offsets hold) by a content hash."""
    matches = list(_ID_RE.finditer(data))
    if not matches:
        return data
    m = matches[-1]
    blank = data[: m.start()] + b"/ID[]" + data[m.end() :]
    digest = hashlib.sha256(blank).hexdigest().upper().encode()
    out = bytearray(data)
    for group in (1, 2):
        n = m.end(group) - m.start(group)
        out[m.start(group) : m.end(group)] = (digest * (n // len(digest) + 1))[:n]
    return bytes(out)
