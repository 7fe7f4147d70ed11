"""The audit's rules, as joins and windows over dataframes (Polars).

Each rule takes the township's rows (:class:`cunwu.audit.data.Township`),
the registers and the settings, and returns findings. The joins are
declarative; Python only shapes the few rows that matched into findings.
People are matched as validate matches them (:mod:`cunwu.model.identity`):
on the linkage key where both sides have one, otherwise on name plus the
masked ID's visible digits, and every finding says which.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import polars as pl

from ..model.township import AuditSettings, Program
from ..words import money_text
from .data import Township, nv_expr
from .findings import Evidence, Finding, fen_text
from .registers import Register

PERSON_COLS = ["line", "name", "id_masked", "nv", "link"]


# ---------------------------------------------------------------- helpers


def match_people(left: pl.DataFrame, right: pl.DataFrame, by: tuple[str, ...] = ()) -> pl.DataFrame:
    """Rows of ``left`` and ``right`` (its columns prefixed ``r_``) that are the
    same person, with ``strength``: ``linkage`` when both carry a linkage key
    (and they are equal), ``name-id`` when either lacks one and name plus the
    masked ID's visible digits are equal. ``by``: columns that must also be
    equal (program, month), joined on with the person, so that a person seen
    every month is not paired with every other month first."""
    lf = left.lazy()
    r = right.lazy().rename({c: f"r_{c}" for c in right.columns})
    rby = [f"r_{c}" for c in by]
    has, r_has = pl.col("link").is_not_null(), pl.col("r_link").is_not_null()
    strong = lf.filter(has).join(
        r.filter(r_has), left_on=["link", *by], right_on=["r_link", *rby], coalesce=False
    )
    # the weaker match only where a side has no key: rows without one against
    # all, rows with one against those without
    nv, r_nv = pl.col("nv").is_not_null(), pl.col("r_nv").is_not_null()
    weak = [
        lf.filter(~has & nv).join(
            r.filter(r_nv), left_on=["nv", *by], right_on=["r_nv", *rby], coalesce=False
        ),
        lf.filter(has & nv).join(
            r.filter(~r_has & r_nv), left_on=["nv", *by], right_on=["r_nv", *rby], coalesce=False
        ),
    ]
    return pl.concat(
        [strong.with_columns(pl.lit("linkage").alias("strength"))]
        + [w.with_columns(pl.lit("name-id").alias("strength")) for w in weak],
        how="diagonal_relaxed",
    ).collect()


def person_of(row: dict[str, Any]) -> str:
    """A person's identity inside a subject (hashed, never shown)."""
    return row["link"] if row.get("strength") == "linkage" and row.get("link") else row["nv"]


def who(row: dict[str, Any], prefix: str = "") -> str:
    masked = row.get(prefix + "id_masked")
    return f"{row[prefix + 'name']}（{masked}）" if masked else str(row[prefix + "name"])


def roster_ev(row: dict[str, Any], prefix: str = "") -> Evidence:
    g = row.get
    text = f"{g(prefix + 'month')} {g(prefix + 'program')} {who(row, prefix)} {money_text(g(prefix + 'amount'))} 元"
    return Evidence(str(g(prefix + "rel")), int(g(prefix + "line") or 0), text, str(g(prefix + "url") or ""))


def ledger_ev(row: dict[str, Any]) -> Evidence:
    payee = f" 收款人 {row['payee']}" if row.get("payee") else ""
    how = {"cash": " 现金", "bank": " 银行转账"}.get(row.get("method") or "", "")
    text = f"{row['date']} {row['voucher']} {row['summary']}{payee}{how} {money_text(row['amount'])} 元"
    return Evidence(row["rel"], int(row["line"]), text, row.get("url") or "")


def register_ev(reg: Register, row: dict[str, Any], detail: str = "") -> Evidence:
    return Evidence(reg.file, int(row["r_line"]), f"{reg.title}：{who(row, 'r_')}{detail}")


def pname(programs: dict[str, Program], pid: str) -> str:
    p = programs.get(pid)
    return p.name if p is not None else pid


