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
import pyarrow as pa

from conform.display import cut
from conform.reference.case import FACILITIES, PSN_TYPES

from ..limits import REPORT_MEMORY
from .text import CLAUSE_SEP, unique_clauses, unique_clauses_sql

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
# The settlements whose expected hifp_pay rests on the export's order of same-day settlements (their clause names it).
ORDER_READING = "A-AUDIT-ORDER"
_BY_ORDER = f"clause LIKE '%{ORDER_READING}%'"
# hifp_pay over/under as exact DECIMAL sums of `pair_net`; COALESCE so an empty group is 0, not NULL. `*_order`: the
# part of them the export's order decides (A-AUDIT-ORDER), shown beside them where there is any.
_MONEY = """
  coalesce(sum(money) FILTER (WHERE money > 0), 0) AS overpaid,
  coalesce(-sum(money) FILTER (WHERE money < 0), 0) AS underpaid,
  coalesce(sum(money), 0) AS net,
  coalesce(sum(money_order) FILTER (WHERE money_order > 0), 0) AS overpaid_order,
  coalesce(-sum(money_order) FILTER (WHERE money_order < 0), 0) AS underpaid_order"""
MONEY_COLUMNS = ("overpaid", "underpaid", "net", "overpaid_order", "underpaid_order")


def pairs_sql(rows: str) -> str:
    """The pairs that hold a reversal (a few in a hundred), netted on hifp_pay: `pair` (the settlement's setl_id),
    `net`, and `owner` (the row that shows the pair's money: the settlement's). A settlement no reversal row names
    is its own pair, its pair_net its diff: no hash table of ten million settlements where every one differs."""
    return f"""SELECT coalesce(init_setl_id, setl_id) AS pair, sum(diff) AS net,
    arg_min(setl_id, init_setl_id IS NOT NULL) AS owner
  FROM {rows} WHERE field = 'hifp_pay' AND (init_setl_id IS NOT NULL OR setl_id IN (
    SELECT init_setl_id FROM {rows} WHERE field = 'hifp_pay' AND init_setl_id IS NOT NULL))
  GROUP BY coalesce(init_setl_id, setl_id)"""


def with_pair_net(rows: str, pairs: str) -> str:
    """`rows` with `pair_net` (discrepancies_sql), from `pairs` (pairs_sql)."""
    return f"""SELECT r.*, CASE WHEN r.field <> 'hifp_pay' THEN NULL WHEN p.pair IS NULL THEN r.diff
                   WHEN r.setl_id = p.owner THEN p.net END AS pair_net
FROM {rows} r LEFT JOIN {pairs} p ON r.field = 'hifp_pay' AND p.pair = coalesce(r.init_setl_id, r.setl_id)"""


def discrepancies_sql(path: Path | str) -> str:
    """The discrepancy rows with `pair_net`: on hifp_pay, what the fund lost or kept on a settlement
    net of its reversal (2208), shown on the settlement's row (on the reversal's when only it differs).

    A settlement overpaid by 100.00 and then reversed (the reversal refunding those 100.00 too) is two
    rows that differ, +100.00 and −100.00, but no money lost: summed as they stand they would count
    100.00 overpaid and 100.00 underpaid. Every money figure of the summary and the reports reads this."""
    p = str(path).replace("'", "''")
    return f"WITH raw AS (SELECT * FROM read_parquet('{p}')), pairs AS ({pairs_sql('raw')})\n{with_pair_net('raw', 'pairs')}"


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


# The order of the discrepancy files' rows (discrepancies.parquet and .csv, 差异明细): total, one row per settlement and field.
ROW_ORDER = "setl_date, setl_id, field"
PREPARED = "discrepancies.parquet"


