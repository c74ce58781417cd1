"""The ONE definition of the audit plan: SQL written once, in DuckDB's dialect, and transpiled
to Spark SQL by sqlglot (`sql(name, dialect)`); no engine has its own copy.

What it computes, for every settlement of every person the plan can express exactly (ordinary
pooling in all five documents with their regions, pharmacies, exclusions, validity, account
eligibility, remote filing, opening year-to-date totals, reversals right after the settlement
they reverse), exactly as conform/reference/benefits.py + conform/reference/engine.py do, in BIGINT fen:

  inscp_i = medfee - fulamt_ownpay - overlmt_selfpay - preselfpay          (政策范围内费用)
  B_i     = prefix sum of inscp over the person's counted settlements of the natural year
  dedc_i  = min(D, O_d + B_i) - min(D, O_d + B_{i-1})                       (起付线; O_d opening ytd)
  raw_i   = round_half_up((inscp_i - dedc_i) * num / den)  = ((x*num*2 + den) DIV (2*den))
  S_i     = prefix sum of raw_i
  fund_i  = min(C, O_p + S_i) - min(C, O_p + S_{i-1})                        (年度最高支付限额)
  fund_pay_sumamt = fund + oth (other funds as recorded: 公务员医疗补助, 大额, 医疗救助…; no document
  here governs them); psn_part = medfee - fund - oth - hosp (医院负担, as recorded); acct = min(Bal, A_i)
  - min(Bal, A_{i-1}) over prefix sums A of the person's part, less mulaid (a relative's account, as
  recorded), where the account pays; + mulaid; psn_cash_pay = psn_part - acct (neither for a settlement
  before the document's own account reform, 浙江 二（三）, after which Bal is unknown). Where A_i > Bal the
  opening balance falls short and the month's credits (in no file) decide: acct as recorded but not
  below that min-difference (A-AUDIT-ACCT-CREDITS); a reversal gives back what its settlement paid.
  After a settlement the plan cannot assess (status >= REFUSED) and that is still standing, the rest of
  its person-year is `refused_after` (the rest of the person's rows when Bal is known): a running count
  of such settlements rides along the first sort (the third, for Bal) — A-AUDIT-AFTER-UNASSESSED.

The running totals of the reference engine (left = D - ytd; dedc = min(base, left)) are these
clamped prefix sums because every term is >= 0 (proof by induction: ytd_i = min(D, O_d + B_i)). A
reversal row adds minus its settlement's term right after it, so at every settlement row the prefix
is a sum over the settlements still standing, each >= 0.
Integer division is DuckDB `//` = sqlglot IntDiv = Spark `DIV`; all operands are >= 0, so it is
floor = truncation on both engines.

Persons the plan cannot express (`routed.fallback`) are left out here and settled by the
reference engine (conform/audit/fallback.py); their rows arrive as table `expected_ref`. docs/audit-engine.md
('How the plan runs') says what each stage does and where the time goes.
"""
from __future__ import annotations

from functools import lru_cache

import sqlglot

from conform.reference.benefits import BEFORE_VALIDITY_STATED
from conform.reference.case import PSN_TYPES

# A person's settlement order (A-AUDIT-ORDER): time, else date, then the place in the export (rid); a row
# without a time (no setl_time column, or a blank cell) comes before the timed rows of its day.
ORDER = "setl_date, setl_time NULLS FIRST, rid"
ORDER_READING = "A-AUDIT-ORDER"
# A reversal without a time (a blank cell) on the date of a settlement with one comes right after that settlement
# (A-AUDIT-ORDER): a reversal cannot precede what it reverses, and no time orders the two, so the export's order
# does (ledger._check_ids refuses one listed before it). Its time in the order is its settlement's: the sort key of
# row `l`, `s` being the settlement it reverses (joined by setl_id = l.init_setl_id; NULL for a settlement). The
# plan's ORDER leaves such a reversal first on its day, so not right after its settlement: `routed` gives its person
# to the reference engine (rev_apart), which takes the rows in this order (fallback.py).
def order_time(l: str, s: str) -> str:
    return (f"COALESCE({l}.setl_time, CASE WHEN {l}.init_setl_id IS NOT NULL AND {s}.setl_date = {l}.setl_date"
            f" THEN {s}.setl_time END)")


RECORDED = ("inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "fund_pay_sumamt", "psn_part_amt",
            "acct_pay", "psn_cash_pay")
# Settlement order within a person (rid = the row's place in the export: file, then line); `pid` is
# the person as a number, so the sorts compare integers, not psn_no text.
_RUNNING = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
W_YEAR = f"PARTITION BY pid, yr ORDER BY o_date, o_time NULLS FIRST, o_rid {_RUNNING}"
# After the first pass a row's place in its person-year is one number (`sq`): the later passes sort on it
# (and the year) instead of the date, time and export place, and need not carry those.
W_YEAR_SQ = f"PARTITION BY pid, yr ORDER BY sq {_RUNNING}"
W_PERSON_SQ = f"PARTITION BY pid ORDER BY yr, sq {_RUNNING}"
# DuckDB sums BIGINT into HUGEINT (128 bits): each running sum of fen is cast back to BIGINT, so that the clamps
# after it, the account's arithmetic and the rows the final join holds stay 64-bit (2M rows: about 9% less CPU and
# 14% less memory for the stage `expected`). A person's sums in fen are far below 2^63; an overflow would stop the
# statement with an error, never wrap. (Spark's SUM of BIGINT is BIGINT already.)

# ---------------------------------------------------------------------------------------------- routing
# The few reversal rows, as a stage of their own: every later statement that looks for reversals joins
# this small table instead of the whole ledger. On Spark a stage is written and read back, so its size
# is known and it is broadcast; a lookup straight into `ledger` is estimated at the ledger's size and
# shuffles all ten million rows (at 10M rows: routed 35 -> 16 s, compare 30 -> 11 s with `differing`).
REVERSALS = "SELECT psn_no, init_setl_id FROM ledger WHERE init_setl_id IS NOT NULL"
# The settlements that a reversal reverses (their full ledger rows), looked up through `reversals`.
REVERSED_SETTLEMENTS = "(SELECT * FROM ledger WHERE setl_id IN (SELECT init_setl_id FROM reversals))"
_RETIREE_CODES = "(" + ", ".join(f"'{c}'" for c, v in PSN_TYPES.items() if v[0] == "retiree") + ")"
# psn_type as a small integer for MIN/MAX: Spark aggregates strings by sorting, numbers by hashing.
_PT_NUMBER = "CASE psn_type " + " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(PSN_TYPES)) + " END"

# One row per person: a number, the persons-file columns, and whether the plan can express them
# (else the reference engine settles them). A hash GROUP BY over all rows, and one sorted pass over
# the few persons that have a reversal: is every reversal right after the settlement it reverses?
ROUTED = f"""
WITH agg AS (
  SELECT psn_no,
    MAX(CASE WHEN init_setl_id IS NULL AND med_type = '14' THEN 1 ELSE 0 END) AS any14,
    MAX(CASE WHEN init_setl_id IS NULL AND med_type = '13' THEN 1 ELSE 0 END) AS any13,
    MAX(CASE WHEN init_setl_id IS NULL AND med_type = '28' THEN 1 ELSE 0 END) AS any28,
    MIN(CASE WHEN init_setl_id IS NULL THEN setl_date END) AS first_settle,
    MIN({_PT_NUMBER}) AS type_min, MAX({_PT_NUMBER}) AS type_max
  FROM ledger GROUP BY psn_no
),
rev_rows AS (
  SELECT l.psn_no, l.init_setl_id,
    LAG(l.setl_id) OVER (PARTITION BY l.psn_no ORDER BY {ORDER}) AS prev_id
  FROM ledger l
  WHERE l.psn_no IN (SELECT psn_no FROM reversals)
),
rev_apart AS (
  SELECT DISTINCT psn_no FROM rev_rows
  WHERE init_setl_id IS NOT NULL AND (prev_id IS NULL OR prev_id <> init_setl_id)
)
SELECT a.psn_no,
  -- A number per person, unique, without a sort of all persons in one place (Spark would move them
  -- all to one task): 256 hash buckets numbered each on its own. Any unique number will do: it only
  -- keys the partitions of the windows.
  CAST(HASH(a.psn_no) % 256 AS BIGINT) * 4294967296
    + ROW_NUMBER() OVER (PARTITION BY CAST(HASH(a.psn_no) % 256 AS BIGINT) ORDER BY a.psn_no) AS pid,
  -- Most persons are not in the persons file (p is NULL); anything unknown goes to the reference engine.
  COALESCE(a.any14 = 1 OR (a.any13 = 1 AND st.em_inpatient) OR (a.any28 = 1 AND st.ds_inpatient)
    OR (p.retire_date IS NOT NULL AND a.first_settle < p.retire_date)
    OR (COALESCE(p.n_stays, 0) > 0 AND st.hospital_flag AND a.first_settle IS NOT NULL)
    -- a psn_type that changes in the ledger where the persons file gives no type (the reference checks
    -- each row against the person), or a retiree type without a date (the ledger's change dates the
    -- retirement: A-AUDIT-PSN-TYPE-CHANGE)
    OR (a.type_min <> a.type_max
        AND (p.p_psn_type IS NULL OR (p.retire_date IS NULL AND p.p_psn_type IN {_RETIREE_CODES})))
    OR r.psn_no IS NOT NULL, TRUE) AS fallback,
  p.p_psn_type, p.retire_date, p.has_account, p.flex_tier, p.bp_begin, p.bp_end, p.remote_filing, p.acct_balance,
  p.ytd_year, p.ytd_dedc, p.ytd_pay
FROM agg a
CROSS JOIN settings st
LEFT JOIN persons p ON p.psn_no = a.psn_no
LEFT JOIN rev_apart r ON r.psn_no = a.psn_no
"""

