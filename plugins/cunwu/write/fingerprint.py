"""Content hashes that decide what a build must redo.

* the code fingerprint: every module of the cunwu package, so a change of
  the tool (not only of its version number) invalidates every cached page;
* one fingerprint per template: its own source plus every template it
  extends, includes or imports, so editing ``roster.html`` invalidates the
  roster pages and nothing else, and editing ``base.html`` invalidates all;
* source file hashes, remembered by (size, mtime, inode) like git's index,
  so an unchanged county costs one ``stat`` per file, not one read.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import stat
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, meta

import cunwu

from ..sources import SourceFile


def sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    pkg = Path(cunwu.__file__).parent
    h = hashlib.sha256()
    for path in sorted(pkg.rglob("*")):
        if path.suffix in (".py", ".yaml", ".txt", ".json") and "__pycache__" not in path.parts:
            h.update(path.relative_to(pkg).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def template_fingerprints(template_dirs: list[Path], cache_file: Path | None = None) -> dict[str, str]:
    """``{"roster": fp, ...}`` for every ``*.html`` template, dependencies included.
    ``template_dirs`` is the search path, first match wins (a township's
    overrides before the theme), as in a Pelican run.

    Finding the dependencies parses every template (a tenth of a no-change
    build); with ``cache_file`` the answer is kept, keyed by the templates'
    names and text, so it is parsed again only when a template changed."""
    sources: dict[str, str] = {}
    for folder in template_dirs:
        for p in sorted(folder.glob("*.html")):
            sources.setdefault(p.name, p.read_text("utf-8"))
    key = sha(*(n + "\0" + t for n, t in sorted(sources.items())))
    if cache_file is not None:
        try:
            cached = json.loads(cache_file.read_text("utf-8"))
            if cached.get("key") == key:
                fps: dict[str, str] = cached["fingerprints"]
                return fps
        except (OSError, ValueError, KeyError, AttributeError):
            pass
    env = Environment()
    deps = {}
    for name, text in sources.items():
        refs = meta.find_referenced_templates(env.parse(text))
        deps[name] = sorted(r for r in refs if r)

    def closure(name: str, seen: set[str]) -> list[str]:
        if name in seen or name not in sources:
            return []
        seen.add(name)
        out = [name]
        for d in deps[name]:
            out += closure(d, seen)
        return out

    fps = {
        name[: -len(".html")]: sha(*(n + "\0" + sources[n] for n in sorted(closure(name, set()))))
        for name in sources
    }
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_name(cache_file.name + ".tmp")
        tmp.write_text(json.dumps({"key": key, "fingerprints": fps}), "utf-8")
        tmp.replace(cache_file)
    return fps


def static_files(static_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(static_dir.iterdir()) if p.is_file()}


class FileHashes:
    """sha256 of source files, cached by (size, mtime_ns, inode)."""

    def __init__(self, cache_file: Path):
        self.cache_file = cache_file
        try:
            self.entries: dict[str, tuple] = pickle.loads(cache_file.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, ValueError):
            self.entries = {}
        self.dirty = False

    def hash_all(self, root: Path, files: list[SourceFile]) -> dict[str, str]:
        out = {}
        fresh = {}
        base = str(root)
        for sf in files:
            full = os.path.join(base, sf.rel)
            try:
                st = os.stat(full)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue  # a FIFO or a device would block or never end: validation reports it
            stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
            old = self.entries.get(sf.rel)
            if old is not None and old[0] == stamp:
                digest = old[1]
            else:
                try:
                    with open(full, "rb") as f:
                        digest = hashlib.sha256(f.read()).hexdigest()
                except OSError:  # a folder where a file should be: validation reports it
                    continue
                self.dirty = True
            fresh[sf.rel] = (stamp, digest)
            out[sf.rel] = digest
        if fresh.keys() != self.entries.keys():
            self.dirty = True
        self.entries = fresh
        return out

    def size(self, rel: str) -> int:
        """Bytes of a source file, as of the last :meth:`hash_all`."""
        entry = self.entries.get(rel)
        return entry[0][0] if entry else 0

    def save(self) -> None:
        if self.dirty:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_file.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(self.entries, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, self.cache_file)
