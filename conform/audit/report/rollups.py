"""Roll-ups of the discrepancies, computed by DuckDB SQL over the Parquet file.

Nothing here loads the discrepancy rows into Python: every figure is a GROUP BY,
and money stays DECIMAL (exact) until it becomes integer fen. `diff` is
recorded − expected, so on hifp_pay a positive diff is an overpayment by the
fund and a negative one an underpayment.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from conform.reference.case import FACILITIES, PSN_TYPES

from .text import unique_clauses, unique_clauses_sql

# Discrepancy classes: one per settlement, decided by which fields differ and in which direction.
# Order matters: the first that applies names the settlement's class.
# A reversal (2208) is classed by what it says of the settlement it reverses: its amounts are that
# settlement's negated, so its act_pay_dedc and hifp_pay diffs count with the opposite sign (a reversal
# that gave back 0.00 of a 200.00 deductible, diff +200.00, says the deductible is counted too little);
# pool_prop_selfpay is not negated on a reversal, so its diff counts as it stands. A reversal whose
# settlement does not differ carries the pair's money (pair_net) and is classed on hifp_pay by it: one that
# gave back 50.00 of 150.00 left the fund 100.00 short, 多付.
# A settlement the fund may not pay at all (its expected status one of the plan's none_* or the reference
# engine's none: an exclusion, outside the validity or the benefit period, no account, a hospital stay, a
# pharmacy outside pooling…) whose record pays is classed by that first: its ratio (0 expected), deductible
# and scope are beside the point. The status is the discrepancy file's `status` column (STATUS_COLUMN).
# A fen off is a rounding only where the file's `fen_rounded` (ROUNDED_COLUMN, the plan's compare) says the
# expected figure was rounded from a part below the fen and the recorded one is the same product rounded the
# other way; a fen off an exact product, or after the cap is used up, is 多付/少付 like any other amount.
CLASSES: dict[str, tuple[str, str]] = {
    "barred": ("统筹基金不予支付却支付", "按规定统筹基金不予支付（不予支付的费用、不在施行期或待遇享受期内、未建立个人账户、"
               "住院期间、定点零售药店未纳入统筹等），清单记录却由统筹基金支付（hifp_pay，清单无此字段时为 fund_pay_sumamt）"),
    "scope": ("政策范围内费用计算不符", "inscp_scp_amt 与“总额 − 全自费 − 超限价 − 先行自付”不符"),
    "ratio_high": ("支付比例高于规定", "pool_prop_selfpay 高于文件规定的比例（如定点药店按医疗机构比例、在职按退休比例）"),
    "ratio_low": ("支付比例低于规定", "pool_prop_selfpay 低于文件规定的比例（如退休人员按在职人员比例）"),
    "barred_dedc": ("统筹基金不予支付却计入起付线", "按规定统筹基金不予支付（不予支付的费用、不在施行期或待遇享受期内、"
                    "未建立个人账户、住院期间、定点零售药店未纳入统筹等），本笔不计起付线，清单却计入了起付线（act_pay_dedc）；"
                    "此后同年结算的起付线因而少计"),
    "dedc_high": ("起付线多计（如起付线按次计算）", "act_pay_dedc 多于年度起付线尚余部分：起付线应按自然年度累计"),
    "dedc_low": ("起付线少计（如跨年度未重置、撤销后未冲回）", "act_pay_dedc 少于应计：年度累计有误（也可能是此前不予支付的结算"
                 "计入了起付线，见“统筹基金不予支付却计入起付线”）"),
    "fen": ("分位舍入不符（差一分）", "hifp_pay（清单无此字段时为 fund_pay_sumamt）相差0.01元：应付额由不足一分的部分四舍五入到分而来，"
            "记录的是同一乘积舍入到另一侧的整分，未按四舍五入到分（A-ROUND-FEN）"),
    "over": ("统筹基金多付（如未控制年度最高支付限额）", "hifp_pay（清单无此字段时为 fund_pay_sumamt）多于应付，且起付线与比例相符"),
    "under": ("统筹基金少付", "hifp_pay（清单无此字段时为 fund_pay_sumamt）少于应付，且起付线与比例相符"),
    "fund_total": ("基金支付总额不符", "hifp_pay 相符，fund_pay_sumamt 与统筹基金支付加其他基金支付（按清单记录）之和不符"),
    "other": ("个人负担或账户支付不符", "仅个人负担、账户或现金支付字段不符"),
}

_CLASS_SQL = """
CASE
  WHEN barred AND hifp_diff > 0 THEN 'barred'
  WHEN barred AND dedc_diff > 0 THEN 'barred_dedc'
  WHEN scope_wrong THEN 'scope'
  WHEN ratio_diff > 0 THEN 'ratio_high'
  WHEN ratio_diff < 0 THEN 'ratio_low'
  WHEN dedc_diff > 0 THEN 'dedc_high'
  WHEN dedc_diff < 0 THEN 'dedc_low'
  WHEN abs(hifp_diff) = 0.01 AND fen_rounded THEN 'fen'
  WHEN hifp_diff > 0 THEN 'over'
  WHEN hifp_diff < 0 THEN 'under'
  WHEN total_wrong THEN 'fund_total'
  ELSE 'other'