# The natural years the ledger does not hold from their start (A-AUDIT-YTD-FROM-LEDGER): the first setl_date of
# the rows audited in year Y falls after January of Y (a ledger of one month, say March). Its persons' totals
# before that date are the persons file's `ytd` for Y, else taken as 0; a year whose first row is in January
# (the 3rd, after the holiday) is held from its start. A hash aggregate over one column; its few rows are read
# by `compare` (which cites the reading) and by run.py (the warning, the reference route's citing).
# Only where the document (its region) was in force before that first day and still in the year: a year it does not
# govern before then (攀枝花 or 南昌 in 2022, 浙江 with its pooling from 2022-07-01) had no deductible or cap to count
# (run.py _years_from_ledger, probe s23 Q F4): the plan, the reference route, the warning and summary.json read this
# one table.
LEDGER_YEARS = ("SELECT y.yr, y.held_from FROM (SELECT CAST(EXTRACT(YEAR FROM setl_date) AS SMALLINT) AS yr,"
                " MIN(setl_date) AS held_from FROM ledger GROUP BY 1 HAVING EXTRACT(MONTH FROM MIN(setl_date)) > 1) AS y"
                " CROSS JOIN settings st WHERE (st.valid_from IS NULL OR st.valid_from < y.held_from)"
                " AND (st.valid_to IS NULL OR EXTRACT(YEAR FROM st.valid_to) >= y.yr)")
# A-AUDIT-MONTH-ABSENT: table `ledger_gaps` (yr, gap_mo), made by run.py (_months_absent) from the ledger's rows by
# month and handed to each engine as an input: in each natural year, the first calendar month with no row between two
# months with rows that hold enough to make an empty month no chance (a forgotten monthly file). The running deductible
# and cap of every later row of that year take the month as settling nothing; `compare` cites it on those rows.

# ---------------------------------------------------------------------------------------------- expected
_IN = ("psn_no", "psn_type", "setl_date", "med_type", "facility", "exclusion", "remote", "acct_used_flag",
       "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "oth_fund_pay", "hosp_part_amt",
       "acct_mulaid_pay")


def _cols(prefix: str, names: str) -> str:
    return ", ".join(prefix + c.strip() for c in names.split(","))


# What goes through the sorts: numbers and short codes only (no ids, no text), and at each pass only
# what that pass and the later ones need. KEEP: carried to the end, for the output.
_KEEP = "pid, o_rid, is_rev, status, pr_id, unfiled, net, oth, mulaid, inscp, acct_balance, no_account, pre_reform"
# A row's status goes through the sorts as a small number, not text (every byte carried through the
# three sorts costs: 24 bytes more a row made the expected stage 20% slower at 10M rows). Codes from
# REFUSED on are the statuses under which the plan cannot assess the row.
STATUSES = {"ordinary": 0, "none_pre": 1, "none_exclusion": 2, "none_account": 3, "none_period": 4,
            "none_pharmacy": 5, "none_account_stated": 6, "refused_validity": 64, "refused_exclusion": 65, "refused_flex_tier": 66,
            "refused_parameter": 67, "refused_after": 68}
REFUSED = 64


def _st(name: str) -> str:
    return f"CAST({STATUSES[name]} AS TINYINT)"


_STATUS_TEXT = "CASE a.status " + " ".join(f"WHEN {c} THEN '{n}'" for n, c in STATUSES.items()) + " END"
# The expected figures (fen; the ratio in 1/10000), as the plan and the reference fallback both give them.
FIGURES = ("inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "fund_pay_sumamt",
        "psn_part_amt", "acct_pay", "psn_cash_pay")


def _neg(expr: str) -> str:
    return f"CAST(CASE WHEN a.status >= {REFUSED} THEN NULL WHEN a.is_rev THEN -({expr}) ELSE {expr} END AS BIGINT)"


# A-AUDIT-ACCT-UNKNOWN: without an opening balance the settlement's recorded account payment is taken
# as it stands — but never above 个人负担, the most any account can pay (acct_base, the own account's
# share, plus a relative's as recorded), nor below a relative's as recorded (part of it; 0 where none: a settlement
# never pays into the account) — and its reversal must give back exactly that (A-REVERSAL; `l.init_acct_pay` is the
# reversed settlement's recorded figure, set by the reader). Otherwise the person's own account, then a relative's as recorded
# (A-AUDIT-ACCT-MULAID: part of 个人账户支出, not of this balance).
_OWN = "LEAST(a.acct_balance, a.a_incl - a.own_acct + a.acct_base) - LEAST(a.acct_balance, a.a_incl - a.own_acct) + a.mulaid"
# A-AUDIT-ACCT-CREDITS: where the opening balance no longer covers what the own account should pay, the
# month's credits (not in the ledger) decide it: taken as recorded from there, as without a balance —
# but never below what the opening balance certainly held (credits only add): the own account pays at
# least _OWN, and never more than its share of 个人负担 (acct_base; a relative's as recorded on top).
# Where the balance covers it, the figure is exact. A reversal gives back exactly what its settlement
# is taken to have paid.
_SHORT = "(a.acct_base > 0 AND a.a_incl - a.own_acct + a.acct_base > a.acct_balance)"
_REC_ACCT = "COALESCE(CASE WHEN a.is_rev THEN l.init_acct_pay ELSE l.acct_pay END, 0)"
# Before the document's account reform (浙江 二（三）) the account's part is not the document's: not assessed
# (A-BEFORE-VALIDITY, as the reference engine's acct_undetermined), nor psn_cash_pay, which follows from it.
_ACCT = (f"(CASE WHEN a.status >= {REFUSED} OR a.pre_reform THEN NULL ELSE (CASE WHEN a.is_rev THEN -1 ELSE 1 END)"
         f" * (CASE WHEN a.acct_balance IS NULL THEN GREATEST(LEAST({_REC_ACCT}, a.acct_base + a.mulaid), a.mulaid)"
         f" WHEN {_SHORT} THEN LEAST(GREATEST({_REC_ACCT}, {_OWN}), a.acct_base + a.mulaid)"
         f" ELSE {_OWN} END) END)")
# A-AUDIT-PARTS-EXCEED: where the recorded other funds, hospital part and relative's account (each fitting the total,
# ledger.py) exceed what the expected pooled fund leaves of it, any expected 个人负担 (or account, cash) would be below
# zero, a figure no article gives: psn_part_amt, acct_pay and psn_cash_pay are not assessed (NULL; the fund's are),
# as the reference route's settle_ref (PARTS_OVER), and the own account's balance is unknown after (`pre_p`).
PARTS_OVER = "A-AUDIT-PARTS-EXCEED"


def _personal(expr: str) -> str:
    return f"(CASE WHEN a.over > 0 THEN NULL ELSE {expr} END)"


# What decided the expected account payment, for its clause: the balance (exact), none given (taken as recorded,
# at most 个人负担: A-AUDIT-ACCT-UNKNOWN), the credits past a short balance (A-AUDIT-ACCT-CREDITS), or no account
# of one's own (nothing but a relative's: the account article alone; the row's fund clause says why there is none).
ACCT_BASIS = {"balance": 0, "unknown": 1, "credits": 2, "no_account": 3}
_ACCT_CLAUSE = ("CASE d.acct_basis WHEN 1 THEN CONCAT(st.acct_pay_cite, '；A-AUDIT-ACCT-UNKNOWN')"
                " WHEN 2 THEN CONCAT(st.acct_pay_cite, '；A-AUDIT-ACCT-CREDITS') ELSE st.acct_pay_cite END")
