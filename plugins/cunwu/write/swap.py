"""Swapping rebuilt village trees in, restartably after a crash."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from .fsutil import exchange
from .state import State, TaskResult


def live_ino(state: State, vid: str) -> int:
    try:
        return (state.site / vid).stat().st_ino
    except OSError:
        return -1


def _journal(state: State) -> Path:
    return state.cache / "swap.json"


def recover(state: State) -> None:
    """Finish a swap that a crash interrupted (the journal lists what was planned:
    the trees to swap in, the villages to take off the site)."""
    path = _journal(state)
    if not path.exists():
        return
    plan = json.loads(path.read_text())
    for vid, ino in plan["villages"].items():
        staged = state.staging / vid
        if live_ino(state, vid) != ino and staged.exists() and staged.stat().st_ino == ino:
            exchange(staged, state.site / vid)
    for vid in plan.get("removed", []):
        _remove(state, vid)
    path.unlink()


def _remove(state: State, vid: str) -> None:
    """Take a village off the site: renamed aside in one step, then deleted."""
    live = state.site / vid
    if live.is_dir():
        gone = state.staging / f"_gone-{vid}"
        if gone.exists():
            shutil.rmtree(gone)
        gone.parent.mkdir(parents=True, exist_ok=True)
        os.rename(live, gone)
        shutil.rmtree(gone)


def swap_in(state: State, results: list[TaskResult], removed: list[str]) -> None:
    built = {r.vid: r.tree_ino for r in results if r.built}
    if not built and not removed:
        return
    journal = _journal(state)
    journal.parent.mkdir(parents=True, exist_ok=True)
    tmp = journal.with_suffix(".tmp")
    tmp.write_text(json.dumps({"villages": built, "removed": removed}))
    os.replace(tmp, journal)
    state.site.mkdir(parents=True, exist_ok=True)
    for vid in built:
        exchange(state.staging / vid, state.site / vid)
    for vid in removed:
        _remove(state, vid)
    journal.unlink()