def month_int(col: str) -> pl.Expr:
    return pl.col(col).str.slice(0, 4).cast(pl.Int64) * 12 + pl.col(col).str.slice(5, 2).cast(pl.Int64)


def register_frame(reg: Register | None) -> pl.DataFrame | None:
    if reg is None or reg.rows.height == 0:
        return None
    return reg.rows.with_columns(nv_expr("name", "id_masked"))


def grouped(df: pl.DataFrame, keys: Callable[[dict[str, Any]], tuple]) -> dict[tuple, list[dict[str, Any]]]:
    out: dict[tuple, list[dict[str, Any]]] = {}
    for row in df.iter_rows(named=True):
        out.setdefault(keys(row), []).append(row)
    return out


def _strength(rows: Iterable[dict[str, Any]]) -> str:
    return "name-id" if any(r.get("strength") == "name-id" for r in rows) else "linkage"


# ---------------------------------------------------------------- 1. people


def same_person_two_villages(t: Township, programs: dict[str, Program]) -> list[Finding]:
    # only rows whose key, or name and visible digits, occur in two villages in
    # one program-month can match: found by grouping, then paired
    r = t.rosters
    cand = pl.concat(
        [
            r.filter(pl.col(c).is_not_null())
            .group_by(c, "program", "month")
            .agg(pl.col("vid").n_unique().alias("n"))
            .filter(pl.col("n") > 1)
            .select(c, "program", "month")
            .join(r, on=[c, "program", "month"])
            for c in ("link", "nv")
        ],
        how="diagonal_relaxed",
    ).unique(subset=["vid", "rel", "line"])
    cand = cand.select(r.columns)
    pairs = match_people(cand, cand, ("program", "month")).filter(pl.col("vid") < pl.col("r_vid"))
    out = []
    for (program, a, b, person), rows in grouped(
        pairs, lambda x: (x["program"], x["vid"], x["r_vid"], person_of(x))
    ).items():
        rows.sort(key=lambda x: x["month"])
        ev = [e for x in rows for e in (roster_ev(x), roster_ev(x, "r_"))]
        months = sorted({x["month"] for x in rows})
        x = rows[0]
        out.append(
            Finding(
                "same-person-two-villages",
                a,
                f"{program}|{a}|{b}|{person}",
                f"{who(x)} 同时在 {t.villages[a]['name']} 和 {t.villages[b]['name']} 的{pname(programs, program)}名单上："
                f"{'、'.join(months)}",
                ev,
                sum(min(y["amount_fen"], y["r_amount_fen"]) for y in rows),
                _strength(rows),
                len(months),
            )
        )
    return out


def exclusive_programs(t: Township, programs: dict[str, Program]) -> list[Finding]:
    pairs = sorted({tuple(sorted((p.id, q))) for p in programs.values() for q in p.excludes if q in programs})
    out = []
    for a, b in pairs:
        left = t.rosters.filter(pl.col("program") == a)
        right = t.rosters.filter(pl.col("program") == b)
        hits = match_people(left, right, ("month",))
        for (va, vb, person), rows in grouped(hits, lambda x: (x["vid"], x["r_vid"], person_of(x))).items():
            rows.sort(key=lambda x: x["month"])
            months = sorted({x["month"] for x in rows})
            x = rows[0]
            out.append(
                Finding(
                    "exclusive-programs",
                    va,
                    f"{a}|{b}|{va}|{vb}|{person}",
                    f"{who(x)} 同月享受 {programs[a].name} 和 {programs[b].name}（不能同时享受）：{'、'.join(months)}",
                    [e for y in rows for e in (roster_ev(y), roster_ev(y, "r_"))],
                    sum(y["r_amount_fen"] for y in rows),
                    _strength(rows),
                    len(months),
                )
            )
    return out


# ---------------------------------------------------------------- 2. registers