# `settled` carries the opening balance on as unknown after a payment the account may have made before the
# reform (A-AUDIT-ACCT-UNKNOWN from then on); whether later rows are refused after an unassessed one still
# turns on the opening balance given (A-AUDIT-AFTER-UNASSESSED), as the reference route decides it.
_SETTLED_KEEP = _cols("a.", _KEEP.replace(" net,", "").replace(" status,", "")).replace(
    "a.acct_balance", "CASE WHEN a.pre_p > 0 THEN NULL ELSE a.acct_balance END AS acct_balance")
# The med_types a document's stated pre-reform treatment covers (conform/reference/benefits.py), as SQL literals.
_PRE_STATED = ", ".join(f"'{m}'" for m in BEFORE_VALIDITY_STATED)
def _acct_running(s: str) -> str:
    """The running sums over the person (the third sort): the account's, read only where the opening balance is
    known, and the years of reversals that gave back a total, which only a person with a reversal has."""
    return f"""acct{s} AS (
  SELECT p.*, CASE WHEN p.is_rev THEN 0 ELSE p.acct_base END AS own_acct,
    CAST(SUM(CASE WHEN p.is_rev THEN -p.acct_base ELSE p.acct_base END) OVER ({W_PERSON_SQ}) AS BIGINT) AS a_incl,
    SUM(p.ref_src) OVER ({W_PERSON_SQ}) AS ref_p,
    -- the own account may have paid before the reform, by rules not in the text, or where the recorded parts exceed
    -- what the expected fund leaves (A-AUDIT-PARTS-EXCEED): what it holds is unknown from then on
    SUM(CASE WHEN (p.pre_reform AND p.acct_base > 0) OR p.over = 2 THEN 1 ELSE 0 END) OVER ({W_PERSON_SQ}) AS pre_p
  FROM parts{s} p
),"""


def _no_acct_running(s: str) -> str:
    """For a person without an opening balance and without a reversal nothing reads the third sort: `_ACCT` takes the
    recorded figure (at most 个人负担, at least the relative's part) before it reads a_incl, `refused_after` from ref_p
    needs a balance, and pre_p only makes a known balance unknown."""
    return f"""acct{s} AS (
  SELECT p.*, 0 AS own_acct, 0 AS a_incl, 0 AS ref_p, 0 AS pre_p
  FROM parts{s} p
),"""


# The persons who need the third sort: an opening balance given, or a reversal in the ledger.
# (A NULL from the IN — a NULL psn_no — counts as needing it: the full chain is right for everyone.)
_FULL = "(p.acct_balance IS NOT NULL OR COALESCE(p.psn_no IN (SELECT psn_no FROM reversals), TRUE))"


