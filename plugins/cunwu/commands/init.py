"""``cunwu init DIR``: a new township repository that validates and builds at once.

As ``mkdocs new`` or ``pelican-quickstart`` do, it writes what a township
needs to start, and nothing of the demo's: ``cunwu.yaml`` with a comment in
Chinese on every setting, one example village, an about page, a
``.gitignore`` that keeps spreadsheets, the linkage sidecar (``.cunwu/``)
and ``build/`` out of git, a README in Chinese with the township's two
commands, and CI workflows for GitHub Actions and GitLab CI that check out
the whole history, install cunwu, validate, and build with
``--require-history --manifest <base_url>versions.json`` (plus a
first-publication run for when no site exists yet). The repository is
``git init``-ed and the pre-commit privacy hook installed.

The files are in :mod:`cunwu.commands.init_files`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import UsageError
from . import init_files


@dataclass
class InitOptions:
    target: Path
    township: str = "example"
    #: how CI installs cunwu (a pip requirement); default this version
    cunwu_spec: str | None = None
    #: the Python whose cunwu the hook runs (default: this one)
    python: str = sys.executable


@dataclass
class InitResult:
    root: Path
    files: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)


def init_project(opts: InitOptions) -> InitResult:
    """Write a new township repository into ``opts.target`` (absent or empty)."""
    target = Path(opts.target)
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", opts.township):
        raise UsageError(f"--township 只能用小写字母、数字和短横线，如 qingshui：{opts.township}")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} 已存在且不是空文件夹：请换一个新文件夹")
    if shutil.which("git") is None:
        raise UsageError("没有找到 git：请先安装 git（Debian：apt-get install git）")
    spec = opts.cunwu_spec or f"cunwu=={__version__}"
    files = init_files.files(opts.township, spec)
    target.mkdir(parents=True, exist_ok=True)
    result = InitResult(target)
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        result.files.append(rel)
    git = ["git", "-C", str(target)]
    subprocess.run([*git, "init", "-q"], check=True)
    from ..validate.staged import install_hook

    hook = install_hook(target, opts.python)
    result.summary = [
        f"已在 {target} 新建乡镇仓库（{len(files)} 个文件），并安装了提交前检查：{hook}",
        "下一步：",
        f"  cd {target}",
        "  cunwu validate        # 检查",
        "  cunwu build           # 生成网站（build/site/）",
        "然后按 README.md 修改 cunwu.yaml 和示例村，提交：git add -A && git commit -m 开始",
    ]
    return result
