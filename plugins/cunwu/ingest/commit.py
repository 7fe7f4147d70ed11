"""Write the imported file, validate it with its village, keep or take it back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..sources import _walk, classify
from .linkage import load_sidecar, save_sidecar
from .sink import Sink
from .write import atomic_write


def write_and_validate(
    root: Path, vid: str, ctx, target_rel: str, text: str, sidecar_rows: dict, sink: Sink, result
) -> None:
    """Write ``text`` to ``target_rel`` and check the village as ``cunwu
    validate`` would (without git history). An error in the written file
    restores what was there before; otherwise the sidecar is updated."""
    from ..validate.village import check_village

    path = root / target_rel
    old = path.read_bytes() if path.is_file() else None

    def restore() -> None:
        if old is None:
            path.unlink(missing_ok=True)
        else:
            atomic_write(path, old)

    atomic_write(path, text)
    try:
        files = [classify(rel) for rel in _walk(root, f"villages/{vid}")]
        _bundle, problems, _count = check_village(ctx, vid, files, None)
    except BaseException:
        restore()
        raise
    mine = [p for p in problems if p.file == target_rel]
    errors = [p for p in mine if p.severity == "error"]
    result.report.extend(mine)
    if errors:
        restore()
        sink.add(
            "invalid-value",
            f"导入生成的 {target_rel} 没有通过校验（见上面的问题），已撤销，仓库保持原样",
        )
        return
    result.written = True
    data = load_sidecar(root, vid)
    rows = data.setdefault("rows", {})
    for key, (entry, doc_id) in sidecar_rows.items():
        cur = rows.get(key) if isinstance(rows.get(key), dict) else {}
        merged = {**cur, **entry}
        merged["seen"] = sorted(set(cur.get("seen", [])) | {doc_id})
        rows[key] = merged
    data["format"] = 1
    data["village"] = vid
    data["updated"] = dt.date.today().isoformat()
    result.sidecar = str(save_sidecar(root, vid, data).relative_to(root))
