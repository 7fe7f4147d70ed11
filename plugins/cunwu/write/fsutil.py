"""Filesystem primitives for safe, incremental builds.

* :func:`write_if_changed` never writes in place: a file whose bytes are the
  same is left alone (same inode, same mtime, so rsync and object-storage
  sync move nothing), and a changed file is written to a temporary name and
  renamed over the old one. That matters because staging trees share inodes
  with the live site through hard links: writing in place would change the
  live site in the middle of a build.
* :func:`stage_tree` makes a staging copy of a live directory. Where a
  township runs Pelican plugins of its own, every file is a real copy with
  its modification time: a plugin may write into a file in place
  (``open(path, "w")``), and must never reach the live site through a
  shared inode. Without them only cunwu's writer writes, never in place, so
  hard links are as safe and copy nothing (a fifth of rebuilding a village
  went into the copies).
* :func:`exchange` swaps the staging tree and the live tree with one atomic
  ``renameat2(RENAME_EXCHANGE)`` where the kernel and filesystem offer it,
  else with two renames.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
from pathlib import Path

_libc = None
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def write_if_changed(path: Path, data: bytes, staging: bool = False) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly these bytes.

    Never in place: a changed file is written aside and renamed over. In a
    staging tree (``staging=True``), which is discarded whole on failure, a
    new file is written straight away: it shares no inode with the live site."""
    try:
        st = path.stat()
    except FileNotFoundError:
        if not staging:
            path.parent.mkdir(parents=True, exist_ok=True)
            return _replace(path, data)
        try:
            with open(path, "xb") as f:
                f.write(data)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as f:
                f.write(data)
        return True
    if st.st_size == len(data) and path.read_bytes() == data:
        return False
    return _replace(path, data)


def _replace(path: Path, data: bytes) -> bool:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return True


def stage_tree(live: Path, staging: Path, link: bool = False) -> dict[str, tuple[int, int]]:
    """Fill ``staging`` with a copy of every file of ``live`` (modification times
    kept), or with hard links when ``link`` (only when nothing writes in place);
    return each file's (size, mtime_ns), by relative path."""
    if staging.exists():
        shutil.rmtree(staging)
    if not live.is_dir():
        staging.mkdir(parents=True)
        return {}
    copied = {}
    for dirpath, _dirs, filenames in os.walk(live):
        rel = os.path.relpath(dirpath, live)
        target = staging if rel == "." else staging / rel
        target.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            dst = target / name
            src = os.path.join(dirpath, name)
            if link:
                try:
                    os.link(src, dst)
                except OSError:  # a filesystem without hard links
                    link = False
            if not link:
                shutil.copy2(src, dst)
            st = dst.stat()
            copied[dst.relative_to(staging).as_posix()] = (st.st_size, st.st_mtime_ns)
    return copied


def settle(tree: Path, known: dict[str, tuple[int, int]], keep: set[str]) -> set[str]:
    """One walk over a staging tree after a run: the files written by someone
    else than the writer that ``known`` (size, mtime_ns) describes (new, or
    another size or mtime) are kept and returned; the others not in ``keep``
    are deleted, and emptied folders with them."""
    written: set[str] = set()
    for dirpath, _dirs, filenames in os.walk(tree, topdown=False):
        for name in filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, tree).replace(os.sep, "/")
            st = os.stat(full)
            if known.get(rel) != (st.st_size, st.st_mtime_ns):
                written.add(rel)
            elif rel not in keep:
                os.unlink(full)
        if dirpath != str(tree) and not os.listdir(dirpath):
            os.rmdir(dirpath)
    return written


def _renameat2(a: Path, b: Path) -> bool:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    fn = getattr(_libc, "renameat2", None)
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def exchange(staging: Path, live: Path) -> None:
    """Put ``staging`` in place of ``live``; the old tree ends up at ``staging``.

    Atomic where ``renameat2`` supports RENAME_EXCHANGE (Linux ext4, xfs,
    tmpfs, btrfs). Elsewhere two renames leave ``live`` missing for an instant.
    """
    if not live.exists():
        live.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, live)
        return
    try:
        if _renameat2(staging, live):
            return
    except OSError:
        pass
    old = staging.with_name(staging.name + ".old")
    os.rename(live, old)
    os.rename(staging, live)
    os.rename(old, staging)
