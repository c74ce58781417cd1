"""The ONE definition of the audit plan: SQL written once, in DuckDB's dialect, and transpiled
to Spark SQL by sqlglot (`sql(name, dialect)`); no engine has its own copy.

What it computes, for every settlement of every person the plan can express exactly (ordinary
pooling in all five documents with their regions, pharmacies, exclusions, validity, account
eligibility, remote filing, opening year-to-date totals, reversals not followed by a later
settlement), exactly as reference/benefits.py + reference/engine.py do, in BIGINT fen:

  inscp_i = medfee - fulamt_ownpay - overlmt_selfpay - preselfpay          (政策范围内费用)
  B_i     = prefix sum of inscp over the person's counted settlements of the natural year
  dedc_i  = min(D, O_d + B_i) - min(D, O_d + B_{i-1})                       (起付线; O_d opening ytd)
  raw_i   = round_half_up((inscp_i - dedc_i) * num / den)  = ((x*num*2 + den) DIV (2*den))
  S_i     = prefix sum of raw_i
  fund_i  = min(C, O_p + S_i) - min(C, O_p + S_{i-1})                        (年度最高支付限额)
  psn_part = medfee - fund; acct = min(Bal, A_i) - min(Bal, A_{i-1}) over prefix sums A of the
  person's part where the account pays; psn_cash_pay = psn_part - acct.

The running totals of the reference engine (left = D - ytd; dedc = min(base, left)) are these
clamped prefix sums because every term is >= 0 (proof by induction: ytd_i = min(D, O_d + B_i)).
Integer division is DuckDB `//` = sqlglot IntDiv = Spark `DIV`; all operands are >= 0, so it is
floor = truncation on both engines.

Persons the plan cannot express (`fallback` below) are left out here and settled by the
reference engine (audit/fallback.py); their rows arrive as table `expected_ref`.
"""
from __future__ import annotations

from functools import lru_cache

import sqlglot

ORDER = "setl_date, setl_time NULLS FIRST, src_idx, src_row"
RECORDED = ("inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "fund_pay_sumamt", "psn_part_amt",
            "acct_pay", "psn_cash_pay")
_REC_L = ", ".join(f"l.{f} AS rec_{f}" for f in RECORDED) + ","
_REC_R = ", ".join(f"r.rec_{f}" for f in RECORDED) + ","
_CARRY_A = ("w.setl_date, w.psn_type, w.facility, w.fixmedins_code, w.med_type, "
            + ", ".join(f"w.rec_{f}" for f in RECORDED) + ",")
# A reversal row may leave its descriptive columns empty: they are the reversed settlement's.
_CARRY_R = ("r.setl_date, COALESCE(r.psn_type, s.psn_type) AS psn_type, COALESCE(r.facility, s.facility) AS facility, "
            "COALESCE(r.fixmedins_code, s.fixmedins_code) AS fixmedins_code, COALESCE(r.med_type, s.med_type) AS med_type, "
            + ", ".join(f"r.rec_{f}" for f in RECORDED) + ",")
W_YEAR = "PARTITION BY psn_no, yr ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
W_PERSON = "PARTITION BY psn_no ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"