def _plan_rows(full: bool) -> tuple[str, str]:
    """The plan's CTEs (named with suffix `_b` or `_n`) and its SELECT for the persons who need the third sort (`full`:
    `_FULL`) or those who do not: two chains in one statement, so that the persons with neither an opening balance nor
    a reversal — most of a ledger where the persons file gives few balances — are sorted twice, not three times
    (2M rows, 20% of them with a balance: about 10% less CPU for the stage)."""
    s = "_b" if full else "_n"
    who = _FULL if full else f"NOT {_FULL}"
    return f"""gx{s} AS (
  -- Every row of the ledger as the settlement it is or reverses: a reversal carries its settlement's
  -- columns (and its own recorded figures), at its own place in settlement order.
  SELECT l.rid, l.rid AS o_rid, l.setl_date AS o_date, l.setl_time AS o_time, FALSE AS is_rev,
    {", ".join("l." + c for c in _IN)}
  FROM ledger l WHERE l.init_setl_id IS NULL
  UNION ALL
  SELECT s.rid, r.rid, r.setl_date, r.setl_time, TRUE, {", ".join("s." + c for c in _IN)}
  FROM ledger r JOIN {REVERSED_SETTLEMENTS} s ON s.setl_id = r.init_setl_id
  WHERE r.init_setl_id IS NOT NULL
),
gated{s} AS (
  SELECT g.rid, g.o_rid, g.o_date, g.o_time, g.is_rev, p.pid, g.setl_date, g.facility, g.exclusion, g.medfee_sumamt,
    -- 个人负担 is `net` less the pooled fund: the total less the other funds and the hospital's part, both
    -- as recorded; `oth` again for 基金支付总额.
    g.medfee_sumamt - g.oth_fund_pay - COALESCE(g.hosp_part_amt, 0) AS net, g.oth_fund_pay AS oth,
    COALESCE(g.acct_mulaid_pay, 0) AS mulaid,
    CAST(EXTRACT(YEAR FROM g.setl_date) AS SMALLINT) AS yr,
    g.medfee_sumamt - COALESCE(g.fulamt_ownpay_amt, 0) - COALESCE(g.overlmt_selfpay, 0)
      - COALESCE(g.preselfpay_amt, 0) AS inscp,
    -- 乙类先行自付, read once after the first sort to say where A-DEDUCTIBLE-SCOPE decides a figure (`sc`), then dropped
    COALESCE(g.preselfpay_amt, 0) AS pre,
    -- before the document takes effect only the visits its text names are settled (南昌 一: 普通门诊 and
    -- 药店购药, the fund paying nothing); any other (an emergency, a day surgery) is refused (A-BEFORE-VALIDITY)
    g.med_type IN ({_PRE_STATED}) AS pre_stated,
    g.acct_used_flag, p.acct_balance, p.bp_begin, p.bp_end,
    -- the settlement (a reversal: the one it reverses) is dated before the document's account reform
    COALESCE(g.setl_date < st.acct_reform, FALSE) AS pre_reform,
    CASE WHEN p.ytd_year = EXTRACT(YEAR FROM g.setl_date) THEN p.ytd_dedc ELSE 0 END AS open_dedc,
    CASE WHEN p.ytd_year = EXTRACT(YEAR FROM g.setl_date) THEN p.ytd_pay ELSE 0 END AS open_pay,
    CASE WHEN p.retire_date IS NOT NULL AND g.setl_date >= p.retire_date THEN 'retiree' ELSE pt.pt_role END AS role,
    (g.remote AND st.remote_elig AND NOT COALESCE(p.remote_filing, FALSE)) AS unfiled,
    COALESCE(p.has_account, CASE WHEN pt.pt_flexible THEN (CASE WHEN p.flex_tier IS NULL THEN NULL
                                                               ELSE p.flex_tier <> 2 END) ELSE TRUE END) AS has_acc,
    COALESCE(p.has_account = FALSE, FALSE) AS no_account_stated,
    ex.ex_code IS NOT NULL AS ex_known
  FROM gx{s} g
  JOIN routed p ON p.psn_no = g.psn_no
  CROSS JOIN settings st
  JOIN psn_types pt ON pt.pt_code = COALESCE(p.p_psn_type, g.psn_type)
  LEFT JOIN exclusions ex ON ex.ex_code = g.exclusion
  WHERE NOT p.fallback AND {who}
),
rated{s} AS (
  SELECT g.*, pr.pr_id, pr.dedc AS d_fen, pr.cap AS c_fen,
    -- no account of one's own to pay from: so stated in the persons file, or (where the document makes the
    -- account a condition) a flexible worker of the tier without one (A-PZH-FLEX-TIER2)
    (g.no_account_stated OR (st.requires_account AND g.has_acc IS NOT NULL AND NOT g.has_acc)) AS no_account,
    CASE WHEN g.unfiled THEN st.remote_num ELSE pr.ratio_num END AS num,
    CASE WHEN g.unfiled THEN st.remote_den ELSE pr.ratio_den END AS den,
    CASE
      WHEN g.setl_date < st.valid_from THEN (CASE WHEN st.pre_none AND g.pre_stated THEN {_st('none_pre')}
                                                 ELSE {_st('refused_validity')} END)
      WHEN g.setl_date > st.valid_to THEN {_st('refused_validity')}
      WHEN g.exclusion IS NOT NULL THEN (CASE WHEN g.ex_known THEN {_st('none_exclusion')} ELSE {_st('refused_exclusion')} END)
      WHEN st.requires_account AND g.has_acc IS NULL THEN {_st('refused_flex_tier')}
      WHEN st.requires_account AND g.no_account_stated THEN {_st('none_account_stated')}
      WHEN st.requires_account AND NOT g.has_acc THEN {_st('none_account')}
      WHEN st.requires_account AND g.bp_begin IS NOT NULL AND (g.setl_date < g.bp_begin OR g.setl_date > g.bp_end)
        THEN {_st('none_period')}
      WHEN g.unfiled AND st.remote_err IS NOT NULL THEN {_st('refused_parameter')}
      WHEN g.unfiled THEN (CASE WHEN pr.dc_err IS NOT NULL THEN {_st('refused_parameter')} ELSE {_st('ordinary')} END)
      WHEN pr.ratio_err IS NOT NULL THEN {_st('refused_parameter')}
      WHEN NOT pr.covered THEN {_st('none_pharmacy')}
      WHEN pr.dc_err IS NOT NULL THEN {_st('refused_parameter')}
      ELSE {_st('ordinary')}
    END AS status
  FROM gated{s} g
  CROSS JOIN settings st
  JOIN params pr ON pr.role = g.role AND pr.facility = g.facility
),
base{s} AS (
  SELECT r.*, CASE WHEN r.status = 0 THEN r.inscp ELSE 0 END AS cnt,
    (r.status < {REFUSED} AND r.acct_used_flag AND NOT r.no_account) AS acct_ok,
    -- A settlement the plan cannot assess still stands in the person's running totals: counted here
    -- (its reversal takes it back out), so that the rows after it are refused too (A-AUDIT-AFTER-UNASSESSED).
    CAST(CASE WHEN r.status < {REFUSED} THEN 0 WHEN r.is_rev THEN -1 ELSE 1 END AS TINYINT) AS ref_src
  FROM rated{s} r
),
win{s} AS (
  SELECT {_KEEP}, o_date, o_time, yr, cnt, open_dedc, open_pay, acct_ok, ref_src, pre FROM base{s}
),
-- The running totals are clamped prefix sums. A reversal row adds the negative of its settlement:
-- right after that settlement (reverse and re-settle) the sums are back to what they were before it,
-- so later settlements see neither, and on the reversal row itself `prev` (the sum before this row,
-- less the reversal's own part) is the sum before its settlement, so the row recomputes exactly that
-- settlement's figures. (A person with a reversal anywhere else is the reference engine's: `routed`.)
dedc{s} AS (
  SELECT w.*, CASE WHEN w.is_rev THEN 0 ELSE w.cnt END AS own_cnt,
    CAST(SUM(CASE WHEN w.is_rev THEN -w.cnt ELSE w.cnt END) OVER ({W_YEAR}) AS BIGINT) AS b_incl,
    CAST(ROW_NUMBER() OVER ({W_YEAR}) AS INTEGER) AS sq,
    SUM(w.ref_src) OVER ({W_YEAR}) AS ref_y
  FROM win{s} w
),
dedc1{s} AS (
  -- After a settlement of the year that cannot be assessed, the running deductible and cap are unknown.
  SELECT {_cols("d.", _KEEP.replace(" status,", ""))}, d.yr, d.sq, d.cnt, d.open_dedc, d.open_pay, d.acct_ok, d.b_incl,
    d.own_cnt, d.ref_src, d.pre,
    CASE WHEN d.status < {REFUSED} AND d.ref_y > 0 THEN {_st('refused_after')} ELSE d.status END AS status
  FROM dedc{s} d
),
dedc2{s} AS (
  -- The parameters are looked up again by their row number rather than carried through the sort.
  SELECT {_cols("d.", _KEEP)}, d.yr, d.sq, d.cnt, d.open_pay, d.acct_ok, d.ref_src,
    CASE WHEN d.unfiled THEN st.remote_num ELSE pr.ratio_num END AS num,
    CASE WHEN d.unfiled THEN st.remote_den ELSE pr.ratio_den END AS den,
    CASE WHEN d.status = 0 THEN LEAST(pr.dedc, d.open_dedc + d.b_incl - d.own_cnt + d.cnt)
                       - LEAST(pr.dedc, d.open_dedc + d.b_incl - d.own_cnt) ELSE 0 END AS dedc_fen,
    -- what was left of the deductible before the row, less its base: for A-REVERSAL on the deductible (`rv_dedc`)
    CASE WHEN d.status = 0 THEN pr.dedc - LEAST(pr.dedc, d.open_dedc + d.b_incl - d.own_cnt) - d.cnt ELSE 0 END AS dl,
    -- Where this bill's 先行自付 (p) makes the deductible's scope decide a figure (benefits._deductible_scope), with
    -- L = the deductible left before the row: bit 1 the deductible (p > 0, L > 0: also "先行自付 while the deductible
    -- was not met", which the fund window counts for the later rows), bit 2 the payment (also base > 0, L < base + p)
    CAST(CASE WHEN d.status = 0 AND d.pre > 0 AND pr.dedc > LEAST(pr.dedc, d.open_dedc + d.b_incl - d.own_cnt)
         THEN 1 + (CASE WHEN d.cnt > 0 AND pr.dedc - LEAST(pr.dedc, d.open_dedc + d.b_incl - d.own_cnt)
                              < d.cnt + d.pre THEN 2 ELSE 0 END) ELSE 0 END AS TINYINT) AS sc
  FROM dedc1{s} d CROSS JOIN settings st JOIN params pr ON pr.pr_id = d.pr_id
),
raw{s} AS (
  SELECT {_cols("d.", _KEEP)}, d.yr, d.sq, d.open_pay, d.acct_ok, d.dedc_fen, d.ref_src, d.dl, d.sc,
    CASE WHEN d.status = 0 THEN ((d.cnt - d.dedc_fen) * d.num * 2 + d.den) // (2 * d.den) ELSE 0 END AS raw_fen
  FROM dedc2{s} d
),
fund{s} AS (
  SELECT r.*, CASE WHEN r.is_rev THEN 0 ELSE r.raw_fen END AS own_raw,
    CAST(SUM(CASE WHEN r.is_rev THEN -r.raw_fen ELSE r.raw_fen END) OVER ({W_YEAR_SQ}) AS BIGINT) AS s_incl,
    -- the deductible given back by the reversals of the row's natural year so far (in the same window: no sort of its own)
    CAST(SUM(CASE WHEN r.is_rev THEN r.dedc_fen ELSE 0 END) OVER ({W_YEAR_SQ}) AS BIGINT) AS rv_back,
    -- … and the ratio's figures they took out of the cap total (`rv_fund`)
    CAST(SUM(CASE WHEN r.is_rev THEN r.raw_fen ELSE 0 END) OVER ({W_YEAR_SQ}) AS BIGINT) AS rv_raw,
    -- … and the rows of the year so far with 先行自付 while the deductible was not met (`sc` bit 1; a reversal takes
    -- its settlement's back, as YearState.scope_pre)
    SUM(CASE WHEN r.sc IN (1, 3) THEN (CASE WHEN r.is_rev THEN -1 ELSE 1 END) ELSE 0 END) OVER ({W_YEAR_SQ}) AS sp_incl
  FROM raw{s} r
),
fund2{s} AS (
  SELECT {_cols("f.", _KEEP)}, f.yr, f.sq, f.acct_ok, f.dedc_fen, f.raw_fen, f.ref_src,
    -- A-REVERSAL on the deductible where the figure rests on what the reversals gave back (`rv_back`): had they given
    -- nothing back, min(base, max(left − back, 0)) would be charged, other than the row's min(base, left) exactly
    -- where it charged some and left − base < back, as benefits._reversed cites it (probe s26/probeR R2)
    (f.rv_back > 0 AND f.dedc_fen > 0 AND f.dl < f.rv_back) AS rv_dedc,
    -- A-REVERSAL on the payment where it used cap room the reversals gave back: had they given nothing back, what
    -- was left of the cap would be max(cap − total before the row − their figures, 0), and the payment above it, as
    -- benefits._reversed_cap cites it (pay > max(cap_left − back, 0); equal, since a reversed settlement the cap cut
    -- leaves both 0). A capped payment above 0 always; an uncapped one where it needed that room (probe s29 A2 F1).
    (f.status = 0 AND f.rv_raw > 0 AND LEAST(pr.cap, f.open_pay + f.s_incl - f.own_raw + f.raw_fen)
       - LEAST(pr.cap, f.open_pay + f.s_incl - f.own_raw)
       > GREATEST(pr.cap - f.open_pay - f.s_incl + f.own_raw - f.rv_raw, 0)) AS rv_fund,
    CASE WHEN f.status = 0 THEN LEAST(pr.cap, f.open_pay + f.s_incl - f.own_raw + f.raw_fen)
                   - LEAST(pr.cap, f.open_pay + f.s_incl - f.own_raw) ELSE 0 END AS fund_fen,
    -- A-DEDUCTIBLE-SCOPE (plan._SCOPE_CITE, _SCOPE_FUND): this bill's `sc`, and both bits where an earlier row of the
    -- year had 先行自付 while the deductible was not met (`sp_incl` less the row's own; a reversal row's settlement,
    -- right before it, is already taken back) and this row's deductible counted something (probe s29 R R1)
    CAST(CASE WHEN f.status = 0 AND f.dedc_fen > 0
                   AND f.sp_incl - (CASE WHEN NOT f.is_rev AND f.sc IN (1, 3) THEN 1 ELSE 0 END) > 0 THEN 3
              ELSE f.sc END AS TINYINT) AS scope
  FROM fund{s} f JOIN params pr ON pr.pr_id = f.pr_id
),
parts{s} AS (
  -- 个人负担 once (`net` stops here), and whether the cap cut the fund (not the raw figure itself).
  SELECT {_cols("f.", _KEEP.replace(" net,", ""))}, f.yr, f.sq, f.dedc_fen, f.fund_fen, f.fund_fen < f.raw_fen AS capped,
    f.rv_dedc, f.rv_fund, f.scope,
    f.net - f.fund_fen AS part, f.ref_src,
    -- the person's own account pays what the relative's (as recorded) leaves of 个人负担
    CASE WHEN f.acct_ok AND f.status < {REFUSED} THEN GREATEST(f.net - f.fund_fen - f.mulaid, 0) ELSE 0 END AS acct_base,
    -- A-AUDIT-PARTS-EXCEED (PARTS_OVER): the recorded parts leave less than the expected fund (1; 2 where the own
    -- account may have paid, making what it holds unknown from then on)
    CAST(CASE WHEN f.status < {REFUSED} AND f.net - f.fund_fen - f.mulaid < 0 THEN (CASE WHEN f.acct_ok THEN 2 ELSE 1 END)
         ELSE 0 END AS TINYINT) AS over
  FROM fund2{s} f
),
{_acct_running(s) if full else _no_acct_running(s)}
settled{s} AS (
  -- A known opening balance runs on across the years: after a settlement that cannot be assessed,
  -- what the account holds is unknown, in later years too.
  SELECT {_SETTLED_KEEP}, a.dedc_fen, a.fund_fen, a.capped, a.part,
    a.acct_base, a.own_acct, a.a_incl, a.over,
    -- the deductible charged rests on what a reversal earlier in the row's natural year gave back (bit 1: `rv_dedc`), the
    -- payment on cap room one gave back (bit 2: `rv_fund`): A-REVERSAL, as the reference engine's deductible (cap) step
    -- cites it (benefits._reversed, _reversed_cap); one small number, as `status`, not two columns through the rest
    CAST((CASE WHEN a.rv_dedc THEN 1 ELSE 0 END) + (CASE WHEN a.rv_fund THEN 2 ELSE 0 END) AS TINYINT)
      AS rev_totals, a.scope,
    CASE WHEN a.status < {REFUSED} AND a.acct_balance IS NOT NULL AND a.ref_p > 0 THEN {_st('refused_after')}
         ELSE a.status END AS status
  FROM acct{s} a
)""", f"""SELECT 'plan' AS route,
  CASE WHEN a.is_rev AND a.status < {REFUSED} THEN 'reversal' ELSE {_STATUS_TEXT} END AS status,
  {_neg("a.inscp")} AS inscp_scp_amt, {_neg("a.dedc_fen")} AS act_pay_dedc,
  {_neg("a.fund_fen")} AS hifp_pay,
  CAST(CASE WHEN a.status = 0 THEN (CASE WHEN a.unfiled THEN st.remote_e4 ELSE pr.ratio_e4 END)
    WHEN a.status >= {REFUSED} THEN NULL ELSE 0 END AS BIGINT)
    AS pool_prop_selfpay,
  {_neg("a.fund_fen + a.oth")} AS fund_pay_sumamt, {_personal(_neg("a.part"))} AS psn_part_amt,
  CAST({_personal(_ACCT)} AS BIGINT) AS acct_pay, CAST({_personal(_neg("a.part") + " - " + _ACCT)} AS BIGINT) AS psn_cash_pay,
  a.o_rid AS rid, {_STATUS_TEXT} AS base_status, a.pr_id, a.unfiled, a.capped, a.is_rev, a.rev_totals, a.scope,
  {", ".join(f"l.{f} AS rec_{f}" for f in RECORDED)},
  CAST(CASE WHEN a.status >= {REFUSED} OR a.pre_reform OR a.over > 0 THEN NULL WHEN a.no_account THEN {ACCT_BASIS['no_account']}
            WHEN a.acct_balance IS NULL THEN {ACCT_BASIS['unknown']}
            WHEN {_SHORT} THEN {ACCT_BASIS['credits']} ELSE {ACCT_BASIS['balance']} END AS TINYINT) AS acct_basis
FROM settled{s} a JOIN ledger l ON l.rid = a.o_rid JOIN params pr ON pr.pr_id = a.pr_id CROSS JOIN settings st"""


