"""The build cache: one small record and one pickled model per village.

Records are read on every build (they decide what to redo), so they stay
small; the validated models (bundles) are read only for villages that are
rendered again.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from .state import RECORD_VERSION, Record, State


def record_path(state: State, vid: str) -> Path:
    return state.cache / "villages" / f"{vid}.rec"


def bundle_path(state: State, vid: str) -> Path:
    return state.cache / "villages" / f"{vid}.bundle"


def atomic_pickle(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(tmp, path)


def load_record(state: State, vid: str) -> Record | None:
    try:
        rec = pickle.loads(record_path(state, vid).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None
    return rec if isinstance(rec, Record) and rec.version == RECORD_VERSION else None


def load_bundle(state: State, vid: str, vfp: str):
    try:
        cached = pickle.loads(bundle_path(state, vid).read_bytes())
        if cached[0] == vfp:
            return cached[1]
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, IndexError):
        pass
    return None