def paid_after_death(
    t: Township, regs: dict[str, Register], programs: dict[str, Program], as_of: dt.date | None
) -> list[Finding]:
    reg = regs.get("deaths")
    d = register_frame(reg)
    if d is None or reg is None:
        return []
    # 2026-08-16, 2026/8/16, 2026.8.16, 2026年8月16日: as ISO dates, vectorised
    parts = pl.col("died").str.extract_groups(r"^\s*([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})")
    d = d.with_columns(
        pl.date(
            parts.struct.field("1").cast(pl.Int32, strict=False),
            parts.struct.field("2").cast(pl.Int32, strict=False),
            parts.struct.field("3").cast(pl.Int32, strict=False),
        )
        .dt.strftime("%Y-%m-%d")
        .alias("died")
    ).filter(pl.col("died").is_not_null())
    if as_of is not None:
        d = d.filter(pl.col("died") <= as_of.isoformat())
    hits = match_people(t.rosters, d).filter(pl.col("month") > pl.col("r_died").str.slice(0, 7))
    out = []
    for (vid, program, person), rows in grouped(
        hits, lambda x: (x["vid"], x["program"], person_of(x))
    ).items():
        rows.sort(key=lambda x: x["month"])
        months = [x["month"] for x in rows]
        x = rows[0]
        out.append(
            Finding(
                "paid-after-death",
                vid,
                f"{vid}|{program}|{person}",
                f"{who(x)} 已于 {x['r_died']} 死亡，{pname(programs, program)}仍发放了 {len(months)} 个月：{'、'.join(months)}",
                [register_ev(reg, x, f"，死亡日期 {x['r_died']}")] + [roster_ev(y) for y in rows],
                sum(y["amount_fen"] for y in rows),
                _strength(rows),
                len(months),
            )
        )
    return out


def cadre_relatives(t: Township, regs: dict[str, Register], programs: dict[str, Program]) -> list[Finding]:
    hreg, breg = regs.get("cadre-households"), regs.get("declared-relatives")
    h = register_frame(hreg)
    if h is None or hreg is None:
        return []
    b = register_frame(breg)
    declared: set[int] = set()
    if b is not None:
        declared = set(match_people(h, b).get_column("line").to_list())
    hits = match_people(t.rosters, h)
    out = []
    for (vid, person), rows in grouped(hits, lambda x: (x["vid"], person_of(x))).items():
        rows.sort(key=lambda x: (x["month"], x["program"]))
        x = rows[0]
        ok = x["r_line"] in declared
        rel = f"（{x['r_relation']}）" if x.get("r_relation") else ""
        got = "、".join(
            f"{pname(programs, p)} {sum(y['program'] == p for y in rows)} 个月"
            for p in sorted({y["program"] for y in rows})
        )
        ev = [register_ev(hreg, x, f"，村干部 {x['r_cadre']}{rel}")] + [roster_ev(y) for y in rows]
        out.append(
            Finding(
                "declared-relative" if ok else "undeclared-relative",
                vid,
                f"{vid}|{person}",
                f"{who(x)} 是村干部 {x['r_cadre']} 的家庭成员{rel}，享受 {got}"
                + ("，已备案" if ok else "，备案名单中没有"),
                ev,
                sum(y["amount_fen"] for y in rows),
                _strength(rows),
                len(rows),
            )
        )
    return out


def on_registers(t: Township, regs: dict[str, Register], programs: dict[str, Program]) -> list[Finding]:
    out = []
    for name, rule, what in (
        ("public-payroll", "on-public-payroll", "unit"),
        ("assets", "owns-assets", "asset"),
    ):
        reg = regs.get(name)
        f = register_frame(reg)
        progs = [p.id for p in programs.values() if name in p.registers]
        if f is None or reg is None or not progs:
            continue
        hits = match_people(t.rosters.filter(pl.col("program").is_in(progs)), f)
        for (vid, program, person), rows in grouped(
            hits, lambda x: (x["vid"], x["program"], person_of(x))
        ).items():
            rows.sort(key=lambda x: x["month"])
            x = rows[0]
            detail = x.get("r_" + what) or ""
            months = sorted({y["month"] for y in rows})
            out.append(
                Finding(
                    rule,
                    vid,
                    f"{vid}|{program}|{person}",
                    f"{who(x)} 在{reg.title}名册上（{detail}），享受{pname(programs, program)} {len(months)} 个月",
                    [register_ev(reg, x, f"，{detail}")] + [roster_ev(y) for y in rows],
                    sum(y["amount_fen"] for y in rows),
                    _strength(rows),
                    len(months),
                )
            )
    return out