# Settlement rows with everything a row needs: person, parameters, gate status.
_W_SEQ = "PARTITION BY l.psn_no ORDER BY l.setl_date, l.setl_time NULLS FIRST, l.src_idx, l.src_row"
_BASE = f"""
ordered AS (
  -- The sort runs over the keys only (narrow rows sort several times faster), then joins back.
  SELECT l.setl_id AS o_id, ROW_NUMBER() OVER ({_W_SEQ}) AS seq,
    COALESCE(l.init_setl_id = LAG(l.setl_id) OVER ({_W_SEQ}), FALSE) AS rev_adjacent,
    COALESCE(LEAD(l.init_setl_id) OVER ({_W_SEQ}) = l.setl_id, FALSE) AS annulled
  FROM ledger l
),
rows0 AS (
  -- One sort per person in settlement order gives seq and the neighbours; a reversal right after its
  -- settlement (reverse and re-settle) restores the totals to what they were before that settlement,
  -- so later rows see neither: that settlement is `annulled` for later rows.
  SELECT l.setl_id, l.psn_no, l.setl_date, l.med_type, l.facility, l.exclusion, l.remote, l.acct_used_flag,
    l.init_setl_id, l.medfee_sumamt, l.psn_type, l.fixmedins_code,
    {_REC_L}
    l.medfee_sumamt - COALESCE(l.fulamt_ownpay_amt, 0) - COALESCE(l.overlmt_selfpay, 0)
      - COALESCE(l.preselfpay_amt, 0) AS inscp,
    EXTRACT(YEAR FROM l.setl_date) AS yr,
    o.seq, o.rev_adjacent, o.annulled,
    (l.med_type = '14' OR (l.med_type = '13' AND st.em_inpatient) OR (l.med_type = '28' AND st.ds_inpatient))
      AS inpatient_like,
    p.p_psn_type, p.retire_date, p.has_account, p.flex_tier, p.bp_begin, p.bp_end, p.remote_filing,
    p.acct_balance, p.n_stays, st.hospital_flag,
    CASE WHEN p.ytd_year = EXTRACT(YEAR FROM l.setl_date) THEN p.ytd_dedc ELSE 0 END AS open_dedc,
    CASE WHEN p.ytd_year = EXTRACT(YEAR FROM l.setl_date) THEN p.ytd_pay ELSE 0 END AS open_pay
  FROM ledger l
  JOIN ordered o ON o.o_id = l.setl_id
  CROSS JOIN settings st
  LEFT JOIN persons p ON p.psn_no = l.psn_no
),
per_person AS (
  -- Whether the plan can express the person at all (else the reference engine settles them).
  SELECT psn_no, MIN(psn_type) AS type_min, MAX(psn_type) AS type_max,
    MAX(CASE WHEN init_setl_id IS NULL AND (
          inpatient_like
          OR (retire_date IS NOT NULL AND setl_date < retire_date)
          OR (n_stays > 0 AND hospital_flag))
        THEN 1 ELSE 0 END) AS fb_kind,
    MIN(CASE WHEN init_setl_id IS NOT NULL AND NOT rev_adjacent THEN seq END) AS first_rev,
    MAX(CASE WHEN init_setl_id IS NULL THEN seq END) AS last_settle,
    MAX(p_psn_type) AS pp_type
  FROM rows0 GROUP BY psn_no
)"""
_ROUTED = ("SELECT r.*, pp.type_min, pp.type_max, (pp.fb_kind = 1 OR (pp.pp_type IS NULL AND pp.type_min <> pp.type_max)"
           " OR COALESCE(pp.first_rev < pp.last_settle, FALSE)) AS fallback"
           " FROM rows0 r JOIN per_person pp ON pp.psn_no = r.psn_no")

