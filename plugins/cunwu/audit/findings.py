"""Findings, the rules' catalogue, and a finding's stable id."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("high", "medium", "low", "info")
SEVERITY_ZH = {"high": "严重", "medium": "较重", "low": "一般", "info": "提示"}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str  # Chinese, for the report
    group: str  # people | registers | money | ledgers


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("same-person-two-villages", "high", "同一人在两个村领取同一项目", "people"),
        Rule("exclusive-programs", "high", "同一人同月享受互相排斥的项目", "people"),
        Rule("paid-after-death", "high", "死亡后仍在发放", "registers"),
        Rule("undeclared-relative", "high", "村干部亲属享受待遇未备案", "registers"),
        Rule("declared-relative", "info", "村干部亲属享受待遇（已备案）", "registers"),
        Rule("on-public-payroll", "medium", "财政供养人员享受本项目", "registers"),
        Rule("owns-assets", "medium", "有车辆、工商登记或城镇房产者享受本项目", "registers"),
        Rule("over-standard", "medium", "金额超过发放标准", "money"),
        Rule("amount-jump", "low", "金额比上月突增", "money"),
        Rule("paid-after-end", "medium", "终止月份之后仍在发放", "money"),
        Rule("roster-ledger-mismatch", "high", "村级发放的名单合计与账目支出对不上", "money"),
        Rule("ledger-without-roster", "medium", "村级发放项目有支出但没有名单", "money"),
        Rule("split-payment", "high", "拆分支出，每笔刚好低于审批额度", "ledgers"),
        Rule("cash-over-limit", "medium", "现金支出超过限额", "ledgers"),
        Rule("payee-is-cadre", "medium", "收款人与本村干部同名", "ledgers"),
        Rule("voucher-reused", "medium", "同月同一凭证号用于不同日期的支出", "ledgers"),
        Rule("duplicate-payment", "medium", "同一收款人、金额、摘要重复支付", "ledgers"),
    )
}


@dataclass
class Evidence:
    file: str  # a repository path, or a register's file name
    line: int
    text: str  # what the line says, names and masked IDs only
    url: str = ""  # the public page, where there is one

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "text": self.text, "url": self.url}


@dataclass
class Finding:
    rule: str
    village: str  # the village it is filed under
    subject: str  # what it is about, stable from run to run (hashed into the id)
    summary: str  # one Chinese sentence: who or what, masked IDs only
    evidence: list[Evidence] = field(default_factory=list)
    amount_fen: int = 0  # the money concerned
    strength: str = ""  # how people were matched (model/identity.py), "" when no person match
    #: the size of the evidence that grows (months paid after death...); a
    #: reviewed finding comes back when it grows past what was reviewed
    size: int = 0
    #: set by the review file and the previous run
    reviewed: bool = False
    new: bool = False

    @property
    def id(self) -> str:
        return finding_id(self.rule, self.subject)

    @property
    def severity(self) -> str:
        return RULES[self.rule].severity

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "severity": self.severity,
            "title": RULES[self.rule].title,
            "village": self.village,
            "summary": self.summary,
            "amount": fen_text(self.amount_fen) if self.amount_fen else "",
            "strength": self.strength,
            "size": self.size,
            "reviewed": self.reviewed,
            "new": self.new,
            "evidence": [e.as_dict() for e in self.evidence],
        }


def finding_id(rule: str, subject: str) -> str:
    return hashlib.sha256(f"{rule}\x00{subject}".encode()).hexdigest()[:12]


def rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def fen_text(n: int) -> str:
    """Whole fen as yuan text, exactly: 72000 → ``720.00``."""
    sign = "-" if n < 0 else ""
    n = abs(int(n))
    return f"{sign}{n // 100}.{n % 100:02d}"