_ROWS_N, _ROWS_B = _plan_rows(False), _plan_rows(True)
EXPECTED_ROWS = f"""
WITH {_ROWS_N[0]},
{_ROWS_B[0]}
{_ROWS_N[1]}
UNION ALL
{_ROWS_B[1]}
UNION ALL
SELECT x.route, x.status, {", ".join("x." + c for c in FIGURES)}, l.rid, x.status, CAST(NULL AS INTEGER), CAST(NULL AS BOOLEAN), CAST(NULL AS BOOLEAN), FALSE, CAST(0 AS TINYINT), CAST(0 AS TINYINT), {", ".join(f"l.{f}" for f in RECORDED)},
  CAST(x.acct_basis AS TINYINT)
FROM expected_ref x JOIN ledger l ON l.setl_id = x.setl_id
""".strip()
# `expected_rows`: one row per ledger row (`rid`): route, status, the figures, the clause keys and the
# recorded figures. The reference engine's rows keep their clause texts in expected_ref; the plan's
# clauses are looked up in `compare`, for the rows that differ only.
_ROW_COLUMNS = (("route", "status") + FIGURES + ("base_status", "pr_id", "unfiled", "capped", "is_rev", "rev_totals",
                                                 "scope")
                + tuple(f"rec_{f}" for f in RECORDED) + ("acct_basis",))
# A row kept as it is: a recorded figure differs (any of them: `differing` narrows to the audited ones) or
# the row could not be assessed.
def _differs(f: str) -> str:
    """Field `f` of row `e` differs: both the recorded and the expected figure are known, and unequal."""
    return f"(e.rec_{f} IS NOT NULL AND e.{f} IS NOT NULL AND e.rec_{f} <> e.{f})"


# A refused row has no figure (`_neg`; the reference route's refuse() gives none): its status text is matched only
# where hifp_pay is NULL, not on every row of ten million.
REFUSED_ROW = "(e.hifp_pay IS NULL AND e.status LIKE 'refused%')"
_KEPT = " OR ".join([_differs(f) for f in RECORDED] + [REFUSED_ROW])
# A row assessed whose account fields were not (before the document's account reform, 浙江 二（三）: the plan's
# pre_reform, the reference route's acct_undetermined — the only ways a row not refused leaves both NULL) while
# the ledger recorded one of them: a recorded figure nobody checked, counted for the report (run.py
# ACCT_NOT_ASSESSED) with its first row in export order as the example.
# (The NULL tests first, the text's LIKE last: the rows they leave are few, and only those are matched by pattern.)
ACCT_UNCHECKED = ("(e.acct_pay IS NULL AND e.psn_cash_pay IS NULL AND e.psn_part_amt IS NOT NULL"
                  " AND (e.rec_acct_pay IS NOT NULL OR e.rec_psn_cash_pay IS NOT NULL) AND e.status NOT LIKE 'refused%')")
# A row assessed whose personal fields were not (PARTS_OVER: the only way a row not refused leaves psn_part_amt NULL)
# while the ledger recorded one of them: counted apart, with its own reason (run.py fields_not_assessed).
PARTS_UNCHECKED = ("(e.psn_part_amt IS NULL AND (e.rec_psn_part_amt IS NOT NULL OR e.rec_acct_pay IS NOT NULL"
                   " OR e.rec_psn_cash_pay IS NOT NULL) AND e.status NOT LIKE 'refused%')")
# The stage `expected`: the rows kept one by one (`rid` set), and every other row summed into one row
# (`rid` NULL) with what the totals need. Ten million rows written as a table only to be filtered and summed
# cost ~2 s at 10M rows (the statement 13.9 -> 11.6-12.1 s); `expected_rows` stays the per-row definition
# (a kept test connection reads it as a view).
EXPECTED = (f"SELECT CASE WHEN {_KEPT} THEN e.rid END AS rid, "
            + ", ".join(f"ANY_VALUE(e.{c}) AS {c}" for c in _ROW_COLUMNS)
            + ", COUNT(*) AS n_rows, SUM(e.hifp_pay) AS sum_hifp_pay,"
            " SUM(CASE WHEN e.hifp_pay IS NOT NULL THEN e.rec_hifp_pay END) AS sum_rec_hifp_pay,"
            f" COUNT(CASE WHEN {REFUSED_ROW} THEN 1 END) AS n_unassessed,"
            f" COUNT(CASE WHEN {ACCT_UNCHECKED} THEN 1 END) AS n_acct_unchecked,"
            f" MIN(CASE WHEN {ACCT_UNCHECKED} THEN e.rid END) AS acct_unchecked_rid,"
            f" COUNT(CASE WHEN {PARTS_UNCHECKED} THEN 1 END) AS n_parts_unchecked,"
            f" MIN(CASE WHEN {PARTS_UNCHECKED} THEN e.rid END) AS parts_unchecked_rid"
            f"\nFROM ({EXPECTED_ROWS}) AS e\nGROUP BY 1")