_GATED = f"""
gated AS (
  -- Narrow rows through the windows: numbers and short codes only; clause texts are joined at the end.
  SELECT r.setl_id, r.psn_no, r.setl_date, r.med_type, r.facility, r.fixmedins_code, r.psn_type, r.exclusion,
    r.medfee_sumamt, r.inscp, r.yr, r.seq, r.acct_used_flag, r.acct_balance, r.open_dedc, r.open_pay,
    r.inpatient_like, r.bp_begin, r.bp_end, r.annulled, {_REC_R}
    CASE WHEN r.retire_date IS NOT NULL AND r.setl_date >= r.retire_date THEN 'retiree' ELSE pt.pt_role END AS role,
    (r.remote AND st.remote_elig AND NOT COALESCE(r.remote_filing, FALSE)) AS unfiled,
    COALESCE(r.has_account, CASE WHEN pt.pt_flexible THEN (CASE WHEN r.flex_tier IS NULL THEN NULL
                                                               ELSE r.flex_tier <> 2 END) ELSE TRUE END) AS has_acc,
    ex.ex_code IS NOT NULL AS ex_known
  FROM routed r
  CROSS JOIN settings st
  JOIN psn_types pt ON pt.pt_code = COALESCE(r.p_psn_type, r.type_min)
  LEFT JOIN exclusions ex ON ex.ex_code = r.exclusion
  WHERE NOT r.fallback AND r.init_setl_id IS NULL
),
rated AS (
  SELECT g.*, pr.dedc AS d_fen, pr.cap AS c_fen,
    CASE WHEN g.unfiled THEN st.remote_num ELSE pr.ratio_num END AS num,
    CASE WHEN g.unfiled THEN st.remote_den ELSE pr.ratio_den END AS den,
    CASE WHEN g.unfiled THEN st.remote_e4 ELSE pr.ratio_e4 END AS ratio_e4,
    CASE
      WHEN g.setl_date < st.valid_from THEN (CASE WHEN st.pre_none AND NOT g.inpatient_like THEN 'none_pre'
                                                 ELSE 'refused_validity' END)
      WHEN g.setl_date > st.valid_to THEN 'refused_validity'
      WHEN g.exclusion IS NOT NULL THEN (CASE WHEN g.ex_known THEN 'none_exclusion' ELSE 'refused_exclusion' END)
      WHEN st.requires_account AND g.has_acc IS NULL THEN 'refused_flex_tier'
      WHEN st.requires_account AND NOT g.has_acc THEN 'none_account'
      WHEN st.requires_account AND g.bp_begin IS NOT NULL AND (g.setl_date < g.bp_begin OR g.setl_date > g.bp_end)
        THEN 'none_period'
      WHEN g.unfiled AND st.remote_err IS NOT NULL THEN 'refused_parameter'
      WHEN g.unfiled THEN (CASE WHEN pr.dc_err IS NOT NULL THEN 'refused_parameter' ELSE 'ordinary' END)
      WHEN pr.ratio_err IS NOT NULL THEN 'refused_parameter'
      WHEN NOT pr.covered THEN 'none_pharmacy'
      WHEN pr.dc_err IS NOT NULL THEN 'refused_parameter'
      ELSE 'ordinary'
    END AS status
  FROM gated g
  CROSS JOIN settings st
  JOIN params pr ON pr.role = g.role AND pr.facility = g.facility
),
counted AS (
  -- Only what the windows need: narrow rows sort several times faster; the rest is joined back at the end.
  SELECT r.setl_id, r.psn_no, r.yr, r.seq, r.status, r.d_fen, r.c_fen, r.num, r.den, r.open_dedc, r.open_pay,
    r.annulled, r.acct_used_flag, r.acct_balance, r.medfee_sumamt, r.rec_acct_pay, r.inscp, r.ratio_e4, r.role,
    r.facility, r.exclusion, r.unfiled,
    CASE WHEN r.status = 'ordinary' THEN r.inscp ELSE 0 END AS cnt,
    CASE WHEN r.status = 'ordinary' AND NOT r.annulled THEN r.inscp ELSE 0 END AS cnt_sum
  FROM rated r
),
dedc AS (
  SELECT c.*,
    CASE WHEN c.status = 'ordinary' THEN
      LEAST(c.d_fen, c.open_dedc + SUM(c.cnt_sum) OVER ({W_YEAR}) - c.cnt_sum + c.cnt)
      - LEAST(c.d_fen, c.open_dedc + SUM(c.cnt_sum) OVER ({W_YEAR}) - c.cnt_sum)
    ELSE 0 END AS dedc_fen
  FROM counted c
),
raw AS (
  SELECT d.*,
    CASE WHEN d.status = 'ordinary' THEN ((d.cnt - d.dedc_fen) * d.num * 2 + d.den) // (2 * d.den) ELSE 0 END AS raw_fen
  FROM dedc d
),
raw2 AS (
  SELECT r.*, CASE WHEN r.annulled THEN 0 ELSE r.raw_fen END AS raw_sum FROM raw r
),
fund AS (
  SELECT r.*,
    CASE WHEN r.status = 'ordinary' THEN
      LEAST(r.c_fen, r.open_pay + SUM(r.raw_sum) OVER ({W_YEAR}) - r.raw_sum + r.raw_fen)
      - LEAST(r.c_fen, r.open_pay + SUM(r.raw_sum) OVER ({W_YEAR}) - r.raw_sum)
    ELSE 0 END AS fund_fen
  FROM raw2 r
),
parts AS (
  SELECT f.*, f.medfee_sumamt - f.fund_fen AS part_fen,
    CASE WHEN f.status NOT LIKE 'refused%' AND f.acct_used_flag AND f.medfee_sumamt - f.fund_fen > 0
         THEN f.medfee_sumamt - f.fund_fen ELSE 0 END AS acct_base
  FROM fund f
),
parts2 AS (
  SELECT p.*, CASE WHEN p.annulled THEN 0 ELSE p.acct_base END AS acct_sum FROM parts p
),
acct AS (
  SELECT p.*,
    CASE WHEN p.acct_balance IS NULL THEN COALESCE(p.rec_acct_pay, 0)
         ELSE LEAST(p.acct_balance, SUM(p.acct_sum) OVER ({W_PERSON}) - p.acct_sum + p.acct_base)
              - LEAST(p.acct_balance, SUM(p.acct_sum) OVER ({W_PERSON}) - p.acct_sum) END AS acct_fen
  FROM parts2 p
),
settled AS (
  SELECT a.setl_id, a.psn_no, 'plan' AS route, a.status, {_CARRY_A}
    CAST(CASE WHEN a.status LIKE 'refused%' THEN NULL ELSE a.medfee_sumamt END AS BIGINT) AS medfee_sumamt,
    CAST(CASE WHEN a.status LIKE 'refused%' THEN NULL ELSE a.inscp END AS BIGINT) AS inscp_scp_amt,
    CAST(CASE WHEN a.status LIKE 'refused%' THEN NULL ELSE a.dedc_fen END AS BIGINT) AS act_pay_dedc,
    CAST(CASE WHEN a.status LIKE 'refused%' THEN NULL ELSE a.fund_fen END AS BIGINT) AS hifp_pay,
    CAST(CASE WHEN a.status = 'ordinary' THEN a.ratio_e4 WHEN a.status LIKE 'refused%' THEN NULL ELSE 0 END AS BIGINT) AS pool_prop_selfpay,
    CAST(CASE WHEN a.status LIKE 'refused%' THEN NULL ELSE a.fund_fen END AS BIGINT) AS fund_pay_sumamt,
    CAST(CASE WHEN a.status LIKE 'refused%' THEN NULL ELSE a.part_fen END AS BIGINT) AS psn_part_amt,
    CAST(CASE WHEN a.status LIKE 'refused%' THEN NULL ELSE a.acct_fen END AS BIGINT) AS acct_pay,
    CAST(CASE WHEN a.status LIKE 'refused%' THEN NULL ELSE a.part_fen - a.acct_fen END AS BIGINT) AS psn_cash_pay,
    CASE a.status WHEN 'ordinary' THEN pr.dedc_cite WHEN 'none_pre' THEN st.pre_cite WHEN 'none_exclusion' THEN ex.ex_cite
      WHEN 'none_account' THEN st.acct_cite WHEN 'none_period' THEN st.bp_cite WHEN 'none_pharmacy' THEN st.pharm_cite
      END AS clause_dedc,
    CASE a.status WHEN 'ordinary' THEN (CASE WHEN a.fund_fen < a.raw_fen THEN pr.cap_cite ELSE (CASE WHEN a.unfiled THEN st.remote_cite ELSE pr.ratio_cite END) END)
      WHEN 'none_pre' THEN st.pre_cite WHEN 'none_exclusion' THEN ex.ex_cite
      WHEN 'none_account' THEN st.acct_cite WHEN 'none_period' THEN st.bp_cite WHEN 'none_pharmacy' THEN st.pharm_cite
      END AS clause_fund,
    CASE a.status WHEN 'ordinary' THEN (CASE WHEN a.unfiled THEN st.remote_cite ELSE pr.ratio_cite END) WHEN 'none_pre' THEN st.pre_cite WHEN 'none_exclusion' THEN ex.ex_cite
      WHEN 'none_account' THEN st.acct_cite WHEN 'none_period' THEN st.bp_cite WHEN 'none_pharmacy' THEN st.pharm_cite
      END AS clause_ratio,
    CASE WHEN a.status = 'refused_validity' THEN 'date outside the validity of the rules (A-BEFORE-VALIDITY)'
         WHEN a.status = 'refused_exclusion' THEN 'exclusion code not listed by this document'
         WHEN a.status = 'refused_flex_tier' THEN 'flexible worker without flex_tier in --persons (A-PZH-FLEX-TIER2)'
         WHEN a.status = 'refused_parameter' THEN COALESCE(st.remote_err, pr.ratio_err, pr.dc_err)
         END AS note
  FROM acct a
  JOIN routed w ON w.setl_id = a.setl_id
  CROSS JOIN settings st
  JOIN params pr ON pr.role = a.role AND pr.facility = a.facility
  LEFT JOIN exclusions ex ON ex.ex_code = a.exclusion
)"""

