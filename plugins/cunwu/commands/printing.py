"""``cunwu print --month YYYY-MM``: print packs for the notice boards.

One PDF per village with every approved disclosure of the month (its finance
statement — for a quarterly village, the quarter ending that month —, the
rosters of the month, the notices dated in it), and one for the whole
township, under ``build/print/<month>/``. Each poster keeps its own page
numbers inside a pack. Posters come from the same cache as the build's, so
a month the build already rendered costs only the merge; older months are
rendered on demand.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError, ValidationFailed
from ..render.common import bundle_infos, data_key, doc_month
from ..render.site import VillageSite
from ..render.theme import Templates, find_theme, theme_env
from ..sources import find_root
from ..write.fingerprint import code_fingerprint, sha, template_fingerprints
from ..write.fsutil import write_if_changed
from ..write.merge import merge_pdfs
from ..write.pelicanconf import template_search
from ..write.posters import PosterMaker, make_poster
from .validate import load_project


@dataclass
class PrintResult:
    month: str
    packs: dict[str, Path] = field(default_factory=dict)  # village id (or township id) -> file
    posters: int = 0
    rendered: int = 0
    pages: int = 0
    seconds: float = 0.0
    render_seconds: float = 0.0
    empty: list[str] = field(default_factory=list)  # villages with nothing approved that month


def print_month(
    path: Path, month: str, village: str | None = None, progress: Callable[[str], None] | None = None
) -> PrintResult:
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month):
        raise UsageError(f"月份应写成 YYYY-MM，如 2026-10；实际为 “{month}”")
    t0 = time.monotonic()
    root = find_root(path)
    project = load_project(root, only={village} if village else None)
    if not project.report.ok():
        raise ValidationFailed(project.report)
    ctx = project.township
    if village is not None and village not in project.villages:
        raise UsageError(f"没有这个村：{village}（已有：{'、'.join(sorted(project.villages))}）")
    # the templates of a build's Pelican runs: the township's overrides, then the theme
    dirs = template_search(root, find_theme(root))
    templates = Templates(theme_env(dirs))
    tpl_fps = template_fingerprints(dirs)
    code_fp = code_fingerprint()
    out_dir = root / "build" / "print" / month
    maker = PosterMaker(root / "build" / ".cache" / "posters", ctx.config.print.paper, root / "villages")
    result = PrintResult(month)
    township_parts: list[bytes] = []
    ids = [village] if village else sorted(project.villages)
    for vid in ids:
        bundle = project.villages[vid]
        site = VillageSite(
            ctx, bundle, bundle_infos(bundle, ctx.histories), histories={**ctx.histories, **bundle.histories}
        )
        site_key = sha(data_key(site.site))
        docs = [d for d in site.docs() if d.kind != "power" and doc_month(d) == month]
        parts = []
        for doc in docs:
            out = site.pages_of(doc).page(doc, doc.url_path + "index.html")
            t = time.monotonic()
            pdf, rendered = make_poster(
                maker,
                templates,
                code_fp,
                tpl_fps,
                site.site,
                site_key,
                out,
                root / "villages" / vid / doc.url_path,
            )
            if rendered:
                result.rendered += 1
                result.render_seconds += time.monotonic() - t
            parts.append(pdf)
            if progress:
                progress(f"{bundle.village.name} {site.title(doc)}")
        if not parts:
            result.empty.append(vid)
            continue
        pack = merge_pdfs(parts)
        target = out_dir / f"{vid}.pdf"
        write_if_changed(target, pack)
        result.packs[vid] = target
        result.posters += len(parts)
        township_parts.append(pack)
    if township_parts and village is None:
        target = out_dir / f"{ctx.config.township.id}-{month}.pdf"
        write_if_changed(target, merge_pdfs(township_parts))
        result.packs[ctx.config.township.id] = target
    result.pages = sum(_page_count(p) for k, p in result.packs.items() if k in project.villages)
    result.seconds = time.monotonic() - t0
    return result


def _page_count(path: Path) -> int:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()
