"""The build cache: one small record per village, read on every build (it
decides what to redo), so it stays small."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from .state import RECORD_VERSION, Record, State


def record_path(state: State, vid: str) -> Path:
    return state.cache / "villages" / f"{vid}.rec"


def atomic_pickle(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(tmp, path)


def load_record(state: State, vid: str) -> Record | None:
    try:
        rec = pickle.loads(record_path(state, vid).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, ImportError):
        return None
    return rec if isinstance(rec, Record) and rec.version == RECORD_VERSION else None
