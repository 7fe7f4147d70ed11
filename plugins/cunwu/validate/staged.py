"""The privacy check before a commit: what is *staged*, not the working tree.

Once a full ID number is committed, git keeps it forever (see the README's
leak runbook), so the check runs as a pre-commit hook: ``cunwu install-hook``
or the pre-commit framework (``.pre-commit-hooks.yaml``). It reads every
staged file from the index with one ``git cat-file --batch``, and scans the
bytes and the file name with the same detector as ``cunwu validate`` and the
build. Numbers declared as official contacts in the staged ``cunwu.yaml`` and
``village.yaml`` files are allowed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

from ..errors import HistoryError
from ..load.yamlsafe import decode_text, parse_yaml
from ..privacy import FICTIONAL_FOLDER, redact
from ..problems import Problem
from ..sources import CONFIG_NAME, TEXT_SUFFIXES, classify
from .sheetscan import fictional_register_problems, is_sheet
from .sourcescan import privacy_problems, scan_source

#: the data cadres publish (``--data-only``); by default the hook guards every
#: staged file: a number in a theme template or a note is committed all the same
DATA_PREFIXES = (CONFIG_NAME, "villages/", "powers/", "content/")


def _is_text(rel: str, raw: bytes) -> bool:
    """A source kind cunwu reads, or any file that is UTF-8 text (a .tsv, a
    template, notes): binary files (photos, spreadsheets) cannot be read."""
    if PurePosixPath(rel).suffix.lower() in TEXT_SUFFIXES:
        return True
    if b"\0" in raw[:8192]:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _git(root: Path, *args: str, data: bytes | None = None) -> bytes:
    try:
        return subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=root,
            input=data,
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
    except FileNotFoundError:
        raise HistoryError("找不到 git 命令") from None
    except subprocess.CalledProcessError as exc:
        raise HistoryError(f"git 出错：{exc.stderr.decode('utf-8', 'replace').strip()}") from None


def staged_files(root: Path) -> list[str]:
    out = _git(root, "diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--relative")
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def read_index(root: Path, paths: list[str]) -> dict[str, bytes]:
    """Staged content of ``paths``, in one ``git cat-file --batch`` call."""
    if not paths:
        return {}
    prefix = _git(root, "rev-parse", "--show-prefix").decode().strip()
    request = "".join(f":{prefix}{p}\n" for p in paths).encode("utf-8", "surrogateescape")
    raw = _git(root, "cat-file", "--batch", data=request)
    out, pos = {}, 0
    for p in paths:
        end = raw.index(b"\n", pos)
        header = raw[pos:end].split()
        pos = end + 1
        if len(header) != 3:  # "missing": e.g. a submodule
            continue
        size = int(header[2])
        out[p] = raw[pos : pos + size]
        pos += size + 1
    return out


def _official_numbers(contents: dict[str, bytes]) -> dict[str, list[str]]:
    """Official numbers per scope: "" for the township, else the village id."""
    from ..model.township import TownshipConfig
    from ..model.village import Village

    numbers: dict[str, list[str]] = {}
    for rel, raw in contents.items():
        sf = classify(rel)
        if sf.kind not in ("config", "village"):
            continue
        text, _ = decode_text(rel, raw)
        located, _ = parse_yaml(rel, text) if text else (None, [])
        if located is None:
            continue
        try:
            model = (TownshipConfig if sf.kind == "config" else Village).model_validate(located.data)
        except Exception:  # noqa: BLE001 - an invalid file declares nothing
            continue
        numbers[sf.village or ""] = model.official_numbers()
    return numbers


def check_staged(root: Path, data_only: bool = False) -> tuple[list[Problem], int]:
    """Personal numbers in the staged content (file names included), and how
    many files were checked: every staged file, or with ``data_only`` only
    those under :data:`DATA_PREFIXES`."""
    paths = [p for p in staged_files(root) if not data_only or p.startswith(DATA_PREFIXES)]
    contents = read_index(root, paths)
    # official numbers: from the staged settings, else the committed/working ones
    settings = [CONFIG_NAME] + sorted(
        {f"villages/{classify(p).village}/village.yaml" for p in paths if classify(p).village}
    )
    known = {p: (root / p).read_bytes() for p in settings if p not in contents and (root / p).is_file()}
    numbers = _official_numbers({**known, **{p: contents[p] for p in settings if p in contents}})
    problems: list[Problem] = []
    for rel in paths:
        allowed = numbers.get("", []) + numbers.get(classify(rel).village or "", [])
        for p in privacy_problems(rel, rel, allowed):
            # the report must not repeat the number: show the path masked
            problems.append(Problem(redact(rel), 0, p.code, "文件名中" + p.message, "", p.severity))
        raw = contents.get(rel)
        if raw is not None and rel.startswith(FICTIONAL_FOLDER):
            problems.extend(fictional_register_problems(rel, raw, allowed))
        elif raw is not None and (_is_text(rel, raw) or is_sheet(rel)):
            # parsed as validate parses it: folded YAML lines, escapes and
            # Markdown markup hide nothing from the hook either
            problems.extend(scan_source(rel, raw, allowed))
    return problems, len(paths)


HOOK = """#!/bin/sh
# Installed by `cunwu install-hook`: refuse a commit that contains a full ID
# number, a bank card number or a private mobile number. Git keeps every
# committed version forever, so this must run before the commit exists.
exec "{python}" -m cunwu.cli privacy-check --staged
"""


def install_hook(root: Path, python: str, force: bool = False) -> Path:
    hooks = Path(_git(root, "rev-parse", "--git-path", "hooks").decode().strip())
    if not hooks.is_absolute():
        hooks = root / hooks
    hook = hooks / "pre-commit"
    if hook.exists() and "cunwu install-hook" not in hook.read_text("utf-8", "replace") and not force:
        from ..errors import UsageError

        raise UsageError(
            f"{hook} 已存在且不是 cunwu 安装的；加 --force 覆盖，或用 pre-commit 框架（.pre-commit-hooks.yaml）"
        )
    hooks.mkdir(parents=True, exist_ok=True)
    hook.write_text(HOOK.format(python=python), "utf-8")
    hook.chmod(0o755)
    return hook
