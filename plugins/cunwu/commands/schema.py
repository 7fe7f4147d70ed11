"""JSON Schemas for editors, generated from the models (``cunwu schema``).

With the YAML language server (VS Code's YAML extension and others), a first
line ``# yaml-language-server: $schema=...`` gives cadres autocompletion,
hover help (the Chinese field descriptions) and red squiggles for typos.
One schema per file kind of the registry (``Kind.schema``).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..kinds import ACCOUNTS, KINDS


def schema_texts() -> dict[str, str]:
    out = {}
    for kind in (*KINDS.values(), ACCOUNTS):
        if kind.schema is None:
            continue
        name, title = kind.schema
        schema = kind.model.model_json_schema()
        schema["title"] = title
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        out[name] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return out


def write_schemas(out_dir: Path) -> list[Path]:
    """Write every schema into ``out_dir``; return the files that changed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in schema_texts().items():
        path = out_dir / name
        if not path.exists() or path.read_text("utf-8") != text:
            path.write_text(text, "utf-8")
            changed.append(path)
    return changed