def connect(discrepancies: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """View `d`: the discrepancy rows with `pair_net`, each clause naming an article once (unique_clauses),
    and `status` (NULL in a discrepancy file without it: no settlement is then classed as barred), and `fen_rounded`
    (NULL in a file without it: a fen off is classed a rounding, as before the column); view `d_rows`: the same rows
    without `pair_net`, in ROW_ORDER as read (the files are written from it without sorting again).

    The rows are sorted once, into `prepared(con)` (the report's discrepancies.parquet as it is published), and read
    from there: a table of them in memory was 13 GB of spill for a ledger where every settlement differs (37 million
    discrepancies), and failed at the memory limit; each file written from it sorted them again."""
    # beside the discrepancies (the audit's own temp folder): what spills goes there, not to the working folder
    spill = Path(discrepancies).parent / "report-spill"
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"threads": 2, "memory_limit": memory_limit or REPORT_MEMORY,
                                 "temp_directory": str(spill), "preserve_insertion_order": True})
    con.execute("SET enable_progress_bar = false")  # a long query would draw DuckDB's bar on the audit's stdout
    names = {r[0] for r in con.execute("SELECT name FROM parquet_schema(?)", [str(discrepancies)]).fetchall()}
    status = "" if STATUS_COLUMN in names else f", CAST(NULL AS VARCHAR) AS {STATUS_COLUMN}"
    if ROUNDED_COLUMN not in names:
        status += f", CAST(NULL AS BOOLEAN) AS {ROUNDED_COLUMN}"
    src = str(discrepancies).replace("'", "''")
    out = spill / PREPARED
    lit = str(out).replace("'", "''")
    _sort_once(con, src, lit)
    con.execute(f"CREATE TEMP VIEW d_rows AS SELECT *{status} FROM read_parquet('{lit}')")
    # the pairs with a reversal made once (a small table): each roll-up reads the rows and meets it
    con.execute(f"CREATE TEMP TABLE pairs AS {pairs_sql('d_rows')}")
    con.execute(f"CREATE TEMP VIEW d AS {with_pair_net('d_rows', 'pairs')}")
    con.execute(f"CREATE TEMP TABLE {CHRONIC_READ_APART} (psn_no VARCHAR)")  # filled by chronic_registered
    return con


# The clause (the plan's own words: a few dozen distinct texts) travels through the sort as its number in the sorted
# list of its values and is given back made unique (unique_clauses) after it: the sort moves fewer bytes (37 million
# discrepancies: 110 -> 74 s). The other columns stay as they are: one without NULLs is one the file marks required
# (DuckDB knows it from the source), which a value given back from a list is not known to be. More distinct clauses
# than this, or one with a control character, are sorted as text and made unique row by row.
_MAX_CODES = 1000


def _sort_once(con: duckdb.DuckDBPyConnection, src: str, out: str) -> None:
    """The rows of `src` into `out` in ROW_ORDER, each clause made unique (unique_clauses) once per distinct clause."""
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{src}')").fetchall()]
    raw, shown = [], None
    if "clause" in names:
        raw, shown = con.execute(
            f"SELECT coalesce(v, []), list_transform(coalesce(v, []), lambda raw_clause: {unique_clauses_sql('raw_clause')}) FROM ("
            f"SELECT list(DISTINCT clause ORDER BY clause) FILTER (WHERE clause IS NOT NULL) AS v "
            f"FROM read_parquet('{src}'))").fetchall()[0]
    coded = shown is not None and len(raw) <= _MAX_CODES and not any(ch < " " for x in raw for ch in x)

    def lit(v: list[str]) -> str:
        return "[" + ", ".join(_lit(x) for x in v) + "]::VARCHAR[]"

    inner = ", ".join(f"list_position({lit(raw)}, {n}) AS {n}" if n == "clause" and coded else n for n in names)
    outer = ", ".join((f"list_extract({lit(shown)}, {n})" if coded else unique_clauses_sql(n)) + f" AS {n}"
                      if n == "clause" else n for n in names)
    # the numbers sort as their texts do (their place in the sorted list); a projection keeps the sorted order
    con.execute(f"COPY (SELECT {outer} FROM (SELECT {inner} FROM read_parquet('{src}') ORDER BY {ROW_ORDER})) "
                f"TO '{out}' (FORMAT PARQUET)")