# ---------------------------------------------------------------- 3. money


def over_standard(t: Township, programs: dict[str, Program]) -> list[Finding]:
    rows_std = [
        (p.id, s.since.year * 12 + s.since.first_month, s.per_person, s.rate)
        for p in programs.values()
        for s in p.standards
    ]
    if not rows_std:
        return []
    std = pl.DataFrame(
        {
            "program": [r[0] for r in rows_std],
            "m": [r[1] for r in rows_std],
            "per_person": [None if r[2] is None else str(r[2]) for r in rows_std],
            "rate": [None if r[3] is None else str(r[3]) for r in rows_std],
        },
        schema={"program": pl.Utf8, "m": pl.Int64, "per_person": pl.Utf8, "rate": pl.Utf8},
    ).sort("m")
    r = t.rosters.with_columns(month_int("month").alias("m")).sort("m")
    joined = r.join_asof(std, on="m", by="program", strategy="backward", check_sortedness=False).filter(
        pl.col("per_person").is_not_null() | pl.col("rate").is_not_null()
    )
    # a float screen first, then the exact check in Decimal on the few rows left
    limit = (
        pl.when(pl.col("per_person").is_not_null())
        .then(pl.col("per_person").cast(pl.Float64) * pl.col("people").fill_null(1))
        .otherwise(pl.col("area").cast(pl.Float64) * pl.col("rate").cast(pl.Float64))
    )
    cand = joined.filter(pl.col("amount_fen") / 100 > limit - 0.01)
    byrow: dict[tuple, list[dict[str, Any]]] = {}
    for x in cand.iter_rows(named=True):
        amount = Decimal(x["amount"])
        if x["per_person"] is not None:
            cap = Decimal(x["per_person"]) * (x["people"] or 1)
            how = f"{x['people'] or 1} 人 × {money_text(x['per_person'])} = {money_text(cap)} 元"
        else:
            cap = (Decimal(x["area"] or "0") * Decimal(x["rate"])).quantize(Decimal("0.01"))
            how = f"{x['area']} 亩 × {x['rate']} = {money_text(cap)} 元"
        if amount > cap:
            x["how"] = how
            x["over"] = int((amount - cap) * 100)
            byrow.setdefault((x["vid"], x["program"], x["key"]), []).append(x)
    out = []
    for (vid, program, key), rows in byrow.items():
        rows.sort(key=lambda x: x["month"])
        x = rows[-1]
        out.append(
            Finding(
                "over-standard",
                vid,
                f"{vid}|{program}|{key}",
                f"{who(x)} 的{pname(programs, program)}金额超过标准（{x['how']}），共 {len(rows)} 个月",
                [roster_ev(y) for y in rows],
                sum(y["over"] for y in rows),
                "",
                len(rows),
            )
        )
    return out