_REVERSED = f"""
  SELECT r.setl_id, r.psn_no, s.route, {_CARRY_R}
    CASE WHEN s.status LIKE 'refused%' THEN s.status ELSE 'reversal' END AS status,
    -s.medfee_sumamt AS medfee_sumamt, -s.inscp_scp_amt AS inscp_scp_amt, -s.act_pay_dedc AS act_pay_dedc,
    -s.hifp_pay AS hifp_pay, s.pool_prop_selfpay, -s.fund_pay_sumamt AS fund_pay_sumamt,
    -s.psn_part_amt AS psn_part_amt, -s.acct_pay AS acct_pay, -s.psn_cash_pay AS psn_cash_pay,
    s.clause_dedc || '；A-REVERSAL' AS clause_dedc, s.clause_fund || '；A-REVERSAL' AS clause_fund,
    s.clause_ratio || '；A-REVERSAL' AS clause_ratio, s.note
  FROM routed r JOIN settled s ON s.setl_id = r.init_setl_id
  WHERE r.init_setl_id IS NOT NULL AND NOT r.fallback

"""

# What the reference fallback produces per settlement (table expected_ref) ...
BASE_COLUMNS = ("setl_id", "psn_no", "route", "status", "medfee_sumamt", "inscp_scp_amt", "act_pay_dedc",
                "hifp_pay", "pool_prop_selfpay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay",
                "clause_dedc", "clause_fund", "clause_ratio", "note")
