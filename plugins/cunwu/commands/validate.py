"""``cunwu validate``: every problem in the project, as a report."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from pathlib import Path

from ..problems import Problem, Report
from ..sources import SourceFile
from ..validate.crossfile import check_unique_codes
from ..validate.project import Project, VillageBundle
from ..validate.village import check_village
from .project import OpenProject, open_project

_SHARED: OpenProject | None = None  # for forked workers


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _check_only(item: tuple[str, list[SourceFile]]) -> tuple[list[Problem], int, tuple[str, int, str] | None]:
    """Check one village and keep only what the report needs: a county's
    bundles are never held in memory all at once."""
    op = _SHARED
    assert op is not None
    vid, files = item
    bundle, problems, count = check_village(op.ctx, vid, files, op.history)
    code = (bundle.village_doc.rel, bundle.village_doc.line("code"), bundle.village.code) if bundle else None
    return problems, count, code


def validate(
    path: Path | str = ".", *, history: bool = True, require_history: bool = False, jobs: int = 0
) -> Report:
    """Every problem in the project. Villages are checked in parallel worker
    processes (one per core by default), each holding one village at a time."""
    global _SHARED
    op = open_project(path, history=history, require_history=require_history)
    items = sorted(op.by_village.items())
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1:  # largest villages first, so that no core waits long for the last one
        items.sort(key=lambda item: -sum(_size(op.root / sf.rel) for sf in item[1]))
    _SHARED = op
    try:
        if jobs > 1 and len(items) > 2:
            pool_ctx = multiprocessing.get_context("fork")
            with cf.ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=pool_ctx) as pool:
                results = list(pool.map(_check_only, items))
        else:
            results = [_check_only(item) for item in items]
    finally:
        _SHARED = None
        op.close()
    report = op.report
    codes = []
    for problems, count, code in results:
        report.extend(problems)
        report.files_checked += count
        if code:
            codes.append(code)
    report.extend(check_unique_codes(codes))
    return report


def load_project(
    path: Path | str = ".",
    *,
    history: bool = True,
    require_history: bool = False,
    only: set[str] | None = None,
) -> Project:
    """Load and validate everything under the project containing ``path``
    (with ``only``, just those villages), keeping the models in memory."""
    op = open_project(path, history=history, require_history=require_history)
    villages: dict[str, VillageBundle] = {}
    try:
        for vid in sorted(op.by_village):
            if only is not None and vid not in only:
                continue
            bundle, problems, count = check_village(op.ctx, vid, op.by_village[vid], op.history)
            op.report.extend(problems)
            op.report.files_checked += count
            if bundle is not None:
                villages[vid] = bundle
    finally:
        op.close()
    op.report.extend(
        check_unique_codes(
            [(b.village_doc.rel, b.village_doc.line("code"), b.village.code) for b in villages.values()]
        )
    )
    return Project(op.ctx, villages, op.report)
