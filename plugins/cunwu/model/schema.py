"""JSON Schemas for editors, generated from the models (``cunwu schema``).

With the YAML language server (VS Code's YAML extension and others), a first
line ``# yaml-language-server: $schema=...`` gives cadres autocompletion,
hover help (the Chinese field descriptions) and red squiggles for typos.
"""

from __future__ import annotations

import json
from pathlib import Path

from .finance import FinanceStatement
from .notice import Notice
from .power import PowerCatalog, PowerItem
from .subsidy import SubsidyRoster
from .township import ChartOfAccounts, TownshipConfig
from .village import Village

#: file name -> (model, title)
SCHEMAS = {
    "cunwu.schema.json": (TownshipConfig, "cunwu.yaml 乡镇设置"),
    "village.schema.json": (Village, "village.yaml 村基本信息"),
    "power-catalog.schema.json": (PowerCatalog, "powers/catalog.yaml 权力清单类别与负面清单"),
    "power.schema.json": (PowerItem, "小微权力事项及流程图"),
    "finance.schema.json": (FinanceStatement, "财务公开"),
    "subsidy.schema.json": (SubsidyRoster, "惠民资金公示名单"),
    "notice.schema.json": (Notice, "公告 Markdown 文件的 YAML 头部"),
    "accounts.schema.json": (ChartOfAccounts, "自定义会计科目表"),
}


def schema_texts() -> dict[str, str]:
    out = {}
    for name, (model, title) in SCHEMAS.items():
        schema = model.model_json_schema()
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