# ... and what every expected row carries besides, so the comparison needs no second join with the ledger.
CARRIED = ("setl_date", "psn_type", "facility", "fixmedins_code", "med_type") + tuple(f"rec_{f}" for f in RECORDED)
EXPECTED_COLUMNS = BASE_COLUMNS + CARRIED
_COLS = ", ".join(EXPECTED_COLUMNS)
_REF = (", ".join(f"x.{c}" for c in BASE_COLUMNS) + ", l.setl_date, l.psn_type, l.facility, l.fixmedins_code, l.med_type, "
        + ", ".join(f"l.{f} AS rec_{f}" for f in RECORDED)
        + " FROM expected_ref x JOIN ledger l ON l.setl_id = x.setl_id")

# The plan in stages; each is materialised by the engine (a DuckDB table, a cached Spark view)
# so that no stage is computed twice.
ROUTED = f"WITH {_BASE.strip()}\n{_ROUTED}"
SETTLED = f"WITH {_GATED.strip()}\nSELECT * FROM settled"
EXPECTED = (f"SELECT {_COLS} FROM settled\nUNION ALL SELECT {_COLS} FROM ({_REVERSED.strip()}) AS rv\n"
            f"UNION ALL SELECT {_REF}")
STAGES = (("routed", ROUTED), ("settled", SETTLED), ("expected", EXPECTED))
FALLBACK_PERSONS = "SELECT DISTINCT psn_no FROM routed WHERE fallback"

