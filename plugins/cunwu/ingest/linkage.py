"""Linkage keys and the git-ignored sidecar that holds them.

A linkage key lets the county cross-check registers (deaths, the same person
paid in two villages, cadres' relatives) without anyone keeping full ID
numbers: it is HMAC-SHA256 of the normalised 18-character ID number under a
county-wide secret, read from the environment variable ``CUNWU_LINK_SECRET``.
Two villages importing with the same secret get the same key for the same
person; without the secret a key tells nothing.

With the 6-4 mask the hidden digits are only a birth date, so a leaked key
*and* a leaked secret give the number back by trying every date. So the key
is never published: it goes only into ``.cunwu/linkage/<village>.json``,
which git ignores (the folder carries its own ``.gitignore``). Build,
export, diff and open data never read it; a key found in any tracked or
staged file or in build output is a ``linkage-key-leak``
(:data:`cunwu.privacy.LINK_KEY`). The format is in docs/import.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import tempfile
from pathlib import Path

SECRET_ENV = "CUNWU_LINK_SECRET"
PREFIX = "cwlk-"
MIN_SECRET_CHARS = 16
SIDECAR_DIR = ".cunwu/linkage"
FORMAT = 1


def secret_from_env() -> tuple[bytes | None, str]:
    """(secret or None, a Chinese note when it is missing or unusable)."""
    value = os.environ.get(SECRET_ENV, "")
    if not value:
        return None, f"没有设置环境变量 {SECRET_ENV}（全县统一的关联密钥），本次没有生成身份证关联码"
    if len(value) < MIN_SECRET_CHARS:
        return None, f"环境变量 {SECRET_ENV} 太短（至少 {MIN_SECRET_CHARS} 个字符），本次没有生成身份证关联码"
    return value.encode("utf-8"), ""


def linkage_key(full_id18: str, secret: bytes) -> str:
    """``cwlk-`` + the first 128 bits of HMAC-SHA256, in lowercase base32 (26 characters)."""
    mac = hmac.new(secret, full_id18.upper().encode("ascii"), hashlib.sha256).digest()
    return PREFIX + base64.b32encode(mac[:16]).decode("ascii").rstrip("=").lower()


def sidecar_path(root: Path, village: str) -> Path:
    return root / SIDECAR_DIR / f"{village}.json"


def load_sidecar(root: Path, village: str) -> dict:
    """The village's sidecar: {"rows": {row key: {...}}}; empty if there is none."""
    path = sidecar_path(root, village)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {"format": FORMAT, "village": village, "rows": {}}
    if not isinstance(data, dict) or not isinstance(data.get("rows"), dict):
        return {"format": FORMAT, "village": village, "rows": {}}
    return data


def save_sidecar(root: Path, village: str, data: dict) -> Path:
    """Write atomically, readable by the owner only, in a folder git ignores."""
    folder = root / SIDECAR_DIR
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    ignore = root / ".cunwu" / ".gitignore"
    if not ignore.exists():
        # the folder ignores itself, whatever the repository's own .gitignore says
        ignore.write_text("# cunwu: local data that must never be committed\n*\n", "utf-8")
    path = sidecar_path(root, village)
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
