"""QR codes as small vector SVG without ids.

The ``qrcode`` library only computes the module matrix; the SVG is written here so that it is
compact (one ``<path>`` of merged horizontal runs) and carries no ``id`` attribute (qrcode's own
SVG factory writes ``id="qr-path"``, which collides when two codes share a page or a PDF).
"""

from __future__ import annotations

import re

import qrcode
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_M, ERROR_CORRECT_Q
from qrcode.exceptions import DataOverflowError

__all__ = ["qr_matrix", "qr_svg", "matrix_svg", "QUIET_ZONE"]

QUIET_ZONE = 4  # modules of white border on each side, as the QR standard requires
_EC_LEVELS = {"M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}  # weakest first
# A CSS/SVG length: number with an optional absolute or relative unit.
_SIZE_RE = re.compile(r"^(?:\d+(?:\.\d+)?|\.\d+)(?:mm|cm|in|pt|pc|px|em|rem|%)?$")
# Characters XML 1.0 cannot carry at all (C0 controls except tab/LF/CR, surrogates, U+FFFE/F).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _attr(value: str) -> str:
    """Escape text for a double-quoted XML attribute (newlines and tabs kept as references)."""
    value = _XML_INVALID.sub("\ufffd", value)
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def qr_matrix(data: str, ec: str = "M", min_version: int = 1, boost: bool = False) -> list[list[bool]]:
    """Module matrix for ``data`` (True = dark), including the 4-module quiet zone on every side.

    ``ec`` is the error-correction level: "M" (15 %, the default and the minimum allowed),
    "Q" (25 %) or "H" (30 %). Text is encoded as UTF-8 (byte mode). The symbol is at least
    version ``min_version`` (1-40), larger if the data needs it. With ``boost`` the symbol
    takes the strongest level that still fits the version ``ec`` needs: more error
    correction at no cost in module size.
    """
    if not isinstance(data, str) or not data:
        raise ValueError("二维码内容不能为空")
    if ec not in _EC_LEVELS:
        raise ValueError(f"纠错等级须为 M、Q 或 H，而不是 {ec!r}")
    if not 1 <= min_version <= 40:
        raise ValueError(f"二维码版本须在 1 到 40 之间，而不是 {min_version!r}")
    code = qrcode.QRCode(version=min_version, error_correction=_EC_LEVELS[ec], border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    if boost:
        levels = list(_EC_LEVELS)
        for stronger in levels[levels.index(ec) + 1 :]:
            trial = qrcode.QRCode(
                version=code.version, error_correction=_EC_LEVELS[stronger], border=QUIET_ZONE
            )
            trial.add_data(data)
            try:
                trial.make(fit=False)
            except DataOverflowError:
                break
            code = trial
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def _rectangles(matrix: list[list[bool]]) -> list[tuple[int, int, int, int]]:
    """Dark modules as rectangles ``(x, y, width, height)``, sorted by top edge, then left edge.

    Each horizontal run of dark modules is one rectangle; a run that repeats unchanged (same
    start, same length) in the rows below is merged into it, which keeps finder patterns and
    other vertical structures to a few rectangles.
    """
    done: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}  # (x, width) -> top row
    for y, row in enumerate(matrix):
        runs: list[tuple[int, int]] = []
        x, width = 0, len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                runs.append((start, x - start))
            else:
                x += 1
        current = set(runs)
        for key, top in list(open_runs.items()):
            if key not in current:
                done.append((key[0], top, key[1], y - top))
                del open_runs[key]
        for key in runs:
            open_runs.setdefault(key, y)
    for key, top in open_runs.items():
        done.append((key[0], top, key[1], len(matrix) - top))
    return sorted(done, key=lambda r: (r[1], r[0]))


def _path_data(matrix: list[list[bool]]) -> str:
    """One path of closed rectangles: ``m dx dy h w v h h-w z`` each.

    After ``z`` the current point returns to the rectangle's top-left corner, so every move is
    relative to the previous rectangle and the numbers stay short.
    """
    parts: list[str] = []
    px = py = 0
    for i, (x, y, w, h) in enumerate(_rectangles(matrix)):
        parts.append(f"M{x} {y}" if i == 0 else f"m{x - px} {y - py}")
        parts.append(f"h{w}v{h}h-{w}z")
        px, py = x, y
    return "".join(parts)


def qr_svg(
    data: str,
    *,
    size: str = "30mm",
    label: str | None = None,
    ec: str = "M",
    min_version: int = 1,
    boost: bool = False,
) -> str:
    """A self-contained ``<svg>`` element drawing the QR code for ``data``.

    ``size`` sets both ``width`` and ``height`` ("30mm" for posters, "160px" for web pages);
    the ``viewBox`` is in module units including the quiet zone. ``label`` is the accessible
    name (``aria-label``); it defaults to ``data``. The output has no ids, no styles and no
    scripts, so any number of codes can share an HTML page or a PDF. ``min_version`` and
    ``boost`` are those of :func:`qr_matrix`.
    """
    return matrix_svg(qr_matrix(data, ec, min_version, boost), size=size, label=label if label else data)


def matrix_svg(matrix: list[list[bool]], *, size: str, label: str) -> str:
    """The ``<svg>`` of a module matrix from :func:`qr_matrix` (see :func:`qr_svg`): one
    matrix can be drawn at several sizes."""
    if not isinstance(size, str) or not _SIZE_RE.match(size):
        raise ValueError(f"二维码尺寸无效：{size!r}（例如 30mm、160px）")
    n = len(matrix)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {n} {n}" '
        f'width="{size}" height="{size}" shape-rendering="crispEdges" '
        f'role="img" aria-label="{_attr(label)}">'
        f'<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path fill="#000" d="{_path_data(matrix)}"/>'
        "</svg>"
    )