def amount_jump(t: Township, s: AuditSettings, programs: dict[str, Program]) -> list[Finding]:
    ratio, least = float(s.jump_ratio), int(s.jump_min * 100)
    keys = ["vid", "program", "key"]
    jumps = (
        t.rosters.select(*keys, "month", "amount_fen")
        .sort("month")
        .with_columns(
            pl.col("amount_fen").shift(1).over(keys).alias("prev"),
            pl.col("month").shift(1).over(keys).alias("prev_month"),
        )
        .filter(
            pl.col("prev").is_not_null()
            & (pl.col("amount_fen") > pl.col("prev") * ratio)
            & (pl.col("amount_fen") - pl.col("prev") >= least)
        )
        .select(*keys, "month", "prev", "prev_month")
    )
    # the few rows that jumped, with the earlier row's file, line and page
    before = t.rosters.select(*keys, pl.col("month").alias("prev_month"), "line", "rel", "url").rename(
        {"line": "prev_line", "rel": "prev_rel", "url": "prev_url"}
    )
    r = t.rosters.join(jumps, on=[*keys, "month"]).join(before, on=[*keys, "prev_month"], how="left")
    out = []
    for x in r.iter_rows(named=True):
        prev = {
            **x,
            "month": x["prev_month"],
            "line": x["prev_line"],
            "rel": x["prev_rel"],
            "url": x["prev_url"],
        }
        prev["amount"] = fen_text(x["prev"])
        out.append(
            Finding(
                "amount-jump",
                x["vid"],
                f"{x['vid']}|{x['program']}|{x['key']}|{x['month']}",
                f"{who(x)} 的{pname(programs, x['program'])}由 {x['prev_month']} 的 {money_text(fen_text(x['prev']))} 元"
                f"增至 {x['month']} 的 {money_text(x['amount'])} 元",
                [roster_ev(prev), roster_ev(x)],
                x["amount_fen"] - x["prev"],
                "",
                1,
            )
        )
    return out


def paid_after_end(t: Township, programs: dict[str, Program]) -> list[Finding]:
    ends = (
        t.rosters.filter(pl.col("end").is_not_null())
        .group_by("vid", "program", "key")
        .agg(
            pl.col("end").min().alias("end_at"),
            pl.col("rel").first().alias("end_rel"),
            pl.col("line").first().alias("end_line"),
        )
    )
    after = (
        t.rosters.drop("end")
        .join(ends, on=["vid", "program", "key"])
        .filter(pl.col("month") > pl.col("end_at"))
    )
    out = []
    for (vid, program, key), rows in grouped(after, lambda x: (x["vid"], x["program"], x["key"])).items():
        rows.sort(key=lambda x: x["month"])
        x = rows[0]
        months = [y["month"] for y in rows]
        out.append(
            Finding(
                "paid-after-end",
                vid,
                f"{vid}|{program}|{key}",
                f"{who(x)} 的{pname(programs, program)}终止于 {x['end_at']}，之后仍发放：{'、'.join(months)}",
                [Evidence(x["end_rel"], x["end_line"], f"终止月份 {x['end_at']}")]
                + [roster_ev(y) for y in rows],
                sum(y["amount_fen"] for y in rows),
                "",
                len(months),
            )
        )
    return out


def _words_expr(words: list[str]) -> pl.Expr:
    e = pl.lit(False)
    for w in words:
        e = e | pl.col("summary").str.contains(w, literal=True)
    return e