END"""

# The by-institution row of the settlements whose ledger rows name no institution (fixmedins_code is only
# 建议, docs/audit.md §1), one per level.
UNNAMED = "未提供定点机构编码的结算（按机构等级合计）"

# The one field that is a ratio, not an amount: its differences are never summed.
RATIO_FIELD = "pool_prop_selfpay"

# The field whose difference decides a class; its rows' clauses are the class's 依据条款 ('other': every
# differing field's, in this order).
DECIDING_FIELD = {"barred": "hifp_pay", "barred_dedc": "act_pay_dedc", "scope": "inscp_scp_amt", "ratio_high": "pool_prop_selfpay", "ratio_low": "pool_prop_selfpay",
                  "dedc_high": "act_pay_dedc", "dedc_low": "act_pay_dedc", "fen": "hifp_pay", "over": "hifp_pay",
                  "under": "hifp_pay", "fund_total": "fund_pay_sumamt"}
_FIELD_ORDER = ("inscp_scp_amt", "act_pay_dedc", "pool_prop_selfpay", "hifp_pay", "fund_pay_sumamt", "psn_part_amt",
                "acct_pay", "psn_cash_pay")
_FIELD_RANK = "coalesce(list_position([{}], field), {})".format(
    ", ".join(f"'{f}'" for f in _FIELD_ORDER), len(_FIELD_ORDER) + 1)


def _deciding_clause(fund_field: str) -> str:
    return "CASE cls {} ELSE clauses_all END".format(" ".join(
        f"WHEN '{c}' THEN clauses_{fund_field if f == 'hifp_pay' else f}" for c, f in DECIDING_FIELD.items()))

# The settlements whose expected hifp_pay rests on the export's order of same-day settlements (their clause names it).
ORDER_READING = "A-AUDIT-ORDER"
_BY_ORDER = f"clause LIKE '%{ORDER_READING}%'"
# hifp_pay over/under as exact DECIMAL sums of `pair_net`; COALESCE so an empty group is 0, not NULL. `*_order`: the
# part of them the export's order decides (A-AUDIT-ORDER), shown beside them where there is any.
_MONEY = f"""
  coalesce(sum(pair_net) FILTER (WHERE pair_net > 0), 0) AS overpaid,
  coalesce(-sum(pair_net) FILTER (WHERE pair_net < 0), 0) AS underpaid,
  coalesce(sum(pair_net), 0) AS net,
  coalesce(sum(pair_net) FILTER (WHERE pair_net > 0 AND {_BY_ORDER}), 0) AS overpaid_order,
  coalesce(-sum(pair_net) FILTER (WHERE pair_net < 0 AND {_BY_ORDER}), 0) AS underpaid_order"""
MONEY_COLUMNS = ("overpaid", "underpaid", "net", "overpaid_order", "underpaid_order")


def discrepancies_sql(path: Path | str) -> str:
    """The discrepancy rows with `pair_net`: on hifp_pay, what the fund lost or kept on a settlement
    net of its reversal (2208), shown on the settlement's row (on the reversal's when only it differs).

    A settlement overpaid by 100.00 and then reversed (the reversal refunding those 100.00 too) is two
    rows that differ, +100.00 and −100.00, but no money lost: summed as they stand they would count
    100.00 overpaid and 100.00 underpaid. Every money figure of the summary and the reports reads this."""
    p = str(path).replace("'", "''")
    return f"""WITH raw AS (SELECT * FROM read_parquet('{p}')),
