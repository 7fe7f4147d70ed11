"""The validated project: what later stages (render, write) consume.

These are plain containers; building them is the job of
:mod:`cunwu.validate.township` and :mod:`cunwu.validate.village`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..kinds import KINDS, disclosure_kinds
from ..load.document import Doc
from ..model.finance import FinanceStatement
from ..model.notice import Notice
from ..model.power import PowerCatalog, PowerItem
from ..model.subsidy import SubsidyRoster
from ..model.township import Account, Program, TownshipConfig
from ..model.village import Village
from ..problems import Report

if TYPE_CHECKING:
    from ..history.versions import DocHistory


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
    #: "kind:key" -> the versions and silent edits of each township document
    histories: dict[str, DocHistory] = field(default_factory=dict)

    def official_numbers(self, village: Village | None = None) -> list[str]:
        # config.complaint is None only when cunwu.yaml itself failed to validate
        nums = self.config.official_numbers() if self.config.complaint is not None else []
        if village is not None:
            nums += village.official_numbers()
        return nums

    def township_docs(self) -> list[Doc]:
        """The township's own disclosures: the shared power items and the catalog."""
        return list(self.powers.values()) + ([self.catalog_doc] if self.catalog_doc else [])


@dataclass
class VillageBundle:
    """Everything one village publishes, validated."""

    id: str
    village: Village
    village_doc: Doc
    #: kind name -> the village's documents of that kind, in the kind's order;
    #: "power" is the resolved list (township items, minus exclusions, plus own)
    docs: dict[str, list[Doc]] = field(default_factory=lambda: {k: [] for k in KINDS})
    attachments: list[str] = field(default_factory=list)  # rel paths
    #: "kind:key" -> the versions and silent edits of the village's own documents
    histories: dict[str, DocHistory] = field(default_factory=dict)

    def of(self, kind: str) -> list[Doc]:
        return self.docs.setdefault(kind, [])

    @property
    def finance(self) -> list[Doc]:  # sorted by period
        return self.of("finance")

    @property
    def rosters(self) -> list[Doc]:  # sorted by period, program
        return self.of("subsidy")

    @property
    def notices(self) -> list[Doc]:  # sorted by date, slug
        return self.of("notice")

    @property
    def powers(self) -> list[Doc]:  # resolved list, sorted by number
        return self.of("power")

    def disclosures(self) -> list[Doc]:
        """Every disclosure the village publishes, kind by kind in registry order
        (finance, rosters, notices, then the power items)."""
        return [d for k in disclosure_kinds("village") for d in self.of(k.name)]

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
    report: Report
