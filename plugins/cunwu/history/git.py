"""Read the git history of the sources in one pass.

Auditors ask what was published and what was changed afterwards; the git
history of ``villages/``, ``powers/`` and ``cunwu.yaml`` holds the answer.
:func:`read_history` runs a fixed, small number of git processes whatever the
size of the history:

* one ``git rev-parse`` (is this a repository, its top level, shallow or not,
  HEAD),
* one ``git log`` over the whole history of the source prefixes (see
  :data:`LOG_ARGS`): every commit of the published line with its raw file
  changes, renames followed; a build keeps the parsed log in its cache and
  then reads only the commits made since (one ``git rev-list`` to check that
  the cached HEAD is still on the published line, one ``git log`` of the new
  commits), so the cost follows what was committed, not the county's years,
* one ``git status`` for uncommitted and untracked files,
* and, only when a blob is first asked for, one long-lived
  ``git cat-file --batch`` process that serves every blob.

Merge commits: with ``--first-parent -m`` git walks the first-parent line
(the published branch) and shows each merge as its diff against the first
parent, so the changes a merged branch brought in are attributed to the merge
commit, on the day it reached the published line.

Nothing here raises because git is missing, the folder is no repository, the
repository has no commits or is a shallow clone: :class:`History` says so in
``available``/``reason``/``shallow`` and callers warn (problem code
``history-unavailable``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import pickle
import shutil
import subprocess
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import HistoryError, UsageError
from ..words import clean

DEFAULT_PREFIXES = ("villages/", "powers/", "cunwu.yaml")

#: ``git log`` fields, NUL-separated: sha, parents, author date, committer date,
#: author name, author email, subject
LOG_FORMAT = "%H%x00%P%x00%aI%x00%cI%x00%an%x00%ae%x00%s"
_HEADER_FIELDS = 7

#: config overrides so that a user's or a repository's settings cannot change
#: the output we parse
_CONFIG = (
    "-c",
    "diff.relative=false",
    "-c",
    "log.showSignature=false",
    "-c",
    "core.quotePath=false",
    "-c",
    "log.showRoot=true",
)

#: the one ``git log`` (followed by ``--`` and the prefixes)
LOG_ARGS = (
    "log",
    "--first-parent",  # the published line only; merges ...
    "-m",  # ... show their diff against the first parent
    "--raw",  # per file: modes, old and new blob, status, paths
    "-z",  # NUL-separated, paths never quoted
    "-M",  # follow renames (status R<score>, old path, new path)
    "--no-abbrev",  # full blob and commit ids
    "--root",  # the first commit shows its files as added
    "--no-color",
    "--encoding=UTF-8",
    "--format=" + LOG_FORMAT,
)

BLOB_CACHE_ENTRIES = 256
BLOB_CACHE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class FileChange:
    """One file changed by one commit (a line of ``git log --raw``).

    ``status`` is the first letter of git's status: ``A`` added, ``M``
    modified, ``D`` deleted, ``R`` renamed (``score`` is git's similarity
    percentage), ``T`` type changed, ``C`` copied. Paths are relative to the
    project root; blob ids are ``None`` on the side where the file does not
    exist.
    """

    status: str
    old_path: str | None
    new_path: str | None
    old_blob: str | None
    new_blob: str | None
    score: int | None = None

    @property
    def path(self) -> str:
        """The path after the change (before it, for a deletion)."""
        return self.new_path or self.old_path or ""


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: str
    author_email: str
    date: str  # author date, ISO 8601 with offset
    committer_date: str  # ISO 8601 with offset
    subject: str
    changes: tuple[FileChange, ...] = ()

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


@dataclass(frozen=True)
class Revision:
    """One commit that changed one file, as seen from that file."""

    commit: str
    parents: tuple[str, ...]
    author: str
    author_email: str
    date: str  # author date, ISO 8601
    committer_date: str
    subject: str
    path: str  # the file's path at this revision (after the change)
    blob: str | None  # content at this revision; None when the commit deleted the file
    status: str  # A | M | D | R | T | C
    old_path: str | None = None  # the path before a rename (or the deleted path)
    old_blob: str | None = None  # the content before this change; None when added

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    def to_dict(self) -> dict:
        return {
            "commit": self.commit,
            "parents": list(self.parents),
            "author": self.author,
            "author_email": self.author_email,
            "date": self.date,
            "committer_date": self.committer_date,
            "subject": self.subject,
            "path": self.path,
            "blob": self.blob,
            "status": self.status,
            "old_path": self.old_path,
            "old_blob": self.old_blob,
        }


@dataclass
class FileHistory:
    """The life of one file: created (or first seen), edited, renamed, maybe deleted.

    ``previous`` links to an earlier file that was deleted at the path where
    this one was later added again: to an auditor, deleting a disclosure and
    adding it anew is still a change of that disclosure.
    """

    revisions: list[Revision] = field(default_factory=list)
    previous: FileHistory | None = None

    @property
    def paths(self) -> list[str]:
        """Every path the file had, oldest first (its rename chain)."""
        out: list[str] = []
        for r in self.revisions:
            for p in (r.old_path, r.path) if r.status == "R" else (r.path,):
                if p and (not out or out[-1] != p):
                    out.append(p)
        return out

    @property
    def path(self) -> str:
        """The last path of the file (where it is now, or where it was deleted)."""
        return self.revisions[-1].path

    @property
    def deleted(self) -> bool:
        return self.revisions[-1].status == "D"

    @property
    def current(self) -> str | None:
        """The path at HEAD, or None when the file was deleted."""
        return None if self.deleted else self.path

    @property
    def former_paths(self) -> list[str]:
        """Paths the file had before its current (or last) one."""
        return [p for p in self.paths if p != self.path]

    def all_revisions(self) -> list[Revision]:
        """Revisions of this file and of the earlier files it replaced, oldest first."""
        earlier = self.previous.all_revisions() if self.previous else []
        return earlier + self.revisions


class GitError(Exception):
    pass


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",  # never ask for a password
            "GIT_OPTIONAL_LOCKS": "0",  # `git status` must not write the index
            "GIT_LITERAL_PATHSPECS": "1",  # prefixes are paths, not patterns
            "GIT_PAGER": "cat",
            "LC_ALL": "C",
        }
    )
    return env


def _run(root: Path, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *_CONFIG, *args],
        cwd=root,
        env=_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def parse_log(raw: bytes, strip: str = "") -> list[Commit]:
    """Parse ``git log --raw -z --format=LOG_FORMAT`` output, newest first as git prints it.

    ``strip`` is the project's folder inside the repository (``git rev-parse
    --show-prefix``): git prints paths from the top level, callers want them
    from the project root.
    """
    tokens = raw.split(b"\0")
    n = len(tokens)
    i = 0
    commits: list[Commit] = []
    seen: set[bytes] = set()

    def rel(b: bytes) -> str:
        p = b.decode("utf-8", errors="surrogateescape")
        return p[len(strip) :] if strip and p.startswith(strip) else p

    while i < n:
        tok = tokens[i].lstrip(b"\n")
        if not tok:
            i += 1
            continue
        if i + _HEADER_FIELDS > n:
            raise GitError("git log 输出被截断")
        sha, parents, adate, cdate, name, email, subject = tokens[i : i + _HEADER_FIELDS]
        sha = sha.lstrip(b"\n")
        i += _HEADER_FIELDS
        changes: list[FileChange] = []
        while i < n:
            tok = tokens[i].lstrip(b"\n")
            if not tok.startswith(b":"):
                break
            # :<old mode> <new mode> <old sha> <new sha> <status>[score]
            fields = tok[1:].split(b" ")
            if len(fields) < 5:
                raise GitError(f"无法解析的 git log 行：{_text(tok)}")
            old_blob, new_blob = fields[2].decode(), fields[3].decode()
            status_raw = fields[4].decode()
            status = status_raw[:1]
            score = int(status_raw[1:]) if status_raw[1:].isdigit() else None
            old_path: str | None
            new_path: str | None
            if status in ("R", "C"):
                old_path, new_path = rel(tokens[i + 1]), rel(tokens[i + 2])
                i += 3
            else:
                p = rel(tokens[i + 1])
                old_path = None if status == "A" else p
                new_path = None if status == "D" else p
                i += 2
            zero = set(old_blob) == {"0"}
            changes.append(
                FileChange(
                    status=status,
                    old_path=old_path,
                    new_path=new_path,
                    old_blob=None if zero or status == "A" else old_blob,
                    new_blob=None if status == "D" or set(new_blob) == {"0"} else new_blob,
                    score=score,
                )
            )
        if sha in seen:
            # a merge shown once per parent (not with --first-parent): keep the
            # first, which is the diff against the first parent
            continue
        seen.add(sha)
        commits.append(
            Commit(
                sha=sha.decode(),
                parents=tuple(parents.decode().split()),
                author=_text(name),
                author_email=_text(email),
                date=adate.decode(),
                committer_date=cdate.decode(),
                subject=_text(subject),
                changes=tuple(changes),
            )
        )
    return commits


def parse_status(raw: bytes, strip: str = "") -> dict[str, str]:
    """``git status --porcelain=v1 -z`` -> {path: XY status}; renames give both paths."""
    out: dict[str, str] = {}
    tokens = raw.split(b"\0")
    i = 0

    def rel(b: bytes) -> str:
        p = b.decode("utf-8", errors="surrogateescape")
        return p[len(strip) :] if strip and p.startswith(strip) else p

    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if len(tok) < 4:
            continue
        xy = tok[:2].decode(errors="replace")
        out[rel(tok[3:])] = xy
        if "R" in xy or "C" in xy:
            # the next token is the source path
            if i < len(tokens) and tokens[i]:
                out.setdefault(rel(tokens[i]), xy)
            i += 1
    return out


class _BlobReader:
    """One long-lived ``git cat-file --batch``; thread-safe; started on first use."""

    def __init__(self, root: Path):
        self.root = root
        self.proc: subprocess.Popen | None = None
        self.owner = 0  # pid of the process that started ``proc``
        self.lock = threading.Lock()
        self._finalizer: weakref.finalize | None = None

    def _start(self) -> subprocess.Popen:
        proc = subprocess.Popen(
            ["git", *_CONFIG, "cat-file", "--batch"],
            cwd=self.root,
            env=_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._finalizer = weakref.finalize(self, _stop, proc)
        return proc

    def read(self, sha: str) -> bytes:
        with self.lock:
            # a forked worker must not share its parent's pipe: start its own
            if self.proc is None or self.owner != os.getpid() or self.proc.poll() is not None:
                self.proc = self._start()
                self.owner = os.getpid()
            proc = self.proc
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(sha.encode() + b"\n")
                proc.stdin.flush()
                header = proc.stdout.readline()
            except (BrokenPipeError, OSError) as exc:
                self.close_locked()
                raise KeyError(f"git cat-file 失败：{exc}") from None
            parts = header.split()
            if len(parts) != 3:
                if not header:
                    self.close_locked()
                raise KeyError(f"Git 对象 {sha} 不存在（{_text(header).strip()}）")
            size = int(parts[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)  # the newline after the content
            if len(data) != size:
                self.close_locked()
                raise KeyError(f"Git 对象 {sha} 读取不完整")
            return data

    def close_locked(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None
        self.proc = None

    def close(self) -> None:
        with self.lock:
            self.close_locked()


def _stop(proc: subprocess.Popen) -> None:
    try:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=5)
    except Exception:  # pragma: no cover - best effort at shutdown
        proc.kill()
    finally:
        if proc.stdout:
            proc.stdout.close()


class History:
    """The history of the sources, read once; blobs read lazily.

    ``commits`` is oldest first. Use :meth:`revisions` for one file,
    :meth:`files` for every file that ever existed (with rename chains),
    :meth:`blob` for the content at a revision, :meth:`dirty` for
    uncommitted changes. When ``available`` is False, ``reason`` says why
    (in Chinese, for a warning) and everything else is empty.
    """

    def __init__(
        self,
        root: Path,
        *,
        available: bool,
        reason: str = "",
        shallow: bool = False,
        head: str | None = None,
        toplevel: Path | None = None,
        prefix: str = "",
        commits: list[Commit] | None = None,
        dirty_paths: dict[str, str] | None = None,
        prefixes: tuple[str, ...] = DEFAULT_PREFIXES,
    ):
        self.root = root
        self.available = available
        self.reason = reason
        self.shallow = shallow
        self.head = head
        self.toplevel = toplevel
        #: the project's folder inside the repository ("" at the top level)
        self.prefix = prefix
        self.prefixes = prefixes
        self.commits: list[Commit] = commits or []
        #: uncommitted paths (relative to the project root) -> porcelain XY status
        self.dirty_paths: dict[str, str] = dirty_paths or {}
        self._by_sha = {c.sha: c for c in self.commits}
        self._index = {c.sha: i for i, c in enumerate(self.commits)}
        self._reader = _BlobReader(toplevel or root) if available else None
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_bytes = 0
        self._cache_lock = threading.Lock()
        self._files: list[FileHistory] = []
        self._alive: dict[str, FileHistory] = {}
        self._ever: dict[str, list[FileHistory]] = {}
        self._build_files()

    # ------------------------------------------------------------ files

    def _build_files(self) -> None:
        """Follow every file through the commits, oldest first."""
        alive = self._alive
        dead: dict[str, FileHistory] = {}

        def start() -> FileHistory:
            fh = FileHistory()
            self._files.append(fh)
            return fh

        for c in self.commits:

            def rev(ch: FileChange, c=c) -> Revision:
                return Revision(
                    commit=c.sha,
                    parents=c.parents,
                    author=c.author,
                    author_email=c.author_email,
                    date=c.date,
                    committer_date=c.committer_date,
                    subject=c.subject,
                    path=ch.path,
                    blob=ch.new_blob,
                    status=ch.status,
                    old_path=ch.old_path if ch.status in ("R", "C", "D") else None,
                    old_blob=ch.old_blob,
                )

            # the changes of one commit are all against the same parent:
            # take the old paths away first, then place the new ones
            moved: list[tuple[FileChange, FileHistory]] = []
            for ch in c.changes:
                if ch.status == "D":
                    assert ch.old_path is not None
                    fh = alive.pop(ch.old_path) if ch.old_path in alive else start()
                    fh.revisions.append(rev(ch))
                    dead[ch.old_path] = fh
                elif ch.status == "R":
                    assert ch.old_path is not None
                    fh = alive.pop(ch.old_path) if ch.old_path in alive else start()
                    moved.append((ch, fh))
            for ch, fh in moved:
                assert ch.new_path is not None
                fh.revisions.append(rev(ch))
                alive[ch.new_path] = fh
            for ch in c.changes:
                if ch.status in ("D", "R"):
                    continue
                assert ch.new_path is not None
                if ch.status == "A" or ch.status == "C":
                    fh = start()
                    fh.previous = dead.pop(ch.new_path) if ch.new_path in dead else None
                    fh.revisions.append(rev(ch))
                    alive[ch.new_path] = fh
                else:  # M, T and anything else
                    found = alive.get(ch.new_path)
                    fh = found if found is not None else start()
                    if found is None:
                        alive[ch.new_path] = fh
                    fh.revisions.append(rev(ch))
        for fh in self._files:
            for p in fh.paths:
                lst = self._ever.setdefault(p, [])
                if fh not in lst:
                    lst.append(fh)

    def file(self, path: str) -> FileHistory | None:
        """The file now at ``path``; else the last file that ever had that path."""
        if path in self._alive:
            return self._alive[path]
        lst = self._ever.get(path)
        if not lst:
            return None
        return max(lst, key=lambda fh: self._order(fh.revisions[-1].commit))

    def _order(self, sha: str) -> int:
        return self._index.get(sha, -1)

    def revisions(self, path: str) -> list[Revision]:
        """Every commit that changed the file now at ``path``, oldest first.

        Renames are followed back to the file's earlier paths (each revision
        carries the path it had then). When the file was once deleted and
        later added again at the same path, the earlier file's revisions come
        first. A path that does not exist any more gives the history of the
        last file that had it (ending with its deletion or rename).
        """
        fh = self.file(path)
        return fh.all_revisions() if fh else []

    def files(self) -> list[FileHistory]:
        """Every file that ever existed under the prefixes, in order of creation."""
        return list(self._files)

    def paths(self) -> dict[str, list[str]]:
        """Every path that ever existed -> the rename chain of the file that had it.

        E.g. ``{"villages/a/notices/old.md": ["villages/a/notices/old.md",
        "villages/a/notices/new.md"], "villages/a/notices/new.md": [...same]}``.
        When several files had the same path, the chain of the last one.
        """
        return {p: fh.paths for p in sorted(self._ever) if (fh := self.file(p)) is not None}

    def renames(self) -> dict[str, str]:
        """Former path -> current path, for every file alive at HEAD that was renamed."""
        out: dict[str, str] = {}
        for cur, fh in self._alive.items():
            for p in fh.former_paths:
                out[p] = cur
        return dict(sorted(out.items()))

    def tracked(self) -> list[str]:
        """Paths under the prefixes that exist at HEAD."""
        return sorted(self._alive)

    def commit(self, sha: str) -> Commit | None:
        return self._by_sha.get(sha)

    def until(self, sha: str) -> History:
        """The history as it stood when ``sha`` (a commit of the published
        line) was the newest: nothing after it, nothing uncommitted. Blobs are
        read through this history's ``git cat-file`` and cache."""
        end = self._index[sha] + 1
        h = History(
            self.root,
            available=self.available,
            reason=self.reason,
            shallow=self.shallow,
            head=sha,
            toplevel=self.toplevel,
            prefix=self.prefix,
            commits=self.commits[:end],
            prefixes=self.prefixes,
        )
        h._reader = None
        h.blob = self.blob  # type: ignore[method-assign]
        return h

    # ------------------------------------------------------------ blobs

    def blob(self, sha: str) -> bytes:
        """The content of a blob. Raises KeyError when it cannot be read."""
        with self._cache_lock:
            if sha in self._cache:
                self._cache.move_to_end(sha)
                return self._cache[sha]
        if self._reader is None:
            raise KeyError(f"Git 历史不可用，无法读取 {sha}")
        data = self._reader.read(sha)
        with self._cache_lock:
            if sha not in self._cache:
                self._cache[sha] = data
                self._cache_bytes += len(data)
            while self._cache and (
                len(self._cache) > BLOB_CACHE_ENTRIES or self._cache_bytes > BLOB_CACHE_BYTES
            ):
                _, old = self._cache.popitem(last=False)
                self._cache_bytes -= len(old)
        return data

    def __getstate__(self) -> dict:
        """Picklable for worker processes: the blob reader and cache stay behind."""
        state = dict(self.__dict__)
        state.pop("blob", None)  # a history ``until`` a commit reads through another's
        state["_reader"] = None
        state["_cache"] = OrderedDict()
        state["_cache_bytes"] = 0
        del state["_cache_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._cache_lock = threading.Lock()
        if self.available:
            # each process starts its own `git cat-file` on first use
            self._reader = _BlobReader(self.toplevel or self.root)

    def close(self) -> None:
        """Stop the ``git cat-file`` process (also done when the History is collected)."""
        if self._reader is not None:
            self._reader.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ working tree

    def dirty(self, path: str) -> bool:
        """True when ``path`` differs from HEAD in the working tree or index, or is untracked."""
        return path in self.dirty_paths

    def untracked(self) -> list[str]:
        return sorted(p for p, xy in self.dirty_paths.items() if xy == "??")


def _unavailable(root: Path, reason: str, prefixes) -> History:
    return History(root, available=False, reason=reason, prefixes=tuple(prefixes))


class _LogFailed(Exception):
    pass


#: bump when what a cached log holds, or how it is parsed, changes
_LOG_CACHE_VERSION = 1


def _full_log(
    root: Path, prefixes: tuple[str, ...], prefix: str, since: str | None = None, head: str = "HEAD"
) -> list[Commit]:
    """The commits of the published line that touch ``prefixes``, oldest first
    (only those after ``since``, up to ``head``, when given)."""
    log = _run(root, [*LOG_ARGS, *([f"{since}..{head}"] if since else []), "--", *prefixes])
    if log.returncode != 0:
        raise _LogFailed(_text(log.stderr).strip())
    commits = parse_log(log.stdout, prefix)
    commits.reverse()
    return commits


def _on_first_parent_line(root: Path, old: str, head: str) -> bool:
    """Whether ``old`` is on ``head``'s first-parent line (the published line
    grew by commits on top of it, and was not rewritten or switched)."""
    rl = _run(root, ["rev-list", "--first-parent", "--parents", f"{old}..{head}"])
    text = _text(rl.stdout).split("\n") if rl.returncode == 0 else []
    lines = [ln.split() for ln in text if ln.strip()]
    return bool(lines) and len(lines[-1]) >= 2 and lines[-1][1] == old


def _read_log(
    root: Path,
    prefixes: tuple[str, ...],
    prefix: str,
    head: str,
    toplevel: Path,
    shallow: bool,
    cache: Path | None,
) -> list[Commit]:
    """The log, oldest first: from ``cache`` plus the commits since its HEAD
    when that HEAD is still on the published line, else read whole. A
    shallow clone is always read whole (fetching deeper changes its past)."""
    if cache is None or shallow:
        return _full_log(root, prefixes, prefix)
    key = (_LOG_CACHE_VERSION, str(toplevel), prefix, prefixes, LOG_ARGS, _CONFIG)
    try:
        cached = pickle.loads(cache.read_bytes())
        if not isinstance(cached, dict) or cached.get("key") != key:
            cached = None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        cached = None
    if cached is not None and cached["head"] == head:
        return cached["commits"]
    if cached is not None and _on_first_parent_line(root, cached["head"], head):
        commits = cached["commits"] + _full_log(root, prefixes, prefix, since=cached["head"], head=head)
    else:
        commits = _full_log(root, prefixes, prefix)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps({"key": key, "head": head, "commits": commits}, pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, cache)
    except OSError:
        pass  # a cache that cannot be written costs time next build, nothing else
    return commits


def read_history(root: Path | str, prefixes=DEFAULT_PREFIXES, cache: Path | None = None) -> History:
    """Read the history of ``prefixes`` (paths relative to ``root``). Never raises.

    ``cache``: a file where a build keeps the parsed log between runs, so
    that only new commits are read (see :func:`_read_log`)."""
    root = Path(root)
    prefixes = tuple(prefixes)
    if shutil.which("git") is None:
        return _unavailable(root, "找不到 git 命令，无法读取修改历史", prefixes)
    if not root.is_dir():
        return _unavailable(root, f"文件夹 {root} 不存在", prefixes)
    try:
        rp = _run(root, ["rev-parse", "--show-toplevel", "--is-shallow-repository", "--show-prefix", "HEAD"])
    except OSError as exc:
        return _unavailable(root, f"无法运行 git：{exc}", prefixes)
    lines = _text(rp.stdout).split("\n")
    if rp.returncode != 0:
        if len(lines) >= 3 and lines[0].strip():
            # rev-parse answered for the repository but not for HEAD
            return _unavailable(root, "Git 仓库还没有任何提交，没有修改历史", prefixes)
        detail = _text(rp.stderr).strip().splitlines()
        msg = detail[0] if detail else ""
        if "dubious ownership" in msg:
            return _unavailable(
                root,
                f"Git 拒绝读取 {root}：仓库属于其他用户（可用 git config --global --add safe.directory 信任它）",
                prefixes,
            )
        return _unavailable(root, f"{root} 不在 Git 仓库中，没有修改历史（{msg}）", prefixes)
    if len(lines) < 4:
        return _unavailable(root, f"无法理解 git rev-parse 的输出：{_text(rp.stdout)!r}", prefixes)
    toplevel = Path(lines[0])
    shallow = lines[1].strip() == "true"
    prefix = lines[2]
    head = lines[3].strip()
    try:
        commits = _read_log(root, prefixes, prefix, head, toplevel, shallow, cache)
        status = _run(
            root, ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", *prefixes]
        )
        dirty = parse_status(status.stdout, prefix) if status.returncode == 0 else {}
    except _LogFailed as exc:
        return _unavailable(root, f"git log 失败：{exc}", prefixes)
    except (OSError, GitError, ValueError) as exc:
        return _unavailable(root, f"无法读取 Git 历史：{exc}", prefixes)
    h = History(
        root,
        available=True,
        shallow=shallow,
        head=head,
        toplevel=toplevel,
        prefix=prefix,
        commits=commits,
        dirty_paths=dirty,
        prefixes=prefixes,
    )
    if shallow:
        h.reason = "这是浅克隆（shallow clone），只包含最近的部分历史；较早的修改无法显示"
    return h


def head_date(root: Path) -> dt.date | None:
    """The date of the newest commit (committer date), or None without history."""
    try:
        r = _run(root, ["log", "-1", "--format=%cs"])
    except OSError:
        return None
    text = _text(r.stdout).strip()
    try:
        return dt.date.fromisoformat(text) if r.returncode == 0 and text else None
    except ValueError:
        return None


# ---------------------------------------------------------------- revisions named by people


@dataclass(frozen=True)
class RevInfo:
    """A commit named on the command line, with its date, author and subject."""

    rev: str
    commit: str
    date: str
    author: str
    subject: str


@dataclass
class Repo:
    """A repository as ``cunwu diff`` needs it: the project folder inside its work tree."""

    root: Path
    toplevel: Path
    prefix: str
    shallow: bool


def open_repo(root: Path) -> Repo:
    if shutil.which("git") is None:
        raise HistoryError("找不到 git 命令，无法比较修订")
    try:
        rp = _run(root, ["rev-parse", "--show-toplevel", "--is-shallow-repository", "--show-prefix"])
    except OSError as exc:
        raise HistoryError(f"无法运行 git：{exc}") from None
    if rp.returncode != 0:
        detail = (_text(rp.stderr).strip().splitlines() or [""])[0]
        if "dubious ownership" in detail:
            raise HistoryError(
                f"Git 拒绝读取 {root}：仓库属于其他用户（可用 git config --global --add safe.directory 信任它）"
            )
        raise UsageError(f"{root} 不在 Git 仓库中，没有修改历史，无法比较修订")
    lines = _text(rp.stdout).split("\n")
    if len(lines) < 3:
        raise HistoryError(f"无法理解 git rev-parse 的输出：{_text(rp.stdout)!r}")
    return Repo(root, Path(lines[0]), lines[2], lines[1].strip() == "true")


def resolve_rev(repo: Repo, rev: str) -> RevInfo:
    """The commit ``rev`` names, with its date, author and subject; UsageError when none."""
    if not rev or rev.startswith("-") or any(ch in rev for ch in "\0\n\r"):
        raise UsageError(f"修订名无效：“{clean(rev)}”")
    r = _run(
        repo.root,
        [
            "log",
            "-1",
            "--no-color",
            "--encoding=UTF-8",
            "--format=%H%x00%aI%x00%an%x00%s",
            f"{rev}^{{commit}}",
            "--",
        ],
    )
    fields = _text(r.stdout).strip("\n").split("\0")
    if r.returncode != 0 or len(fields) != 4:
        hint = ""
        if repo.shallow:
            hint = "；这是浅克隆，较早的提交不在本地（可用 git fetch --unshallow 取得完整历史）"
        elif _run(repo.root, ["rev-parse", "--verify", "-q", "HEAD"]).returncode != 0:
            hint = "；这个 Git 仓库还没有任何提交"
        raise UsageError(f"找不到修订 “{clean(rev)}”{hint}")
    sha, date, author, subject = fields
    return RevInfo(rev=rev, commit=sha, date=date, author=author, subject=subject)


def parse_raw(raw: bytes, strip: str) -> list[tuple[str, str | None, str | None, str | None, str | None]]:
    """``git diff --raw -z --no-abbrev`` -> (status, old path, new path, old blob, new blob)."""

    def rel(b: bytes) -> str:
        p = b.decode("utf-8", errors="surrogateescape")
        return p[len(strip) :] if strip and p.startswith(strip) else p

    def blob(s: bytes) -> str | None:
        t = s.decode()
        return None if set(t) <= {"0"} else t

    out: list[tuple[str, str | None, str | None, str | None, str | None]] = []
    tokens = raw.split(b"\0")
    i = 0
    while i < len(tokens):
        tok = tokens[i].lstrip(b"\n")
        if not tok:
            i += 1
            continue
        fields = tok[1:].split(b" ")
        if not tok.startswith(b":") or len(fields) < 5 or i + 1 >= len(tokens):
            raise HistoryError(f"无法解析的 git diff 输出：{_text(tok)}")
        status = fields[4][:1].decode()
        old: str | None
        new: str | None
        if status in ("R", "C"):
            old, new = rel(tokens[i + 1]), rel(tokens[i + 2])
            i += 3
        else:
            old = new = rel(tokens[i + 1])
            i += 2
        if status == "A":
            old = None
        elif status == "D":
            new = None
        out.append((status, old, new, blob(fields[2]), blob(fields[3])))
    return out


def read_worktree(root: Path, rel: str) -> bytes | None:
    """A file's content in the working tree as git would store it (a symlink is its target text)."""
    path = root / rel
    if os.path.islink(path):
        return os.fsencode(os.readlink(path))
    if not path.is_file():
        return None
    return path.read_bytes()


def similarity(a: bytes, b: bytes) -> float:
    if a == b:
        return 1.0
    sm = difflib.SequenceMatcher(None, a.split(b"\n"), b.split(b"\n"), autojunk=False)
    return sm.ratio()