BASE_COLUMNS = ("setl_id", "psn_no", "route", "status") + FIGURES + ("clause_dedc", "clause_fund", "clause_ratio", "note",
                                                                     "acct_basis")
# The statements every engine materialises, in order (`differing` depends on the audited fields).
# ROUTING come first: the reference fallback needs `routed` before the plan's `expected`.
ROUTING = ("reversals", "routed", "ledger_years")
STAGES = ROUTING + ("expected", "differing", "ord_persons")
# Stages that only filter an earlier one. Spark writes them like any stage (to learn their size);
# DuckDB keeps them as views, planned into the statement that reads them (0.4 s less at 10M rows).
FILTERS = ("differing", "ord_persons")
FALLBACK_PERSONS = "SELECT psn_no FROM routed WHERE fallback"

# Which field is decided by which clause column; money fields in fen, the ratio in 1/10000.
FIELDS = {
    "inscp_scp_amt": ("'国家医保平台结算口径'", 2),
    "act_pay_dedc": ("e.clause_dedc", 2),
    "hifp_pay": ("e.clause_fund", 2),
    "pool_prop_selfpay": ("e.clause_ratio", 4),
    "fund_pay_sumamt": ("e.clause_fund", 2),
    "psn_part_amt": ("e.clause_fund", 2),
    "acct_pay": ("e.clause_acct", 2),
    # 个人负担 (the fund's articles) less the account payment (the account's)
    "psn_cash_pay": ("CONCAT_WS('；', e.clause_fund, e.clause_acct)", 2),
}
# The article behind a plan row's figure, by its status (a reversal: its settlement's, marked A-REVERSAL).
_NONE_CITES = ("WHEN 'none_pre' THEN st.pre_cite WHEN 'none_exclusion' THEN ex.ex_cite WHEN 'none_account' THEN st.acct_cite"
               " WHEN 'none_account_stated' THEN st.elig_cite WHEN 'none_period' THEN st.elig_cite"
               " WHEN 'none_pharmacy' THEN st.pharm_cite")
_RATIO_CITE = "(CASE WHEN d.unfiled THEN st.remote_cite ELSE pr.ratio_cite END)"
# An emergency (13) or a day surgery (28) the plan settles is ordinary pooling by a reading (A-EMERGENCY-ORDINARY: the
# documents whose emergency or day surgery has a route of its own send the person to the reference engine); every
# figure of it rests on it, as the reference's clauses cite it (settle_ref.ROUTED_AS_ORDINARY). A reversal: its settlement's.
_ROUTED_AS_ORDINARY = ("(CASE WHEN d.base_status = 'ordinary' AND COALESCE(ls.med_type, l.med_type) IN ('13', '28')"
                       " THEN '；A-EMERGENCY-ORDINARY' ELSE '' END)")
# A-MIDYEAR-RETIREMENT, where the reference engine cites it (benefits.Outcome.midyear, _carried, _midyear_ratio): a
# retiree whose retire_date (persons file; the plan settles no row before it: `routed`) falls in the settlement's
# natural year after 1 January. Read from the row's figures, in `compare` (differing rows only), not carried through
# the windows: the deductible where the year's earlier count bound it (taken less than its base — where nothing was
# counted it takes min(D, base), so less than both means something was); the cap where it cut the payment after an
# earlier one (capped and below C); the ratio where the retiree's differs from the in-service one (`pi`), whatever it
# pays (the row records the ratio itself), not for an unfiled remote visit (the region's own ratio).
_MIDYEAR = "A-MIDYEAR-RETIREMENT"
_MIDYEAR_ROW = ("(d.base_status = 'ordinary' AND pr.role = 'retiree' AND p.retire_date IS NOT NULL"
                " AND EXTRACT(YEAR FROM p.retire_date) = EXTRACT(YEAR FROM COALESCE(ls.setl_date, l.setl_date))"
                " AND (EXTRACT(MONTH FROM p.retire_date) > 1 OR EXTRACT(DAY FROM p.retire_date) > 1))")
_MID_DEDC = (f"({_MIDYEAR_ROW} AND ABS(d.act_pay_dedc) < ABS(d.inscp_scp_amt) AND ABS(d.act_pay_dedc) < pr.dedc)")
_MID_CAP = f"({_MIDYEAR_ROW} AND d.capped AND ABS(d.hifp_pay) < pr.cap)"
_MID_RATIO = (f"({_MIDYEAR_ROW} AND NOT d.unfiled"
              " AND pi.ratio_num * pr.ratio_den <> pr.ratio_num * pi.ratio_den)")
# … on the fund's figure only where the ratio paid something (a 0.00 the deductible left is 0.00 at any ratio), as
# settle_ref drops it from a 支付比例 step of 0.00 (probe s29 R R6; the ratio's own clause keeps it)
_MID_RATIO_PAID = f"({_MID_RATIO} AND d.hifp_pay <> 0)"


def _cite_if(cond: str, reading: str) -> str:
    return f"(CASE WHEN {cond} THEN '；{reading}' ELSE '' END)"


# What a deductible accumulates (A-DEDUCTIBLE-SCOPE, the document's `deductible_scope`: settings.dedc_scope), where the
# reference engine's deductible step cites it (benefits._deductible_scope): the row's `scope` bit 1 — this bill (a
# reversal: the one it reverses) has 先行自付 and something was left of the deductible, or an earlier visit of the year
# had 先行自付 while the deductible was not met and this one counted something. 全自费 and 超限价 never (probe s29 R R3).
_SCOPE_CITE = "(CASE WHEN st.dedc_scope IS NOT NULL AND d.scope IN (1, 3) THEN '；' || st.dedc_scope ELSE '' END)"
# … and on the pool payment the cap did not cut ((base − deductible) × ratio), after A-ROUND-FEN (settle_ref.SCOPE),
# where the other way of counting gives another payment (bit 2: base > 0 and left < base + 先行自付; or the earlier
# visits', as bit 1; probe s29 R R7)
_SCOPE_FUND = ("(CASE WHEN d.base_status = 'ordinary' AND NOT d.capped AND st.dedc_scope IS NOT NULL"
               " AND d.scope >= 2 THEN '；' || st.dedc_scope ELSE '' END)")


# The reference's order (settle_ref._cited): the step's article, the reading of that step (MIDYEAR), A-ROUND-FEN (the
# fund, `compare`), MIDYEAR carried from the deductible onto the fund where its own step did not cite it, then
# A-EMERGENCY-ORDINARY, A-REVERSAL and the totals' readings (`compare`).
_CLAUSES = {
    "clause_dedc": f"CASE d.base_status WHEN 'ordinary' THEN pr.dedc_cite || {_cite_if(_MID_DEDC, _MIDYEAR)}"
                   f" || {_SCOPE_CITE} {_NONE_CITES} END",
    "clause_fund": (f"CASE d.base_status WHEN 'ordinary' THEN (CASE WHEN d.capped"
                    f" THEN pr.cap_cite || {_cite_if(_MID_CAP, _MIDYEAR)}"
                    f" ELSE {_RATIO_CITE} || {_cite_if(_MID_RATIO_PAID, _MIDYEAR)} END) {_NONE_CITES} END"),
    "clause_ratio": f"CASE d.base_status WHEN 'ordinary' THEN {_RATIO_CITE} || {_cite_if(_MID_RATIO, _MIDYEAR)}"
                    f" {_NONE_CITES} END",
}
# On the fund after A-ROUND-FEN: MIDYEAR where the deductible cited it and the fund's own step did not.
_MID_FUND_AFTER = _cite_if(f"{_MID_DEDC} AND NOT (CASE WHEN d.capped THEN {_MID_CAP} ELSE {_MID_RATIO_PAID} END)",
                           _MIDYEAR)
# Where a plan row's clause names A-REVERSAL: a reversal row always (its settlement's articles, marked so); a settlement
# row where a reversal earlier in its natural year gave back part of the total its figure reads — the deductible's
# where the figure would differ had it given nothing back (rev_totals bit 1); the fund's where the payment used cap
# room one gave back (bit 2: above max(cap_left − back, 0)), or where the cap did not cut it and its deductible rests on
# the reading (bit 1: the payment is (base − that deductible) × ratio, so it differs with it; a cut payment is the cap's
# remainder whatever the deductible) — as the reference engine's deductible and cap steps cite it (benefits._reversed,
# _reversed_cap) and settle_ref carries the deductible's onto the payment (probe s29 A2 F1). A settlement reversed
# right after it is settled (the only reversals the plan takes) leaves the totals as they were, yet what is left of
# them after it is still the reading's: a system keeping the reversed deductible charges none on the next visit.
# A capped payment of 0.00 (the cap spent) would be 0.00 whatever the reversal gave back: the ratio's article alone.
_REVERSED = {"clause_dedc": "d.base_status = 'ordinary' AND d.rev_totals IN (1, 3)",
             "clause_fund": "d.base_status = 'ordinary' AND (d.rev_totals >= 2 OR (d.rev_totals = 1 AND NOT d.capped))",
             "clause_ratio": "FALSE"}
