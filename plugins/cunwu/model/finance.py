"""A finance statement (财务公开): one month or quarter of a village's books."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from .base import Attachment, Disclosure, Model, NoticePeriod
from .types import AccountCode, Date, Int, Money, PeriodField, Text


class LedgerLine(Model):
    """One income or expense line (逐项逐笔), matched across edits by voucher and line."""

    date: Date = Field(description="记账日期")
    voucher: Text = Field(description="凭证号（按原样保留，包括开头的 0），如 记-012")
    line: Int = Field(default=1, ge=1, description="凭证内的行号")
    account: AccountCode = Field(description="会计科目代码，可为明细科目，如 51301")
    summary: Text = Field(description="摘要")
    amount: Money = Field(description="金额（元）")
    handler: Text | None = Field(default=None, description="经办人（支出必填）")
    approver: Text | None = Field(default=None, description="审批人（支出必填）")
    attachments: list[Attachment] = Field(default_factory=list, description="凭证附件")
    payee: Text | None = Field(default=None, description="收款人（单位或个人），审计时检查拆分支出")
    method: Literal["cash", "bank"] | None = Field(
        default=None, description="支付方式：cash 现金；bank 银行转账"
    )


class Transfer(Model):
    """Money moved between cash and the bank (现金存取): neither income nor expense."""

    date: Date = Field(description="日期")
    voucher: Text = Field(description="凭证号")
    line: Int = Field(default=1, ge=1, description="凭证内的行号")
    direction: Literal["cash_to_bank", "bank_to_cash"] = Field(
        description="cash_to_bank 现金存入银行；bank_to_cash 从银行提取现金"
    )
    summary: Text = Field(description="摘要")
    amount: Money = Field(description="金额（元）")


class PassThrough(Model):
    """Money collected for others and paid on (代收代付): shown apart from income and expense."""

    date: Date = Field(description="日期")
    voucher: Text = Field(description="凭证号")
    line: Int = Field(default=1, ge=1, description="凭证内的行号")
    summary: Text = Field(description="摘要，如 代收城乡居民医保费")
    received: Money = Field(default=Decimal("0"), description="代收金额")
    paid: Money = Field(default=Decimal("0"), description="代付金额")


class Totals(Model):
    income: Money = Field(description="本期收入合计")
    expense: Money = Field(description="本期支出合计")


class SignOff(Model):
    """The sign-off chain: handler signs, oversight reviews, head approves, accountant records."""

    handler: Text = Field(description="报账员（经办）")
    oversight: list[Text] = Field(description="村务监督委员会审核人")
    approver: Text = Field(description="审批人（村负责人）")
    accountant: Text | None = Field(default=None, description="记账会计（如镇经管站会计）")


class FinanceStatement(Disclosure):
    """``villages/<id>/finance/YYYY-MM.yaml`` or ``YYYY-Qn.yaml``."""

    period: PeriodField = Field(description="公开期间：YYYY-MM 或 YYYY-Qn，须与文件名一致")
    title: Text | None = Field(default=None, description="标题；不填则为“××村××年×月财务公开”")
    notice: NoticePeriod | None = Field(default=None, description="公示期")
    opening_balance: Money = Field(description="期初余额（现金+银行存款）")
    income: list[LedgerLine] = Field(default_factory=list, description="收入明细")
    expense: list[LedgerLine] = Field(default_factory=list, description="支出明细")
    transfers: list[Transfer] = Field(default_factory=list, description="现金与银行存款之间的划转")
    pass_through: list[PassThrough] = Field(default_factory=list, description="代收代付")
    totals: Totals = Field(description="本期收入、支出合计")
    closing_balance: Money = Field(description="期末余额 = 期初 + 收入 − 支出 + 代收 − 代付")
    signoff: SignOff = Field(description="签字：经办、监督、审批、记账")
    note: Text | None = Field(default=None, description="说明")

    @property
    def income_sum(self) -> Decimal:
        return sum((x.amount for x in self.income), Decimal("0"))

    @property
    def expense_sum(self) -> Decimal:
        return sum((x.amount for x in self.expense), Decimal("0"))

    @property
    def pass_net(self) -> Decimal:
        return sum((p.received - p.paid for p in self.pass_through), Decimal("0"))
