"""The validated project: what later stages (render, write, history) consume.

These are plain containers; building them is the job of
:mod:`cunwu.validate.engine`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..model.finance import FinanceStatement
from ..model.notice import Notice
from ..model.power import PowerCatalog, PowerItem
from ..model.subsidy import SubsidyRoster
from ..model.township import Account, Program, TownshipConfig
from ..model.village import Village

#: URL segment of each disclosure kind (part of the permanent URL scheme)
KIND_SEGMENT = {"finance": "finance", "subsidy": "subsidies", "notice": "notices", "power": "powers"}


def canonical_json(model: Any) -> str:
    """Content as parsed data: re-indenting or reordering keys changes nothing."""
    data = model.model_dump(mode="json") if hasattr(model, "model_dump") else model
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass
class Doc:
    """One loaded, validated disclosure file."""

    kind: str  # finance | subsidy | notice | power | catalog | village | config
    key: str  # identity inside the village: period, period-program, slug or item id
    rel: str  # source path relative to the project root
    model: Any
    body: str | None = None  # Markdown body of a notice
    sha: str = ""  # git blob id of the raw bytes
    #: line of each top-level field, for problems found across files
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)

    @cached_property
    def canonical(self) -> str:
        """The parsed content as canonical JSON (also the ``data`` of its open-data file)."""
        return canonical_json(self.model)

    @cached_property
    def content_hash(self) -> str:
        """Hash of the parsed content (not the bytes) plus the notice body."""
        h = hashlib.sha256(self.canonical.encode())
        if self.body is not None:
            h.update(b"\0" + self.body.strip().encode())
        return h.hexdigest()

    @property
    def url_path(self) -> str:
        """Path of the disclosure inside its village site, e.g. ``finance/2026-10/``."""
        return f"{KIND_SEGMENT[self.kind]}/{self.key}/"


@dataclass
class TownshipContext:
    """Township-level facts every village check needs."""

    root: Path
    config: TownshipConfig
    accounts: dict[str, Account]
    programs: dict[str, Program]
    catalog: PowerCatalog | None
    powers: dict[str, Doc] = field(default_factory=dict)
    catalog_doc: Doc | None = None
    #: "kind:key" -> history.versions.DocHistory of township documents
    histories: dict = field(default_factory=dict)

    def official_numbers(self, village: Village | None = None) -> list[str]:
        # config.complaint is None only when cunwu.yaml itself failed to validate
        nums = self.config.official_numbers() if self.config.complaint is not None else []
        if village is not None:
            nums += village.official_numbers()
        return nums


@dataclass
class VillageBundle:
    """Everything one village publishes, validated."""

    id: str
    village: Village
    village_doc: Doc
    finance: list[Doc] = field(default_factory=list)  # sorted by period
    rosters: list[Doc] = field(default_factory=list)  # sorted by period, program
    notices: list[Doc] = field(default_factory=list)  # sorted by date, slug
    powers: list[Doc] = field(default_factory=list)  # resolved list, sorted by number
    attachments: list[str] = field(default_factory=list)  # rel paths
    #: "kind:key" -> history.versions.DocHistory of the village's own documents
    histories: dict = field(default_factory=dict)

    def disclosures(self) -> list[Doc]:
        return self.finance + self.rosters + self.notices + self.powers

    @property
    def finance_models(self) -> list[FinanceStatement]:
        return [d.model for d in self.finance]

    @property
    def roster_models(self) -> list[SubsidyRoster]:
        return [d.model for d in self.rosters]

    @property
    def notice_models(self) -> list[Notice]:
        return [d.model for d in self.notices]

    @property
    def power_models(self) -> list[PowerItem]:
        return [d.model for d in self.powers]


@dataclass
class Project:
    """The whole township after validation."""

    township: TownshipContext
    villages: dict[str, VillageBundle]
    report: Any  # cunwu.problems.Report