# The document's reading of the year its deductible and cap count over (北京, 浙江: A-YEAR-BY-SETTLEMENT-DATE, the
# settings' `year_reading`), in pr.dedc_cite and pr.cap_cite already: carried onto a payment the cap did not cut, which
# (base − deductible) × ratio computes from the deductible, as MIDYEAR is (settle_ref: probe s29 A2 F1).
_YEAR_FUND_AFTER = ("(CASE WHEN d.base_status = 'ordinary' AND NOT d.capped AND st.year_reading IS NOT NULL"
                    " THEN '；' || st.year_reading ELSE '' END)")
# A remote-filed person's visit outside the city, settled as at the place filed for, which no ledger says (攀枝花 第七条:
# the settings' `remote_filed`, A-PZH-REMOTE-FILED-PLACE): every figure of it rests on that reading, as the reference
# cites it (settle_ref.REMOTE_FILED; probe s29 A2 F2). A reversal: its settlement's.
_REMOTE_FILED = ("(CASE WHEN d.base_status = 'ordinary' AND st.remote_filed IS NOT NULL"
                 " AND COALESCE(CASE WHEN d.is_rev THEN ls.remote ELSE l.remote END, FALSE)"
                 " AND COALESCE(p.remote_filing, FALSE) THEN '；' || st.remote_filed ELSE '' END)")
# Readings on which every running total of a row's person-year rests, so its deductible and (through it, or the cap)
# its pool payment too, never its ratio; only where the running totals settled the row ('ordinary': none_* pays
# nothing whatever came before), as settle_ref cites them on the reference route:
# - A-AUDIT-ORDER (`od`, ORDER_TIES): the row is at or after one that starts a tie in its person-year;
# - A-AUDIT-YTD-FROM-LEDGER: the ledger does not hold the row's natural year from its start (`ledger_years`) and the
#   persons file gives the person no opening totals (ytd) for it: those before the ledger's first day are taken as 0.
#   The year is the settlement's (a reversal's: the one it reverses, `ls`).
# - A-AUDIT-MONTH-ABSENT: the row's (its settlement's) month is after the first month of its year with no row in the
#   ledger (`ledger_gaps`): the totals take that month as settling nothing.
YTD_FROM_LEDGER = "A-AUDIT-YTD-FROM-LEDGER"
MONTH_ABSENT = "A-AUDIT-MONTH-ABSENT"
_TOTALS_READINGS = (f"(CASE WHEN d.base_status = 'ordinary' AND od.rid IS NOT NULL THEN '；{ORDER_READING}' ELSE '' END)"
                    f" || (CASE WHEN d.base_status = 'ordinary' AND ly.yr IS NOT NULL"
                    f" AND (p.ytd_year IS NULL OR p.ytd_year <> ly.yr) THEN '；{YTD_FROM_LEDGER}' ELSE '' END)"
                    f" || (CASE WHEN d.base_status = 'ordinary' AND lg.yr IS NOT NULL"
                    f" AND EXTRACT(MONTH FROM COALESCE(ls.setl_date, l.setl_date)) > lg.gap_mo THEN '；{MONTH_ABSENT}' ELSE '' END)")


def _undecided(k: int) -> str:
    """Row `o` and the k-th after it share a day and no setl_time orders them: either has none (a blank one, or a lost
    time of exactly 00:00:00, which ledger._stored keeps as none), or both the same."""
    return (f"(o.d{k} = o.setl_date AND (o.ut IS NULL OR o.t{k} IS NULL OR o.t{k} = o.ut))")


# A-AUDIT-ORDER, for the rows of the plan's persons that differ: the ledger rows at or after the first one in their
# person-year that starts a tie — it and the next row share a day whose order no setl_time decides, so that either
# could have come first; where the next row is its own reversal (whose place right after it is the ledger's order),
# the one after that. A row's year is its settlement's (a reversal's: the one it reverses). Only the persons with a
# differing row are read again (a few in a hundred; their rows sorted here, the plan's own sorts untouched: the same
# LEAD and MIN in the plan's first and fund windows cost 5–6% of `expected` at 2M rows, docs/audit-engine.md); as
# settle_ref._order_doubts on the reference route, row for row.
_W_TIE = "PARTITION BY o.psn_no, o.fy ORDER BY o.setl_date, o.setl_time NULLS FIRST, o.rid"
# The persons whose rows these are: a stage of its own, so that on Spark the lookup of their rows in the ledger meets
# a table of known (small) size, broadcast, and no shuffle of the ledger.
ORD_PERSONS = "SELECT DISTINCT l.psn_no FROM differing d JOIN ledger l ON l.rid = d.rid WHERE d.route = 'plan'"
ORDER_TIES = f"""
  ord_rows AS (
    SELECT l.rid, l.psn_no, l.setl_id, l.init_setl_id, l.setl_date, l.setl_time, l.setl_time AS ut,
      EXTRACT(YEAR FROM COALESCE(s.setl_date, l.setl_date)) AS fy
    FROM ledger l LEFT JOIN {REVERSED_SETTLEMENTS} s ON s.setl_id = l.init_setl_id
    WHERE l.psn_no IN (SELECT psn_no FROM ord_persons)),
  ord_next AS (
    SELECT o.rid, o.psn_no, o.fy, o.setl_id, o.setl_date, o.ut, ROW_NUMBER() OVER ({_W_TIE}) AS pos,
      LEAD(o.init_setl_id, 1) OVER ({_W_TIE}) AS i1,
      {", ".join(f"LEAD(o.setl_date, {k}) OVER ({_W_TIE}) AS d{k}, LEAD(o.ut, {k}) OVER ({_W_TIE}) AS t{k}" for k in (1, 2))}
    FROM ord_rows o),
  ord_starts AS (
    SELECT o.rid, o.pos, o.psn_no, o.fy,
      CASE WHEN (o.i1 IS DISTINCT FROM o.setl_id AND {_undecided(1)}) OR (o.i1 = o.setl_id AND {_undecided(2)})
           THEN o.pos END AS start
    FROM ord_next o),
  ordered AS (
    SELECT o.rid FROM (SELECT o.rid, o.pos, MIN(o.start) OVER (PARTITION BY o.psn_no, o.fy) AS first FROM ord_starts o) o
    WHERE o.pos >= o.first),"""


def _dec(expr: str, scale: int) -> str:
    unit = "0.01" if scale == 2 else "0.0001"
    return f"CAST(CAST({expr} AS DECIMAL(18, 0)) * {unit} AS DECIMAL(18, 4))"


def _audited(fields: tuple[str, ...]) -> tuple[str, ...]:
    """The fields compared: those the export has, or hifp_pay when it has none of them."""
    return fields or ("hifp_pay",)


def differing_sql(fields: tuple[str, ...]) -> str:
    """The rows of `expected` where an audited field differs from the ledger: a stage of its own, so
    that `compare` joins a table of known (small) size with the ledger (on Spark: a broadcast)."""
    differs = " OR ".join(_differs(f) for f in _audited(fields))
    return f"SELECT * FROM expected AS e WHERE e.rid IS NOT NULL AND ({differs})"


# `fen_rounded` (the report's class 分位舍入不符): the expected pool payment is the product (inscp − dedc) × ratio
# with a part below the fen, rounded half-up (A-ROUND-FEN), and the recorded one is that product rounded to its
# other whole fen (truncated, or rounded up). Not where the product was a whole number of fen (no rounding to
# get wrong) or something else cut it (the cap: the expected figure is no rounding of it). In 1/10000 fen and
# DECIMAL(38, 0), without division: P = the product, H = the expected, R = the recorded pool payment (from
# fund_pay_sumamt less the other funds where the ledger has no hifp_pay); a reversal's figures by magnitude.
def _product(p: str) -> str:
    return f"(CAST(ABS({p}inscp_scp_amt) - ABS({p}act_pay_dedc) AS DECIMAL(38, 0)) * {p}pool_prop_selfpay)"


_P, _H = _product("e."), "CAST(ABS(e.hifp_pay) AS DECIMAL(38, 0))"
_R = "CAST(ABS(COALESCE(e.rec_hifp_pay, e.rec_fund_pay_sumamt - e.fund_pay_sumamt + e.hifp_pay)) AS DECIMAL(38, 0))"
FEN_ROUNDED = (f"COALESCE({_R} <> {_H} AND 2 * {_P} - 20000 * {_H} >= -10000 AND 2 * {_P} - 20000 * {_H} < 10000"
               f" AND ABS(10000 * {_R} - {_P}) < 10000, FALSE)")