def village_paid(t: Township, programs: dict[str, Program]) -> list[Finding]:
    """Programs paid from the village's own books: each roster total against an
    expense line of that month or the next, and each such line against a roster."""
    out = []
    expense = t.ledgers.filter(pl.col("kind") == "expense").with_columns(month_int("month").alias("m"))
    for p in programs.values():
        if p.paid_by != "village" or not p.ledger_words:
            continue
        totals = (
            t.rosters.filter(pl.col("program") == p.id)
            .group_by("vid", "month", "rel", "url")
            .agg(pl.col("amount_fen").sum().alias("total"), pl.col("line").min().alias("line"))
            .with_columns(month_int("month").alias("m"))
        )
        lines = expense.filter(_words_expr(p.ledger_words))
        # one line pays one roster: first each roster with a line of its amount in
        # its own month, then those left with one in the next month
        by_vid = grouped(lines.sort("date", "voucher"), lambda y: (y["vid"],))
        used: set[tuple] = set()
        left = list(totals.sort("vid", "m").iter_rows(named=True))
        for lag in (0, 1):
            still = []
            for x in left:
                hit = next(
                    (
                        y
                        for y in by_vid.get((x["vid"],), [])
                        if (y["vid"], y["rel"], y["line"]) not in used
                        and y["m"] - x["m"] == lag
                        and y["amount_fen"] == x["total"]
                    ),
                    None,
                )
                if hit is None:
                    still.append(x)
                else:
                    used.add((hit["vid"], hit["rel"], hit["line"]))
            left = still
        unpaid_rows = left
        unpaid = pl.DataFrame(unpaid_rows, schema=totals.schema)
        for x in unpaid.iter_rows(named=True):
            near = lines.filter((pl.col("vid") == x["vid"]) & (pl.col("m") - x["m"]).is_between(0, 1))
            ev = [
                Evidence(
                    x["rel"],
                    x["line"],
                    f"{x['month']} {p.name} 名单合计 {money_text(fen_text(x['total']))} 元",
                    x["url"],
                )
            ]
            ev += [ledger_ev(y) for y in near.iter_rows(named=True)]
            paid = [money_text(fen_text(y["amount_fen"])) for y in near.iter_rows(named=True)]
            out.append(
                Finding(
                    "roster-ledger-mismatch",
                    x["vid"],
                    f"{x['vid']}|{p.id}|{x['month']}",
                    f"{x['month']} {p.name} 名单合计 {money_text(fen_text(x['total']))} 元，"
                    + (
                        f"当月和次月账上的相应支出（{'、'.join(paid)} 元）没有一笔与它相等"
                        if paid
                        else "当月和次月账上没有相应支出"
                    ),
                    ev,
                    x["total"],
                    "",
                    len(ev),
                )
            )
        have = totals.select("vid", "m").unique()
        orphan = lines.join(
            pl.concat([have, have.with_columns(pl.col("m") + 1)]).unique(), on=["vid", "m"], how="anti"
        )
        for y in orphan.iter_rows(named=True):
            out.append(
                Finding(
                    "ledger-without-roster",
                    y["vid"],
                    f"{y['vid']}|{p.id}|{y['rel']}|{y['voucher']}|{y['line']}",
                    f"{y['date']} 支出 {money_text(y['amount'])} 元发放 {p.name}，当月和上月没有本项目名单",
                    [ledger_ev(y)],
                    y["amount_fen"],
                    "",
                    1,
                )
            )
    return out


# ---------------------------------------------------------------- 4. ledgers


def split_payments(t: Township, s: AuditSettings) -> list[Finding]:
    thr = int(s.approval_threshold * 100)
    low = int(s.approval_threshold * (1 - s.split_margin) * 100)
    cand = (
        t.ledgers.filter(
            (pl.col("kind") == "expense")
            & pl.col("payee").is_not_null()
            & (pl.col("amount_fen") >= low)
            & (pl.col("amount_fen") < thr)
        )
        .with_columns(pl.col("date").str.to_date().alias("d"))
        .sort("vid", "payee", "d")
    )
    out = []
    for (vid, payee), rows in grouped(cand, lambda x: (x["vid"], x["payee"])).items():
        chain: list[dict[str, Any]] = []
        for x in rows + [None]:
            if x is not None and chain and (x["d"] - chain[-1]["d"]).days <= s.split_window_days:
                chain.append(x)
                continue
            if len(chain) >= s.split_count and sum(y["amount_fen"] for y in chain) >= thr:
                out.append(
                    Finding(
                        "split-payment",
                        vid,
                        f"{vid}|{payee}|{chain[0]['rel']}|{chain[0]['voucher']}",
                        f"{chain[0]['date']} 至 {chain[-1]['date']} 向 {payee} 支付 {len(chain)} 笔，每笔低于审批额度 "
                        f"{money_text(str(s.approval_threshold))} 元，合计 {money_text(fen_text(sum(y['amount_fen'] for y in chain)))} 元",
                        [ledger_ev(y) for y in chain],
                        sum(y["amount_fen"] for y in chain),
                        "",
                        len(chain),
                    )
                )
            chain = [x] if x is not None else []
    return out


def cash_over_limit(t: Township, s: AuditSettings) -> list[Finding]:
    hits = t.ledgers.filter(
        (pl.col("kind") == "expense")
        & (pl.col("method") == "cash")
        & (pl.col("amount_fen") > int(s.cash_limit * 100))
    )
    return [
        Finding(
            "cash-over-limit",
            x["vid"],
            f"{x['vid']}|{x['rel']}|{x['voucher']}|{x['line']}",
            f"{x['date']} 现金支出 {money_text(x['amount'])} 元，超过限额 {money_text(str(s.cash_limit))} 元",
            [ledger_ev(x)],
            x["amount_fen"],
            "",
            1,
        )
        for x in hits.iter_rows(named=True)
    ]


