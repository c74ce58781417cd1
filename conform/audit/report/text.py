"""Labels and money formatting shared by the audit's reports (Chinese first)."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from conform.reference.case import FACILITIES, MED_TYPES, PSN_TYPES
from conform.reference.money import from_fen
from conform.reference.trace import CITE_SEP, join_cites

PSN_LABEL = {k: f"{k} {v[2]}" for k, v in PSN_TYPES.items()}
MED_LABEL = {k: f"{k} {v}" for k, v in MED_TYPES.items()}
# Who computed a row's expected figures (discrepancies' `route`), in the reports' words; ROUTE_NOTE says what each is.
ROUTE_LABELS = {"plan": "稽核计划 plan", "reference": "参考实现 reference"}
ROUTE_NOTE = ("差异明细的“计算途径”：稽核计划 plan＝按政策文件写成的 SQL 计划逐行重算（普通门诊统筹等能精确表达的人员）；"
              "参考实现 reference＝参考实现逐人结算（慢特病、年中退休、撤销不紧接原结算等计划不能精确表达的人员）。"
              "两者按同一政策文件和地区配置计算，结果逐行相同（差分测试）")
FIELD_LABELS = {
    "inscp_scp_amt": "政策范围内费用",
    "act_pay_dedc": "本次计入起付线",
    "hifp_pay": "统筹基金支付",
    "pool_prop_selfpay": "支付比例",
    "fund_pay_sumamt": "基金支付总额",
    "psn_part_amt": "个人负担总额",
    "acct_pay": "个人账户支付",
    "psn_cash_pay": "个人现金支付",
}
FACILITY_LABELS = dict(FACILITIES)


# A clause cites one or more articles and assumptions joined with '；'. Two figures from the same article
# (a retiree's ratio and its bonus, a chronic ratio and its cap) would name it twice: "浙江 二（一）；浙江 二（一）".
CLAUSE_SEP = CITE_SEP


def unique_clauses(text: str | None) -> str | None:
    """The parts of a clause text each once, in their first order: "A；B；A" -> "A；B"."""
    if not text:
        return text
    return join_cites(*text.split(CLAUSE_SEP))


def unique_clauses_sql(column: str) -> str:
    """unique_clauses in DuckDB SQL (for the views every report reads, and discrepancies.csv)."""
    parts = f"string_split({column}, '{CLAUSE_SEP}')"
    return (f"array_to_string(list_filter({parts}, lambda x, i: x <> '' AND list_position({parts}, x) = i), "
            f"'{CLAUSE_SEP}')")


def field_label(field: str) -> str:
    label = FIELD_LABELS.get(field)
    return f"{label} {field}" if label else field


def yuan(fen: int) -> str:
    """Integer fen as a two-decimal yuan string: 120345510 -> '1203455.10'."""
    return str(from_fen(fen))


def yuan_grouped(fen: int | None, currency: str = "¥") -> str:
    """For reading: ¥1,203,455.10 (thousands separators; still exact, no float); None (not audited) is —."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{currency}{whole:,}.{cents:02d}"


# A ledger without hifp_pay: the fund's totals (recorded, expected, over- and underpaid) are None, not 0.00.
FUND_KEYS = ("recorded_hifp_pay_fen", "expected_hifp_pay_fen", "overpaid_fen", "underpaid_fen")
FUND_NOT_AUDITED = "统筹基金支付 hifp_pay 未审核（清单无此列） not audited: the ledger has no hifp_pay"


def fund_audited(summary: dict) -> bool:
    """Whether the ledger's hifp_pay was audited, so that over- and underpayment are figures at all."""
    fields = summary.get("fields_audited")
    if fields is not None and "hifp_pay" not in fields:
        return False
    return all(summary.get(k, 0) is not None for k in FUND_KEYS)


def fund_fen(summary: dict, key: str) -> int | None:
    """One of FUND_KEYS as integer fen, or None when hifp_pay was not audited."""
    v = summary.get(key, 0)
    return None if v is None or not fund_audited(summary) else int(v)


def ytd_unused_text(u: dict, ident: Callable[[Any], Any] = lambda v: v) -> str:
    """The note for persons whose opening year-to-date totals (ytd) are of a year none of their settlements is in."""
    return (f"{u['persons']} 人的年初累计（ytd）所属年度在清单中没有其结算，未计入（例如 psn_no {ident(u['example_psn_no'])}，"
            f"ytd 年度 {u['year']}）：年初累计只用于其所属年度，请核对人员信息文件与清单的年度")