# The pool payment's clause names A-ROUND-FEN where rounding to the fen changed the figure (the product, not
# cut by the cap, was no whole number of fen), as the reference engine's ratio step does (benefits._rounding).
_ROUND_CITE = (f"(CASE WHEN d.base_status = 'ordinary' AND NOT d.capped AND 10000 * CAST(ABS(d.hifp_pay) AS DECIMAL(38, 0))"
               f" <> {_product('d.')} THEN '；A-ROUND-FEN' ELSE '' END)")


def compare_sql(fields: tuple[str, ...]) -> str:
    """Discrepancies (columns: docs/audit.md §5, discrepancies.parquet): one row per settlement and audited field that differs.

    Only the rows that differ (`differing`) meet the ledger again (descriptive columns) and the clause tables."""
    fields = _audited(fields)
    clauses = ",\n    ".join(
        f"CASE WHEN d.route = 'reference' THEN x.{c} ELSE ({e})"
        f"{' || ' + _ROUND_CITE + ' || ' + _SCOPE_FUND + ' || ' + _MID_FUND_AFTER + ' || ' + _YEAR_FUND_AFTER if c == 'clause_fund' else ''}"
        f" || {_ROUTED_AS_ORDINARY} || {_REMOTE_FILED}"
        f" || (CASE WHEN d.is_rev OR ({_REVERSED[c]}) THEN '；A-REVERSAL' ELSE '' END)"
        f"{' || ' + _TOTALS_READINGS if c != 'clause_ratio' else ''} END AS {c}"
        for c, e in _CLAUSES.items())
    # A reversal row may leave its descriptive columns empty: they are the reversed settlement's.
    desc = ", ".join(f"COALESCE(l.{c}, ls.{c}) AS {c}"
                     for c in ("psn_type", "facility", "fixmedins_code", "fixmedins_name", "med_type"))
    cols = ", ".join(["l.setl_id", "l.psn_no", "l.setl_date", "l.init_setl_id", "d.route"] + [f"d.{c}" for c in RECORDED]
                     + [f"d.rec_{f}" for f in RECORDED]
                     # the settlement's expected status (a reversal: its settlement's), for the report's classes
                     + ["COALESCE(xr.status, d.base_status) AS status"])
    # One row per differing (settlement, field): the differing rows meet a list of the audited fields
    # once, instead of one scan per field (Spark would recompute `dd` in every branch of a UNION ALL).
    listed = ", ".join(f"('{f}')" for f in fields)

    def per_field(expr_of) -> str:
        return "CASE f.field " + " ".join(f"WHEN '{f}' THEN {expr_of(f)}" for f in fields) + " END"

    differs_f = per_field(_differs)
    recorded = per_field(lambda f: _dec("e.rec_" + f, FIELDS[f][1]))
    expected = per_field(lambda f: _dec("e." + f, FIELDS[f][1]))
    diff = per_field(lambda f: _dec("e.rec_" + f + " - e." + f, FIELDS[f][1]))
    clause = per_field(lambda f: FIELDS[f][0])
    return (f"WITH{ORDER_TIES}\ndd AS (\n  SELECT {cols}, {desc},\n    {clauses},\n    {_ACCT_CLAUSE} AS clause_acct\n"
            "  FROM differing d JOIN ledger l ON l.rid = d.rid\n"
            # the reversed settlements only: a hash table of the few reversed ids, not of every setl_id
            f"  LEFT JOIN {REVERSED_SETTLEMENTS} ls ON ls.setl_id = l.init_setl_id\n"
            "  LEFT JOIN expected_ref x ON x.setl_id = l.setl_id\n"
            "  LEFT JOIN expected_ref xr ON d.route = 'reference' AND xr.setl_id = l.init_setl_id\n"
            "  CROSS JOIN settings st\n  LEFT JOIN params pr ON pr.pr_id = d.pr_id\n"
            # the in-service ratio at the row's facility, for a mid-year retiree's ratio (_MID_RATIO)
            "  LEFT JOIN params pi ON pi.role = 'in_service' AND pi.facility = pr.facility\n"
            # the years not held from their start (a few rows), the person's opening totals' year, the rows whose
            # figures rest on the export's order
            "  LEFT JOIN ledger_years ly ON ly.yr = EXTRACT(YEAR FROM COALESCE(ls.setl_date, l.setl_date))\n"
            "  LEFT JOIN ledger_gaps lg ON lg.yr = EXTRACT(YEAR FROM COALESCE(ls.setl_date, l.setl_date))\n"
            "  LEFT JOIN routed p ON p.psn_no = l.psn_no\n  LEFT JOIN ordered od ON od.rid = d.rid\n"
            "  LEFT JOIN exclusions ex ON ex.ex_code = (CASE WHEN d.is_rev THEN ls.exclusion ELSE l.exclusion END)\n)\n"
            f"SELECT e.setl_id, e.psn_no, e.setl_date, STRFTIME(e.setl_date, '%Y-%m') AS month, e.psn_type, e.facility,"
            f" e.fixmedins_code, e.fixmedins_name, e.med_type, f.field, {recorded} AS recorded, {expected} AS expected, {diff} AS diff,"
            f" {clause} AS clause, e.route, e.init_setl_id, e.status, {FEN_ROUNDED} AS fen_rounded\n"
            f"FROM dd AS e CROSS JOIN (VALUES {listed}) AS f(field)\nWHERE {differs_f}")


TOTALS = """SELECT COALESCE(SUM(e.sum_hifp_pay), 0) AS expected_hifp_pay_fen,
  COALESCE(SUM(e.sum_rec_hifp_pay), 0) AS recorded_hifp_pay_fen,
  COALESCE(SUM(e.n_unassessed), 0) AS unassessed,
  (SELECT COUNT(DISTINCT x.psn_no) FROM expected_ref x) AS persons_reference,
  COALESCE(SUM(e.n_rows), 0) AS expected_rows,
  COALESCE(SUM(e.n_acct_unchecked), 0) AS acct_unchecked,
  MIN(e.acct_unchecked_rid) AS acct_unchecked_rid,
  COALESCE(SUM(e.n_parts_unchecked), 0) AS parts_unchecked,
  MIN(e.parts_unchecked_rid) AS parts_unchecked_rid
FROM expected e"""

# The rows the audit could not assess, by reason (status), with one example each: asked only when
# `totals.unassessed` is not 0, so a fully assessed ledger pays nothing for it.
UNASSESSED = """SELECT e.status, COUNT(*) AS n_rows, MIN(l.setl_id) AS example
FROM expected e JOIN ledger l ON l.rid = e.rid
WHERE e.rid IS NOT NULL AND e.status LIKE 'refused%'
GROUP BY e.status"""

# The notes of the rows the plan refused for a figure the region does not give: the refusal's own words, naming the key
# (params.py `*_note`, worded as the reference route words it, settle_ref._said), by status and note, with an example;
# asked only when some row was not assessed. As the rated stage decides: an unfiled remote visit reads the remote ratio,
# then the deductible and cap; any other the ratio (a 南昌 pharmacy's), then the deductible and cap.
UNASSESSED_NOTES = """SELECT e.status, CASE WHEN e.unfiled THEN COALESCE(st.remote_note, pr.dc_note)
    ELSE COALESCE(pr.ratio_note, pr.dc_note) END AS note, COUNT(*) AS n_rows, MIN(l.setl_id) AS example
FROM expected e JOIN ledger l ON l.rid = e.rid JOIN params pr ON pr.pr_id = e.pr_id CROSS JOIN settings st
WHERE e.rid IS NOT NULL AND e.route = 'plan' AND e.status = 'refused_parameter'
GROUP BY 1, 2"""

NAMED = {"unassessed_notes": UNASSESSED_NOTES, "reversals": REVERSALS, "routed": ROUTED.strip(), "ledger_years": LEDGER_YEARS, "ord_persons": ORD_PERSONS, "expected": EXPECTED, "expected_rows": EXPECTED_ROWS, "fallback_persons": FALLBACK_PERSONS,
         "totals": TOTALS, "unassessed": UNASSESSED}


@lru_cache(maxsize=64)
def transpile(text: str, dialect: str) -> str:
    if dialect == "duckdb":
        return text
    return sqlglot.transpile(text, read="duckdb", write=dialect)[0]


def sql(name: str, dialect: str = "duckdb", fields: tuple[str, ...] = ()) -> str:
    """The plan's statement `name` in `dialect` (duckdb as written; spark via sqlglot); `fields`, the
    audited fields, for `differing` and `compare`."""
    if name == "compare":
        text = compare_sql(fields)
    elif name == "differing":
        text = differing_sql(fields)
    else:
        text = NAMED[name]
    return transpile(text, dialect)