# Which field is decided by which clause column; money fields in fen, the ratio in 1/10000.
FIELDS = {
    "inscp_scp_amt": ("'国家医保平台结算口径'", 2),
    "act_pay_dedc": ("e.clause_dedc", 2),
    "hifp_pay": ("e.clause_fund", 2),
    "pool_prop_selfpay": ("e.clause_ratio", 4),
    "fund_pay_sumamt": ("e.clause_fund", 2),
    "psn_part_amt": ("e.clause_fund", 2),
    "acct_pay": ("'个人账户使用范围'", 2),
    "psn_cash_pay": ("e.clause_fund", 2),
}


def _dec(expr: str, scale: int) -> str:
    unit = "0.01" if scale == 2 else "0.0001"
    return f"CAST(CAST({expr} AS DECIMAL(18, 0)) * {unit} AS DECIMAL(18, 4))"


def compare_sql(fields: tuple[str, ...]) -> str:
    """Discrepancies (AUDIT_CONTRACT.md): one row per settlement and audited field that differs."""
    if not fields:
        fields = ("hifp_pay",)
    differs = " OR ".join(f"(e.rec_{f} IS NOT NULL AND e.{f} IS NOT NULL AND e.rec_{f} <> e.{f})" for f in fields)
    parts = []
    for f in fields:
        clause, scale = FIELDS[f]
        parts.append(
            f"SELECT e.setl_id, e.psn_no, e.setl_date, STRFTIME(e.setl_date, '%Y-%m') AS month, e.psn_type, e.facility,"
            f" e.fixmedins_code, e.med_type, '{f}' AS field, {_dec('e.rec_' + f, scale)} AS recorded,"
            f" {_dec('e.' + f, scale)} AS expected, {_dec('e.rec_' + f + ' - e.' + f, scale)} AS diff,"
            f" {clause} AS clause, e.route"
            f" FROM d AS e WHERE e.rec_{f} IS NOT NULL AND e.{f} IS NOT NULL AND e.rec_{f} <> e.{f}")
    return f"WITH d AS (SELECT * FROM expected AS e WHERE {differs})\n" + "\nUNION ALL\n".join(parts)


TOTALS = """SELECT COALESCE(SUM(e.hifp_pay), 0) AS expected_hifp_pay_fen,
  COALESCE(SUM(CASE WHEN e.hifp_pay IS NOT NULL THEN e.rec_hifp_pay END), 0) AS recorded_hifp_pay_fen,
  COUNT(CASE WHEN e.status LIKE 'refused%' THEN 1 END) AS unassessed,
  COUNT(DISTINCT CASE WHEN e.route = 'reference' THEN e.psn_no END) AS persons_reference,
  COUNT(*) AS expected_rows
FROM expected e"""

NAMED = {"fallback_persons": FALLBACK_PERSONS, "totals": TOTALS, **dict(STAGES)}


@lru_cache(maxsize=64)
def transpile(text: str, dialect: str) -> str:
    if dialect == "duckdb":
        return text
    return sqlglot.transpile(text, read="duckdb", write=dialect)[0]


def sql(name: str, dialect: str = "duckdb", fields: tuple[str, ...] = ()) -> str:
    """The plan's statement `name` in `dialect` (duckdb as written; spark via sqlglot)."""
    text = compare_sql(fields) if name == "compare" else NAMED[name]
    return transpile(text, dialect)