# A file of a ledger given as several (one a month, say) that holds far fewer rows than the others: a partly
# failed export (a job that timed out, a full disk) leaves a fraction of a month. The bar is a tenth of the
# median of the files' rows: a month's settlements vary with the season and holidays (a Spring Festival February
# holds perhaps half of another month), never tenfold; the median, not the mean, so neither one very large nor
# one failed file moves it. It takes three files with rows: of two, neither is known to be the short one. The files
# with none are not counted: a 0-byte or blank one is warned already, and one with its header alone was written by an
# export that ran (a month without settlements: listed, unwarned). A file of one institution or one district may be
# small and right, which the warning says.
SHORT_FILES_MIN = 3
SHORT_FRACTION = 10


def short_files(files: list[dict] | None) -> list[dict]:
    """The files with fewer than a tenth of the median of the files' rows (`median` added, as shown)."""
    counted = [f for f in files or () if int(f.get("rows") or 0) > 0]
    if len(counted) < SHORT_FILES_MIN:
        return []
    rows = sorted(int(f["rows"]) for f in counted)
    n = len(rows)
    twice = 2 * rows[n // 2] if n % 2 else rows[n // 2 - 1] + rows[n // 2]  # twice the median: integers only
    median = f"{twice // 2:,}" + (".5" if twice % 2 else "")
    return [{**f, "median": median} for f in counted if 2 * SHORT_FRACTION * int(f["rows"]) < twice]


def short_file_said(f: dict) -> str:
    """A short file as the console's warning and the report's 概要 name it."""
    return (f"{f['path']}: {int(f['rows']):,} rows, fewer than a tenth of the median of the files' rows, {f['median']}"
            f"（{int(f['rows']):,} 行，不到各文件行数中位数 {f['median']} 行的十分之一）")


SHORT_FILE_NOTE = ("导出不完整？缺少的结算未经稽核；按机构或地区分的文件行数少可能属实 (a partly failed export? the "
                   "settlements missing from it are not audited; a file of one institution or district may be small)")


# A month inside the period holding far fewer rows than the months beside it: an export cut short (a page's row cap, a
# job that stopped) or one of several files of the month left out, where the files are not one a month (a yearly file,
# files by institution) and short_files cannot see it. The bar is a third of the larger of its two neighbours (the
# nearest months with rows before and after it): a season moves a month against the next far less — the Spring
# Festival's January or February holds about 0.6 of a normal month, the year's end a little more — and a ledger of
# person-years across two years ramps up and down by a quarter a month at most (synth-ledger's: February 2023 is 0.39
# of the median of its year's other months, so a bar against the year's median would warn of it, but 0.74 of March);
# a third is a loss no season explains. The larger neighbour, so that two cut months side by side are each seen, and
# a period's part-month beside one does not hide it. The period's first and last months are not judged: an export's
# dates may start or stop mid-month. A neighbour of at least THIN_NEIGHBOUR_MIN rows: a month's rows are many
# independent visits (about Poisson), so below a third of 120 (mean 120) has a chance of about 7e-18, a festival
# month (0.6: mean 72) about 1.5e-5 — a small ledger (a clinic, a few persons) is not judged. Warned only: the rows
# present are audited as they are (not as an absent month: a thin month holds real settlements, and which are
# missing the ledger cannot say).
THIN_FRACTION = 3
THIN_NEIGHBOUR_MIN = 120


def months_thin(rows: dict[tuple[int, int], int]) -> list[dict]:
    """The months (`rows`: (year, month) -> rows; months with none are months_absent's) under a third of the larger
    of their neighbours: [{"month": "YYYY-MM", "rows": n, "neighbours": {"YYYY-MM": rows, "YYYY-MM": rows}}]."""
    months = sorted(k for k, n in rows.items() if int(n) > 0)
    out = []
    for before, k, after in zip(months, months[1:], months[2:]):
        near = max(int(rows[before]), int(rows[after]))
        if near < THIN_NEIGHBOUR_MIN or THIN_FRACTION * int(rows[k]) >= near:
            continue
        out.append({"month": _ym(k), "rows": int(rows[k]),
                    "neighbours": {_ym(before): int(rows[before]), _ym(after): int(rows[after])}})
    return out


def _ym(k: tuple[int, int]) -> str:
    return f"{k[0]:04d}-{k[1]:02d}"


def months_thin_text(thin: list[dict]) -> str:
    """The warning for months far thinner than the months beside them (months_thin): said before every figure."""
    said = "；".join(f"{t['month']} 只有 {t['rows']:,} 行，而 " + "、".join(f"{m} 有 {n:,} 行" for m, n in t["neighbours"].items())
                    for t in thin)
    english = "; ".join(f"{t['month']}: {t['rows']:,} rows, beside " + " and ".join(f"{n:,} in {m}" for m, n in
                                                                                   t["neighbours"].items()) for t in thin)
    return (f"{said}——不到前后月份中较多者的三分之一：导出在该月被截断（行数上限、导出中途失败），或该月的部分文件漏给了？缺少的结算"
            f"未经稽核，同一自然年度其后结算的起付线和年度最高支付限额累计也缺少它们，正确的结算可能显示为多付或少付。该月已有的"
            f"结算照常审核；核对该月的清单是否完整，补齐后重新稽核 ({english}: under a third — a cut or partly given export? "
            f"the rows present are audited as they are)")


def reversed_net_text(net: int | None) -> str:
    """What a reversed settlement and its reversals leave the fund (fen, hifp_pay), as the class's money counts it."""
    if net is None:
        return ""
    if net == 0:
        return "相抵后统筹基金无多付、少付（¥0.00）"
    return f"相抵后统筹基金{'多付' if net > 0 else '少付'} {yuan_grouped(abs(net))}"


def reversed_example_text(rd: dict | None, ident: Callable[[Any], Any] = lambda v: v) -> str:
    """A worked example that a reversal (2208) cancelled (rollups.example_reversals), said plainly, as audit.xlsx's
    按差异类型 writes it (audit.html says the same with its ids as code): by which reversal and when, and that its
    own difference is netted out of the class's money. "" for an example no reversal cancelled."""
    if not rd:
        return ""
    by = "、".join(f"{ident(r['setl_id'])}（{r['setl_date']}）" if r["setl_date"] else str(ident(r["setl_id"]))
                  for r in rd["by"])
    more = f"等 {len(rd['by']) + rd['more']} 笔" if rd.get("more") else ""
    net = reversed_net_text(rd.get("net"))
    first = rd["by"][0]
    return (f"被撤销：本类型的结算均已被撤销，示例结算已由结算撤销（2208）{by}{more}撤销；示例所列是该笔结算本身的差额，"
            f"{net + '，' if net else ''}本类型的多付、少付按相抵后的金额计。"
            f"Reversed by {ident(first['setl_id'])}{' on ' + first['setl_date'] if first['setl_date'] else ''}: "
            f"its difference is netted out of the totals.")


# 假设: which of the run's assumptions this audit's figures rest on (used) and which are the document's other readings.
USED_HEAD = "本次稽核的数字所依据的假设"
USED_HEAD_EN = "Assumptions this audit's figures rest on"
UNUSED_HEAD = "文件的其他假设：本清单的数字未用到"
UNUSED_HEAD_EN = "The document's other readings, not used by this ledger's figures"


def assumption_use(summary: dict, cited: dict[str, int], ledger_wide: set[str] | frozenset[str],
                   bears: dict[str, str] | None = None) -> list[dict]:
    """summary.json's assumptions, those this audit's figures rest on first (`used` True), each with `use`, why:
    - cited by the discrepancies' clauses (`cited`: id -> discrepancy rows whose clause names it);
    - stated by the run for this ledger's own columns or period (`ledger_wide`: ids the run states only where the
      ledger calls for them, run.LEDGER_ASSUMPTIONS), read by every figure they bear on;
    - named by a warning (注意) or a reason rows or fields were not assessed that applied to this run;
    - `bears`: id -> why, one the discrepancies rest on by what they are (A-AUDIT-CHRONIC-REGISTERED: a 门诊慢特病 row's).
    The others (the document's readings of cases this ledger has none of) follow, in their order, `used` False."""
    said = []
    for w in summary.get("warnings") or ():
        said.append(("注意", str(w)))
    for u in summary.get("unassessed_by_reason") or ():
        said.append(("未能审核", " ".join([str(u.get("reason") or "")] + [str(x.get("note") or "") for x in u.get("details") or ()])))
    for x in summary.get("fields_not_assessed") or ():
        said.append(("部分字段未审核", str(x.get("reason") or "")))
    used, other = [], []
    for a in summary.get("assumptions") or ():
        aid = str(a.get("id") or "")
        why = []
        if cited.get(aid):
            why.append(f"{cited[aid]:,} 项差异引用 cited by {cited[aid]:,} discrepancies")
        where = [k for k, text in said if _names(text, aid)]
        if where:
            why.append("见" + "、".join(f"“{k}”" for k in dict.fromkeys(where)) + " applies (note)")
        if (bears or {}).get(aid) and not cited.get(aid):
            why.append((bears or {})[aid])
        if aid in ledger_wide and not cited.get(aid):
            why.append("本清单适用（依清单的列或期间写入） applies to this ledger")
        row = {"id": aid, "text": a.get("text", ""), "cite": a.get("cite", ""), "used": bool(why),
               "use": "；".join(why) if why else "未用到 not used"}
        (used if why else other).append(row)
    return used + other


def _names(text: str, aid: str) -> bool:
    """Whether `text` names assumption `aid` itself (A-AUDIT-ORDER, not A-AUDIT-ORDER-X)."""
    return re.search(rf"(?<![A-Za-z0-9-]){re.escape(aid)}(?![A-Za-z0-9-])", text) is not None