pairs AS (
  SELECT coalesce(init_setl_id, setl_id) AS pair, sum(diff) AS net,
    arg_min(setl_id, init_setl_id IS NOT NULL) AS owner
  FROM raw WHERE field = 'hifp_pay' GROUP BY coalesce(init_setl_id, setl_id))
SELECT raw.*, CASE WHEN raw.setl_id = pairs.owner THEN pairs.net END AS pair_net
FROM raw LEFT JOIN pairs ON raw.field = 'hifp_pay' AND pairs.pair = coalesce(raw.init_setl_id, raw.setl_id)"""


def fields_union(field_sets: str | None) -> str:
    """涉及字段 as a reader takes it: every field any of the class's settlements differs in, once, in the fields' order,
    with its label ("起付线 act_pay_dedc、统筹基金支付 hifp_pay"), not the sets of fields joined by ' | '."""
    from .text import field_label

    names = {f.strip() for part in str(field_sets or "").split(" | ") for f in part.split(", ") if f.strip()}
    order = {f: i for i, f in enumerate(_FIELD_ORDER)}
    return "、".join(field_label(f) for f in sorted(names, key=lambda f: (order.get(f, len(order)), f)))


def fen(x: Any) -> int:
    """An exact DECIMAL yuan figure as integer fen (the roll-ups' money unit)."""
    if x is None:
        return 0
    d = Decimal(x) * 100
    if d != d.to_integral_value():
        raise ValueError(f"money figure {x} is not a whole number of fen")
    return int(d)


# The expected status of a discrepancy's settlement (for a reversal, of the settlement it reverses): the
# plan's STATUSES names or the reference engine's benefit; 'none…' where the fund may not pay at all.
STATUS_COLUMN = "status"
# Whether a fen off is the rounding's (plan.FEN_ROUNDED); a file written before the column has it NULL, and its
# fen differences are classed as they were then (分位舍入不符).
ROUNDED_COLUMN = "fen_rounded"


def connect(discrepancies: Path) -> duckdb.DuckDBPyConnection:
    """Table `d`: the discrepancy rows with `pair_net`, each clause naming an article once (unique_clauses),
    and `status` (NULL in a discrepancy file without it: no settlement is then classed as barred), and `fen_rounded`
    (NULL in a file without it: a fen off is classed a rounding, as before the column)."""
    # beside the discrepancies (the audit's own temp folder): a table of millions of rows spills there, not to the
    # working folder
    spill = Path(discrepancies).parent / "report-spill"
    con = duckdb.connect(config={"threads": 2, "memory_limit": "2GB", "temp_directory": str(spill)})
    con.execute("SET enable_progress_bar = false")  # a long query would draw DuckDB's bar on the audit's stdout
    names = {r[0] for r in con.execute("SELECT name FROM parquet_schema(?)", [str(discrepancies)]).fetchall()}
    status = "" if STATUS_COLUMN in names else f", CAST(NULL AS VARCHAR) AS {STATUS_COLUMN}"
    if ROUNDED_COLUMN not in names:
        status += f", CAST(NULL AS BOOLEAN) AS {ROUNDED_COLUMN}"
    # A table, not a view: every roll-up, the detail sheet, the CSV and the page read it, and as a view each of them
    # read the Parquet file again, netted the pairs and split the clauses (1.5 million discrepancies: the roll-ups 36 -> 10 s)
    con.execute(f"CREATE TABLE d AS SELECT * REPLACE ({unique_clauses_sql('clause')} AS clause){status} "
                f"FROM ({discrepancies_sql(discrepancies)})")
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [c[0] for c in cur.description]
    out = []
    for r in cur.fetchall():
        row = dict(zip(names, r))
        for k in MONEY_COLUMNS:
            if k in row:
                row[k] = fen(row[k])
        out.append(row)
    return out


def collect(con: duckdb.DuckDBPyConnection, top: int = 20, fund_field: str = "hifp_pay") -> dict:
    """Every roll-up the reports show, as plain dicts with money in integer fen. `fund_field`: the field
    that says what the pooled fund paid, hifp_pay, or fund_pay_sumamt in an export without hifp_pay."""
    if fund_field not in ("hifp_pay", "fund_pay_sumamt"):
        raise ValueError(fund_field)
    totals = _rows(con, f"""
        SELECT count(*) AS rows, count(DISTINCT setl_id) AS settlements, count(DISTINCT psn_no) AS persons,
               count(DISTINCT setl_id) FILTER (WHERE init_setl_id IS NOT NULL) AS reversals,
               count(DISTINCT nullif(fixmedins_code, '')) AS institutions,
               count(DISTINCT setl_id) FILTER (WHERE coalesce(fixmedins_code, '') = '') AS unnamed, {_MONEY}
        FROM d""")[0]
    # By field, as the headline counts money: a settlement and its reversals (2208) first netted, per field
    # (coalesce(init_setl_id, setl_id)), so hifp_pay's 偏高/偏低 are exactly 多付/少付. A settlement overpaid
    # 50.00 and reversed as recorded (−50.00) is two rows (n) but nets to nothing: no 50.00 higher and 50.00
    # lower beside a headline of 0.00. The ratio is not negated on a reversal and a sum of ratio differences
    # means nothing: its pairs are counted by the direction of their rows, and it has no sums (None).
    by_field = _rows(con, f"""
        WITH p AS (
          SELECT field, count(*) AS n, sum(diff) AS net, bool_or(diff > 0) AS any_higher, bool_or(diff < 0) AS any_lower
          FROM d GROUP BY field, coalesce(init_setl_id, setl_id))
        SELECT field, sum(n)::BIGINT AS n,
               CASE WHEN field = '{RATIO_FIELD}' THEN count(*) FILTER (WHERE any_higher)
                    ELSE count(*) FILTER (WHERE net > 0) END AS n_higher,
               CASE WHEN field = '{RATIO_FIELD}' THEN count(*) FILTER (WHERE any_lower)
                    ELSE count(*) FILTER (WHERE net < 0) END AS n_lower,
               CASE WHEN field <> '{RATIO_FIELD}' THEN coalesce(sum(net) FILTER (WHERE net > 0), 0) END AS higher,
               CASE WHEN field <> '{RATIO_FIELD}' THEN coalesce(-sum(net) FILTER (WHERE net < 0), 0) END AS lower
        FROM p GROUP BY field ORDER BY n DESC, field""")
    group = f"count(DISTINCT setl_id) AS settlements, count(DISTINCT psn_no) AS persons, {_MONEY}"
    by_institution = _rows(con, f"""
        SELECT coalesce(fixmedins_code, '') AS fixmedins_code, facility, min(fixmedins_name) AS fixmedins_name, {group}
        FROM d GROUP BY coalesce(fixmedins_code, ''), facility ORDER BY overpaid DESC, underpaid DESC, fixmedins_code""")
    for r in by_institution:  # a name is the ledger's text: bounded for the page and the sheet
        # the settlements with no code (the ledger has no fixmedins_code, or left it empty) are one row per
        # level: every such institution together, said so, never one institution's name for them all
        r["unnamed"] = not r["fixmedins_code"]
        r["fixmedins_name"] = UNNAMED if r["unnamed"] else _clip(r["fixmedins_name"], 60) if r["fixmedins_name"] else None
    by_facility = _rows(con, f"SELECT facility, {group} FROM d GROUP BY facility ORDER BY facility")
    by_month = _rows(con, f"SELECT month, {group} FROM d GROUP BY month ORDER BY month")
    by_psn_type = _rows(con, f"SELECT psn_type, {group} FROM d GROUP BY psn_type ORDER BY psn_type")
    # "own": a reversal's amounts negated (what it says of the settlement it reverses); see CLASSES.
    own = "(CASE WHEN init_setl_id IS NOT NULL THEN -diff ELSE diff END)"
    deciding = sorted(set(DECIDING_FIELD.values()) | {fund_field})
    classes = _rows(con, f"""
        WITH s AS (
          SELECT setl_id, any_value(psn_no) AS psn_no, bool_or(init_setl_id IS NOT NULL) AS reversal,
                 coalesce(bool_or({STATUS_COLUMN} LIKE 'none%'), false) AS barred,
                 bool_or(field = 'inscp_scp_amt') AS scope_wrong,
                 sum(diff) FILTER (WHERE field = 'pool_prop_selfpay') AS ratio_diff,
                 sum({own}) FILTER (WHERE field = 'act_pay_dedc') AS dedc_diff,
                 -- on hifp_pay a row that carries its pair's money (pair_net: a settlement, or a reversal whose
                 -- settlement does not differ) is classed by that money, so 多付/少付 agree with the amounts
                 sum(CASE WHEN pair_net IS NOT NULL THEN diff ELSE {own} END) FILTER (WHERE field = '{fund_field}')
                   AS hifp_diff,
                 coalesce(bool_or({ROUNDED_COLUMN}) FILTER (WHERE field = '{fund_field}'), true) AS fen_rounded,
                 bool_or(field = 'fund_pay_sumamt') AS total_wrong,
                 sum(pair_net) AS money,
                 sum(pair_net) FILTER (WHERE {_BY_ORDER}) AS money_order,
                 -- sorted lists, not ordered aggregates: those sort each group's rows apart (1.5M rows: the query 7 -> 3.6 s)
                 array_to_string(list_sort(list(field)), ', ') AS fields,
                 -- one row per settlement and field (the plan's compare): a field's clause is its one row's
                 {", ".join(f"any_value(clause) FILTER (WHERE field = '{f}') AS clauses_{f}" for f in deciding)},
                 array_to_string(list_transform(list_sort(list(struct_pack(r := {_FIELD_RANK}, f := field, c := clause))),
                                                lambda x: x.c), '；') AS clauses_all
          FROM d GROUP BY setl_id),
        c AS (SELECT *, {_CLASS_SQL} AS cls FROM s),
        -- a worked example is a settlement where the class has one: a reversal's trace is only 结算撤销
        candidates AS (SELECT * FROM c QUALIFY NOT reversal OR bool_and(reversal) OVER (PARTITION BY cls)),
        typical AS (
          SELECT cls, coalesce(mode(fields) FILTER (WHERE hifp_diff IS NOT NULL), mode(fields)) AS typical_fields
          FROM candidates GROUP BY cls),
        middle AS (
          SELECT cls, median(abs(coalesce(hifp_diff, 0))) AS mid FROM candidates JOIN typical USING (cls)
          WHERE fields = typical_fields GROUP BY cls),
        -- a typical example: the class's most common set of differing fields (preferring ones that move
        -- hifp_pay) and, among those, the effect on hifp_pay closest to the median; ties by setl_id
        example AS (
          SELECT cls, arg_min(setl_id, (abs(abs(coalesce(hifp_diff, 0)) - mid), setl_id)) AS example
          FROM candidates JOIN typical USING (cls) JOIN middle USING (cls)
          WHERE fields = typical_fields GROUP BY cls),
        -- the clauses of the fields that decide the class, the most cited first (each part once: unique_clauses)
        cited AS (
          SELECT cls, {_deciding_clause(fund_field)} AS clause, count(*) AS n FROM c GROUP BY ALL),
        clauses AS (
          SELECT cls, string_agg(clause, '；' ORDER BY n DESC, clause) AS clauses FROM cited GROUP BY cls)
        SELECT cls, count(*) AS settlements, count(*) FILTER (WHERE reversal) AS reversals, count(DISTINCT psn_no) AS persons,
               coalesce(sum(money) FILTER (WHERE money > 0), 0) AS overpaid,
               coalesce(-sum(money) FILTER (WHERE money < 0), 0) AS underpaid,
               coalesce(sum(money_order) FILTER (WHERE money_order > 0), 0) AS overpaid_order,
               coalesce(-sum(money_order) FILTER (WHERE money_order < 0), 0) AS underpaid_order,
               any_value(example) AS example, any_value(clauses) AS clauses,
               string_agg(DISTINCT fields, ' | ' ORDER BY fields) AS field_sets
        FROM c JOIN example USING (cls) LEFT JOIN clauses USING (cls)
        GROUP BY cls ORDER BY settlements DESC, cls""")
    for c in classes:
        c["name"], c["description"] = CLASSES[c["cls"]]
        c["fields_union"] = fields_union(c["field_sets"])
        c["clauses"] = _clip(unique_clauses(c["clauses"]), 400)  # "A" and "A；A-REVERSAL" name A once
        c["field_sets"] = _clip(c["field_sets"], 400)
    # "多付最多": only those the fund overpaid (a person with other differences only is not a top overpayment)
    top_persons = _rows(con, f"""
        SELECT psn_no, any_value(psn_type) AS psn_type, {group}
        FROM d GROUP BY psn_no HAVING sum(pair_net) FILTER (WHERE pair_net > 0) > 0
        ORDER BY overpaid DESC, underpaid DESC, psn_no LIMIT {int(top)}""")
    for r in by_psn_type + top_persons:
        r["psn_type_label"] = PSN_TYPES.get(r["psn_type"], ("", False, r["psn_type"]))[2]
    for r in by_facility + by_institution:
        r["facility_label"] = FACILITIES.get(r["facility"], r["facility"])
    for r in by_field:  # the ratio: counts only, no sum (None, shown as —)
        r["higher"], r["lower"] = (None if r[k] is None else shown(r[k], r["field"]) for k in ("higher", "lower"))
    return {"totals": totals, "by_field": by_field, "by_institution": by_institution, "by_facility": by_facility,
            "by_month": by_month, "by_psn_type": by_psn_type, "classes": classes, "top_persons": top_persons,
            "top_institutions": [r for r in by_institution if r["overpaid"] > 0][:top]}


def _first_of_month(day: Any) -> tuple[int, int] | None:
    """(year, month) of a period bound as summary.json writes it (YYYY-MM-DD); None for anything else."""
    try:
        d = dt.date.fromisoformat(str(day))
    except ValueError:
        return None
    return d.year, d.month


# A month of the audited period with no row at all (every_month's `absent`): not audited, never shown as 0.00.
NO_ROWS = "无结算记录"


def every_month(by_month: list[dict], period: dict | None, absent: list[str] | None = None) -> list[dict]:
    """`by_month` (collect: only the months with a discrepancy) with every month of the audited period
    (summary.json's period, first to last setl_date) in it, a month without a discrepancy as zeros: a
    regulator reads a month missing from 按月份 as a month not audited. A month of the period with no row at all
    (`absent`, summary.json's months_absent: a forgotten monthly file) was not audited: `absent` True, which the
    reports show as 无结算记录, never 0.00. A period that is not two dates (a summary written without one) leaves
    the rows as they are."""
    first, last = (_first_of_month((period or {}).get(k)) for k in ("from", "to"))
    if first is None or last is None:
        return by_month
    have = {r["month"]: r for r in by_month}
    months = set(have)
    y, m = first
    while (y, m) <= last:
        months.add(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    zero = {"settlements": 0, "persons": 0, "overpaid": 0, "underpaid": 0, "net": 0, "overpaid_order": 0,
            "underpaid_order": 0}
    gone = set(absent or ())
    return [{**(have.get(k) or {"month": k, **zero}), "absent": k in gone} for k in sorted(months)]


def shown(x: Any, field: str) -> str:
    """An exact figure as the reports show it: two decimals, four for the ratio pool_prop_selfpay."""
    q = Decimal("0.0001") if field == "pool_prop_selfpay" else Decimal("0.01")
    return str(Decimal(x).quantize(q))


def settlement_rows(con: duckdb.DuckDBPyConnection, setl_id: str) -> list[dict]:
    """All differing fields of one settlement (for a class's worked example), figures as shown."""
    cur = con.execute("SELECT * FROM d WHERE setl_id = ? ORDER BY field", [setl_id])
    names = [c[0] for c in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    for r in rows:
        for k in ("recorded", "expected", "diff"):
            r[k] = shown(r[k], r["field"])
        r["facility_label"] = FACILITIES.get(r["facility"], r["facility"])
    return rows


def _clip(text: str | None, n: int) -> str:
    """At most `n` characters, cut by the reports' one rule (conform.harness.report.model.cut)."""
    from conform.harness.report.model import cut

    return cut(text or "", n)