def payee_is_cadre(t: Township) -> list[Finding]:
    cadres = pl.DataFrame(
        {
            "vid": [v for v, info in t.villages.items() for _ in info["cadres"]],
            "payee": [c for info in t.villages.values() for c in info["cadres"]],
        },
        schema={"vid": pl.Utf8, "payee": pl.Utf8},
    )
    hits = t.ledgers.filter(pl.col("kind") == "expense").join(cadres, on=["vid", "payee"])
    out = []
    for (vid, payee), rows in grouped(hits, lambda x: (x["vid"], x["payee"])).items():
        info = t.villages[vid]
        out.append(
            Finding(
                "payee-is-cadre",
                vid,
                f"{vid}|{payee}",
                f"收款人 {payee} 与本村干部同名（village.yaml），共 {len(rows)} 笔",
                [Evidence(info["village_rel"], info["cadres_line"], f"村干部 {payee}")]
                + [ledger_ev(y) for y in rows],
                sum(y["amount_fen"] for y in rows),
                "",
                len(rows),
            )
        )
    return out


def voucher_reused(t: Township) -> list[Finding]:
    dup = (
        t.ledgers.group_by("vid", "month", "voucher")
        .agg(pl.col("date").n_unique().alias("days"))
        .filter(pl.col("days") > 1)
    )
    hits = t.ledgers.join(dup, on=["vid", "month", "voucher"])
    out = []
    for (vid, month, voucher), rows in grouped(hits, lambda x: (x["vid"], x["month"], x["voucher"])).items():
        out.append(
            Finding(
                "voucher-reused",
                vid,
                f"{vid}|{month}|{voucher}",
                f"{month} 凭证号 {voucher} 用于 {len({y['date'] for y in rows})} 个不同日期的 {len(rows)} 笔账",
                [ledger_ev(y) for y in rows],
                sum(y["amount_fen"] for y in rows),
                "",
                len(rows),
            )
        )
    return out


def duplicate_payments(t: Township) -> list[Finding]:
    e = t.ledgers.filter((pl.col("kind") == "expense") & pl.col("payee").is_not_null())
    dup = e.group_by("vid", "payee", "amount_fen", "summary").agg(pl.len().alias("n")).filter(pl.col("n") > 1)
    hits = e.join(dup, on=["vid", "payee", "amount_fen", "summary"])
    out = []
    for (vid, payee, amount, summary), rows in grouped(
        hits, lambda x: (x["vid"], x["payee"], x["amount_fen"], x["summary"])
    ).items():
        out.append(
            Finding(
                "duplicate-payment",
                vid,
                f"{vid}|{payee}|{amount}|{summary}",
                f"向 {payee} 支付“{summary}”{money_text(fen_text(amount))} 元，共 {len(rows)} 次",
                [ledger_ev(y) for y in rows],
                amount * (len(rows) - 1),
                "",
                len(rows),
            )
        )
    return out


def run_rules(
    t: Township,
    regs: dict[str, Register],
    programs: dict[str, Program],
    settings: AuditSettings,
    as_of: dt.date | None,
) -> list[Finding]:
    return [
        *same_person_two_villages(t, programs),
        *exclusive_programs(t, programs),
        *paid_after_death(t, regs, programs, as_of),
        *cadre_relatives(t, regs, programs),
        *on_registers(t, regs, programs),
        *over_standard(t, programs),
        *amount_jump(t, settings, programs),
        *paid_after_end(t, programs),
        *village_paid(t, programs),
        *split_payments(t, settings),
        *cash_over_limit(t, settings),
        *payee_is_cadre(t),
        *voucher_reused(t),
        *duplicate_payments(t),
    ]


__all__ = ["run_rules", "match_people", "nv_expr"]
