"""A village's files as they stood at each commit, from the history read once.

A build holds back a village whose files have errors and publishes it as it
stood at its last passing commit (:mod:`cunwu.write.holdback`). The states a
village went through are replayed from the ``git log --raw`` the build has
already read: no work tree is checked out and no git process is started;
the files themselves are read as blobs (:meth:`History.blob`).

A state is the village's own files plus the township's files that the log
covers (``cunwu.yaml``, ``powers/``), as they were *then*: the combination
that was checked together at that commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..kinds import CONFIG_NAME
from ..load.document import Doc
from ..sources import classify
from .git import Commit, History
from .versions import BLOBS, doc_key


def is_township_file(rel: str) -> bool:
    """A township file that the history covers (its chart of accounts may live
    anywhere and is read by name: :func:`blob_at`)."""
    return rel == CONFIG_NAME or rel.startswith("powers/")


def _seen(rel: str) -> bool:
    """Whether a build reads the file: hidden files and backups are skipped,
    as :func:`cunwu.sources.discover` skips them."""
    return not any(part.startswith(".") or part.endswith("~") for part in rel.split("/"))


@dataclass(frozen=True)
class Snapshot:
    """The village and township files (path -> blob id) after one commit."""

    commit: Commit
    village: tuple[tuple[str, str], ...]
    township: tuple[tuple[str, str], ...]
    #: the newest commit up to this one that changed a township file: states
    #: with the same one see the same township files and their history
    township_commit: str = ""

    @property
    def date(self) -> str:
        """The commit's (author) date, YYYY-MM-DD."""
        return self.commit.date[:10]


def snapshots(history: History, vid: str) -> list[Snapshot]:
    """Each distinct state of village ``vid`` and the township files, newest
    first, back to the commit that last created the village folder (an
    older village of the same name is another village)."""
    top = f"villages/{vid}/"
    files: dict[str, str] = {}
    states: list[Snapshot] = []
    township_commit = ""
    for c in history.commits:
        touched = False
        for ch in c.changes:
            for path in (ch.old_path, ch.new_path):
                if path and is_township_file(path):
                    township_commit = c.sha
                if path and (path.startswith(top) or is_township_file(path)):
                    touched = True
            if ch.old_path and ch.old_path != ch.new_path:
                files.pop(ch.old_path, None)
            if ch.new_path and ch.new_blob:
                files[ch.new_path] = ch.new_blob
            elif ch.new_path:
                files.pop(ch.new_path, None)
        if not touched:
            continue
        village = tuple(sorted((p, b) for p, b in files.items() if p.startswith(top) and _seen(p)))
        township = tuple(sorted((p, b) for p, b in files.items() if is_township_file(p) and _seen(p)))
        if not village:
            states.clear()  # the folder was removed: what came before is another village
            continue
        states.append(Snapshot(c, village, township, township_commit))
    out: list[Snapshot] = []
    seen: set[tuple] = set()
    for s in reversed(states):
        key = (s.village, s.township)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def blob_at(history: History, sha: str, rel: str) -> bytes | None:
    """The content of the project file ``rel`` at commit ``sha``, or None."""
    try:
        return history.blob(f"{sha}:{history.prefix}{rel}")
    except KeyError:
        return None


def found_stamps(history: History, vid: str) -> set[str]:
    """The stamp of every approved content any file of village ``vid`` ever had
    in the history (and its legacy stamp, see :func:`cunwu.history.versions.shown_stamp`):
    what a held-back village's published versions are
    checked against (they were published from some commit, not from today's
    files)."""
    top = f"villages/{vid}/"
    out: set[str] = set()
    for c in history.commits:
        for ch in c.changes:
            path = ch.new_path
            if not path or not ch.new_blob or not path.startswith(top):
                continue
            model, body, legacy = BLOBS.get(history, path, ch.new_blob)
            if model is None or getattr(model, "status", None) != "approved":
                continue
            kind = classify(path).kind
            out.add(Doc(kind, doc_key(kind, model), path, model, body).stamp)
            if legacy:  # published by cunwu 0.1.0 under the stamp of the text as typed
                out.add(legacy)
    return out