def prepared(con: duckdb.DuckDBPyConnection) -> Path:
    """The sorted discrepancy file `connect` made: the report's discrepancies.parquet, byte for byte."""
    return Path(con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]) / PREPARED


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
    fields, clause_of = _settlements(con, fund_field)
    # every roll-up but 按字段 reads `c`, one row per settlement (a settlement's rows share its date, person and
    # institution): counts of rows, not distinct setl_id over every discrepancy
    totals = _rows(con, f"""
        SELECT coalesce(sum(n), 0)::BIGINT AS rows, count(*) AS settlements, count(DISTINCT psn_no) AS persons,
               count(*) FILTER (WHERE reversal) AS reversals,
               count(DISTINCT nullif(fixmedins_code, '')) AS institutions,
               count(*) FILTER (WHERE coalesce(fixmedins_code, '') = '') AS unnamed, {_MONEY}
        FROM c""")[0]
    # By field, as the headline counts money: a settlement and its reversals (2208) first netted, per field
    # (coalesce(init_setl_id, setl_id)), so hifp_pay's 偏高/偏低 are exactly 多付/少付. A settlement overpaid
    # 50.00 and reversed as recorded (−50.00) is two rows (n) but nets to nothing: no 50.00 higher and 50.00
    # lower beside a headline of 0.00. The ratio is not negated on a reversal and a sum of ratio differences
    # means nothing: its pairs are counted by the direction of their rows, and it has no sums (None).
    by_field = _rows(con, f"""
        WITH reversed AS (SELECT DISTINCT init_setl_id AS k FROM d_rows WHERE init_setl_id IS NOT NULL),
        -- only a pair with a reversal in it is grouped; any other row is a pair of its own
        p AS (
          SELECT field, count(*) AS n, sum(diff) AS net, bool_or(diff > 0) AS any_higher, bool_or(diff < 0) AS any_lower
          FROM d_rows WHERE init_setl_id IS NOT NULL OR setl_id IN (SELECT k FROM reversed)
          GROUP BY field, coalesce(init_setl_id, setl_id)
          UNION ALL
          SELECT field, 1, diff, diff > 0, diff < 0 FROM d_rows
          WHERE init_setl_id IS NULL AND setl_id NOT IN (SELECT k FROM reversed))
        SELECT field, sum(n)::BIGINT AS n,
               CASE WHEN field = '{RATIO_FIELD}' THEN count(*) FILTER (WHERE any_higher)
                    ELSE count(*) FILTER (WHERE net > 0) END AS n_higher,
               CASE WHEN field = '{RATIO_FIELD}' THEN count(*) FILTER (WHERE any_lower)
                    ELSE count(*) FILTER (WHERE net < 0) END AS n_lower,
               CASE WHEN field <> '{RATIO_FIELD}' THEN coalesce(sum(net) FILTER (WHERE net > 0), 0) END AS higher,
               CASE WHEN field <> '{RATIO_FIELD}' THEN coalesce(-sum(net) FILTER (WHERE net < 0), 0) END AS lower
        FROM p GROUP BY field ORDER BY n DESC, field""")
    group = f"count(*) AS settlements, count(DISTINCT psn_no) AS persons, {_MONEY}"
    by_institution = _rows(con, f"""
        SELECT coalesce(fixmedins_code, '') AS fixmedins_code, facility, min(fixmedins_name) AS fixmedins_name, {group}
        FROM c GROUP BY coalesce(fixmedins_code, ''), facility ORDER BY overpaid DESC, underpaid DESC, fixmedins_code""")
    for r in by_institution:  # a name is the ledger's text, whole: the page bounds it (html.ident), the sheet does not
        # the settlements with no code (the ledger has no fixmedins_code, or left it empty) are one row per
        # level: every such institution together, said so, never one institution's name for them all
        r["unnamed"] = not r["fixmedins_code"]
        r["fixmedins_name"] = UNNAMED if r["unnamed"] else r["fixmedins_name"] or None
    by_facility = _rows(con, f"SELECT facility, {group} FROM c GROUP BY facility ORDER BY facility")
    by_month = _rows(con, f"SELECT month, {group} FROM c GROUP BY month ORDER BY month")
    by_psn_type = _rows(con, f"SELECT psn_type, {group} FROM c GROUP BY psn_type ORDER BY psn_type")
    classes = _classes(con, fund_field, fields, clause_of)
    for c in classes:
        c["name"], c["description"] = CLASSES[c["cls"]]
        c["fields_union"] = fields_union(c["field_sets"])
        c["clauses"] = _clip(unique_clauses(c["clauses"]), 400)  # "A" and "A；A-REVERSAL" name A once
        c["field_sets"] = _clip(c["field_sets"], 400)
    # "多付最多": only those the fund overpaid (a person with other differences only is not a top overpayment)
    top_persons = _rows(con, f"""
        SELECT psn_no, any_value(psn_type) AS psn_type, {group}
        FROM c GROUP BY psn_no HAVING sum(money) FILTER (WHERE money > 0) > 0
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


# Fields in a bitmask (a settlement's set of differing fields as one number, not a list per settlement): at most this many.
_MASK_BITS = 62


def _settlements(con: duckdb.DuckDBPyConnection, fund_field: str) -> tuple[list[str], dict[int, str]]:
    """Table `c`: one row per settlement (a reversal its own), of fixed size — its person, date and institution, its
    rows `n`, its money (`money`: its pair_net, the part the export's order decides `money_order`), what decides its
    class (`cls`, _CLASS_SQL), a bitmask of its differing fields (`fmask`, bits by `fmap`) and each field's clause as
    a number (c0, c1, …: `cmap`). Returns the fields in bit order and the clauses by number.

    Grouped once; text (clauses, field sets) is made for the few distinct values only. A ledger where every settlement
    differs (ten million, 37 million discrepancies) grouped lists of text per settlement, and every roll-up counted
    distinct setl_id over every discrepancy: the report failed at the memory limit."""
    con.execute("CREATE OR REPLACE TEMP TABLE fmap AS SELECT field, (row_number() OVER (ORDER BY field) - 1)::INTEGER AS bit "
                "FROM (SELECT DISTINCT field FROM d WHERE field IS NOT NULL)")
    con.execute("CREATE OR REPLACE TEMP TABLE cmap AS SELECT clause, row_number() OVER (ORDER BY clause)::INTEGER AS cid "
                "FROM (SELECT DISTINCT clause FROM d WHERE clause IS NOT NULL)")
    fields = [r[0] for r in con.execute("SELECT field FROM fmap ORDER BY bit").fetchall()]
    if len(fields) > _MASK_BITS:
        raise ValueError(f"{len(fields)} distinct fields in the discrepancies; at most {_MASK_BITS}")
    clause_of = dict(con.execute("SELECT cid, clause FROM cmap").fetchall())
    # "own": a reversal's amounts negated (what it says of the settlement it reverses); see CLASSES.
    own = "(CASE WHEN init_setl_id IS NOT NULL THEN -diff ELSE diff END)"
    ids = [f"any_value(cid) FILTER (WHERE field = {_lit(f)}) AS c{i}" for i, f in enumerate(fields)]
    con.execute(f"""CREATE OR REPLACE TEMP TABLE c AS
        WITH s AS (
          SELECT setl_id, min(psn_no) AS psn_no, min(psn_type) AS psn_type, min(facility) AS facility, min(month) AS month,
                 min(fixmedins_code) AS fixmedins_code, min(fixmedins_name) AS fixmedins_name, count(*) AS n,
                 bool_or(init_setl_id IS NOT NULL) AS reversal,
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
                 coalesce(bit_or(1::BIGINT << bit), 0) AS fmask
                 {"".join(", " + x for x in ids)}
          FROM d LEFT JOIN fmap USING (field) LEFT JOIN cmap USING (clause) GROUP BY setl_id)
        SELECT *, {_CLASS_SQL} AS cls FROM s""")
    return fields, clause_of


def _classes(con: duckdb.DuckDBPyConnection, fund_field: str, fields: list[str], clause_of: dict[int, str]) -> list[dict]:
    """按差异类型 from `c` (_settlements): each class's settlements, persons and money, a typical example, the clauses
    of the fields that decide it (the most cited first) and the sets of fields its settlements differ in."""
    # a settlement's fields as one text, alphabetical: for the few distinct sets only
    con.execute("""CREATE OR REPLACE TEMP TABLE ftext AS
        SELECT m.fmask, coalesce(array_to_string(list_sort(list(f.field)), ', '), '') AS fields
        FROM (SELECT DISTINCT fmask FROM c) m LEFT JOIN fmap f ON (m.fmask >> f.bit) & 1 = 1 GROUP BY m.fmask""")
    rows = _rows(con, """
        WITH rv AS (SELECT DISTINCT init_setl_id AS setl_id FROM d_rows WHERE init_setl_id IS NOT NULL),
        cr AS (SELECT c.*, c.setl_id IN (SELECT setl_id FROM rv) AS reversed FROM c),
        cs AS (SELECT cls, bool_or(NOT reversal) AS any_settlement, bool_or(NOT reversal AND NOT reversed) AS any_kept
               FROM cr GROUP BY cls),
        -- a worked example is a settlement where the class has one: a reversal's trace is only 结算撤销; and one no
        -- reversal cancelled where the class has one: a reversed settlement's own difference is netted out of the
        -- class's money (its example then says so, example_reversals)
        candidates AS (SELECT cr.*, t.fields FROM cr JOIN cs USING (cls) JOIN ftext t USING (fmask)
                       WHERE (NOT reversal OR NOT any_settlement) AND (NOT reversed OR NOT any_kept)),
        -- the class's most common set of differing fields, preferring ones that move hifp_pay; ties by the fields
        counted AS (SELECT cls, fmask, any_value(fields) AS fields, count(*) FILTER (WHERE hifp_diff IS NOT NULL) AS nh,
                           count(*) AS n FROM candidates GROUP BY cls, fmask),
        typical AS (SELECT cls, CASE WHEN max(nh) > 0 THEN first(fmask ORDER BY nh DESC, fields)
                                     ELSE first(fmask ORDER BY n DESC, fields) END AS typical_mask
                    FROM counted GROUP BY cls),
        middle AS (
          SELECT cls, median(abs(coalesce(hifp_diff, 0))) AS mid FROM candidates JOIN typical USING (cls)
          WHERE fmask = typical_mask GROUP BY cls),
        -- a typical example: among those, the effect on hifp_pay closest to the median; ties by setl_id
        example AS (
          SELECT cls, arg_min(setl_id, (abs(abs(coalesce(hifp_diff, 0)) - mid), setl_id)) AS example
          FROM candidates JOIN typical USING (cls) JOIN middle USING (cls)
          WHERE fmask = typical_mask GROUP BY cls),
        sets AS (SELECT cls, string_agg(fields, ' | ' ORDER BY fields) AS field_sets
                 FROM (SELECT DISTINCT c.cls, t.fields FROM c JOIN ftext t USING (fmask)) GROUP BY cls)
        SELECT cls, count(*) AS settlements, count(*) FILTER (WHERE reversal) AS reversals, count(DISTINCT psn_no) AS persons,
               coalesce(sum(money) FILTER (WHERE money > 0), 0) AS overpaid,
               coalesce(-sum(money) FILTER (WHERE money < 0), 0) AS underpaid,
               coalesce(sum(money_order) FILTER (WHERE money_order > 0), 0) AS overpaid_order,
               coalesce(-sum(money_order) FILTER (WHERE money_order < 0), 0) AS underpaid_order,
               any_value(example) AS example, any_value(field_sets) AS field_sets
        FROM c JOIN example USING (cls) LEFT JOIN sets USING (cls)
        GROUP BY cls ORDER BY settlements DESC, cls""")
    # the clauses of the fields that decide the class ('other': every differing field's, in the fields' order),
    # the most cited first, each from its few distinct combinations of clause numbers
    cols = ", ".join(f"c{i}" for i in range(len(fields)))
    combos = con.execute(f"SELECT cls{', ' + cols if cols else ''}, count(*) FROM c GROUP BY ALL").fetchall()
    order = sorted(range(len(fields)), key=lambda i: (_FIELD_ORDER.index(fields[i]) if fields[i] in _FIELD_ORDER
                                                       else len(_FIELD_ORDER), fields[i]))
    cited: dict[str, dict[str, int]] = {}
    for cls, *cids, n in combos:
        by_field = dict(zip(fields, cids))
        if cls in DECIDING_FIELD:
            f = fund_field if DECIDING_FIELD[cls] == "hifp_pay" else DECIDING_FIELD[cls]
            text = clause_of.get(by_field.get(f))
        else:
            text = CLAUSE_SEP.join(clause_of[cids[i]] for i in order if cids[i] is not None)
        if text is not None:
            cited.setdefault(cls, {})
            cited[cls][text] = cited[cls].get(text, 0) + n
    for r in rows:
        r["clauses"] = CLAUSE_SEP.join(t for t, _ in sorted((cited.get(r["cls"]) or {}).items(), key=lambda x: (-x[1], x[0]))) or None
    reversed_by = example_reversals(con, [r["example"] for r in rows])
    for r in rows:
        r["example_reversed"] = reversed_by.get(r["example"])
    return rows


MAX_REVERSALS = 5


def example_reversals(con: duckdb.DuckDBPyConnection, examples: list[str]) -> dict[str, dict]:
    """Of the settlements `examples` (the classes' worked examples), those a reversal (2208) among the discrepancies
    cancels — a class's example is one only when every candidate of its class was: setl_id -> `by`, the reversals
    (`setl_id`, `setl_date` as text; at most MAX_REVERSALS, `more` the rest), and `net`, the pair's hifp_pay
    difference net of them in fen, what the class's money counts (None when the settlement's own hifp_pay does not
    differ: the pair's money is then the reversal's)."""
    if not examples:
        return {}
    got = con.execute("""SELECT init_setl_id, setl_id, min(setl_date) AS day FROM d_rows
                         WHERE init_setl_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY init_setl_id, setl_id
                         ORDER BY init_setl_id, day, setl_id""", [examples]).fetchall()
    if not got:
        return {}
    out: dict[str, dict] = {}
    for init, sid, day in got:
        e = out.setdefault(init, {"by": [], "more": 0, "net": None})
        if len(e["by"]) < MAX_REVERSALS:
            e["by"].append({"setl_id": sid, "setl_date": "" if day is None else str(day)[:10]})
        else:
            e["more"] += 1
    for sid, net in con.execute("""SELECT setl_id, pair_net FROM d WHERE field = 'hifp_pay' AND pair_net IS NOT NULL
                                   AND setl_id IN (SELECT unnest(?::VARCHAR[]))""", [list(out)]).fetchall():
        out[sid]["net"] = fen(net)
    return out


def assumptions_cited(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Each assumption (A-…) the discrepancies' clauses name, with how many discrepancy rows name it: grouped by the
    few distinct clauses, then split."""
    out: dict[str, int] = {}
    for clause, n in con.execute("SELECT clause, count(*) FROM d_rows WHERE clause LIKE '%A-%' GROUP BY clause").fetchall():
        for part in dict.fromkeys(p.strip() for p in str(clause).split(CLAUSE_SEP)):
            if part.startswith("A-"):
                out[part] = out.get(part, 0) + int(n)
    return out


def med_type_rows(con: duckdb.DuckDBPyConnection, med_type: str, read_apart: bool = False) -> int:
    """How many discrepancy rows are of settlements of `med_type` (0 for a discrepancy file without the column);
    `read_apart`: less those of the persons in CHRONIC_READ_APART (chronic_registered)."""
    names = {r[0] for r in con.execute("DESCRIBE d_rows").fetchall()}
    if "med_type" not in names:
        return 0
    apart = (f" AND NOT EXISTS (SELECT 1 FROM {CHRONIC_READ_APART} r WHERE r.psn_no = d_rows.psn_no)"
             if read_apart and "psn_no" in names else "")
    return int(con.execute(f"SELECT count(*) FROM d_rows WHERE med_type = ?{apart}", [med_type]).fetchall()[0][0])


# The persons whose 门诊慢特病 figures the persons file's registration decides (their record gives chronic_diseases),
# not A-AUDIT-CHRONIC-REGISTERED's reading of a record without it (the ledger's code taken as registered): empty where
# the document's rule on the registered kind (吉林: run.CHRONIC_KIND_REGISTERED) bears on every row.
CHRONIC_READ_APART = "chronic_read_apart"


def chronic_registered(con: duckdb.DuckDBPyConnection, psn_nos) -> None:
    """Put the persons `psn_nos` (an iterable of psn_no) into CHRONIC_READ_APART."""
    tbl = pa.table({"psn_no": pa.array(list(psn_nos), pa.string())})
    if not tbl.num_rows:
        return
    con.register("_chronic_registered", tbl)
    try:
        con.execute(f"INSERT INTO {CHRONIC_READ_APART} SELECT psn_no FROM _chronic_registered")
    finally:
        con.unregister("_chronic_registered")


def read_apart(con: duckdb.DuckDBPyConnection, psn_no: Any) -> bool:
    """Whether person `psn_no` is in CHRONIC_READ_APART (False where the table was never made: a connection not
    from connect)."""
    try:
        return bool(con.execute(f"SELECT 1 FROM {CHRONIC_READ_APART} WHERE psn_no = ? LIMIT 1",
                                [None if psn_no is None else str(psn_no)]).fetchall())
    except duckdb.CatalogException:
        return False


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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
    (`absent`: summary.json's months_absent, a forgotten monthly file, and months_without_rows, any such month) was
    not audited: `absent` True, which the reports show as 无结算记录, never 0.00. A period that is not two dates (a summary written without one) leaves
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


def _clip(v: Any, n: int) -> str:
    """At most `n` characters of `v` as text (None is ""), cut by the reports' one rule
    (conform.display.cut: at a pause, never inside a figure, marked …): the one the audit's page (html.py), its
    rollups and its summary use."""
    return cut("" if v is None else str(v), n)
