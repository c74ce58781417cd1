"""`conform audit` end to end: read and validate, settle (plan + reference fallback), compare, report.

`audit(...)` is also the function benchmarks call; it returns (exit code, summary dict).
Exit codes: 0 no discrepancy, 1 discrepancies found, 2 bad input or configuration.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from conform.reference.account import account_reform
from conform.reference.policy import (COMMON_CITE, REGION_DIR, MissingParameter, PolicyError, Rules, bind_cached,
                                     load_region_file)

from . import fallback, institutions, interrupt, ledger, params, persons, plan, sources
from .engines import get as get_engine
from .errors import AuditInputError
from .limits import DEFAULT_MEMORY
from .mapping import load_mapping, mapping_record
from .report import MAX_NOTE
from .report.rollups import _clip, discrepancies_sql
from .report.text import months_thin, months_thin_text, yuan_grouped
from .settle_ref import MONTH_ABSENT, ORDER_DOUBT, PARTS_OVER, YTD_FROM_LEDGER
from .verdict import UNASSESSED_REASONS, unchecked_rows, verdict

AUDIT_ASSUMPTIONS = [
    {"id": "A-AUDIT-ORDER", "cite": "conform audit",
     "text": "同一参保人的结算按结算时间排序：清单没有结算时间列的按结算日期；结算时间为空的行排在同一日期有时间的结算之前，"
             "但结算时间为空的撤销行与它撤销的、有时间的结算同一日期的，按导出顺序，列在其后的紧接在它之后；"
             "同一日期而先后不能由结算时间确定的（没有时间、时间为空或时间相同，如另存时只保留到分钟；时间恰为零点 00:00:00 的，"
             "是丢失了时间的日期（日期转换为日期时间、手工补录），同样不能确定先后），按导出文件及行的顺序。"
             "这一顺序使撤销行排在它撤销的结算之前的，拒绝运行。起付线和年度最高支付限额按先后累计：同一参保人同一自然年度"
             "（撤销行计入它撤销的结算的年度）中某一行与下一行（下一行是紧随其后撤销它的撤销行的，看再下一行）同一日期而"
             "先后不能由结算时间确定的，另一种先后可能改变应付额（例如同日两笔结算中哪一笔计入起付线），清单无从核实："
             "该参保人该年度自该行起各行的起付线和统筹基金支付所附条款注明本假设。"},
    {"id": "A-AUDIT-ACCT-UNKNOWN", "cite": "conform audit",
     "text": "人员信息未提供个人账户期初余额的，或余额因此前一笔结算而未知的（浙江个人账户改革前的结算、本人账户可能已支付；"
             "记录的其他基金、医院负担和共济支付超过应付统筹基金后余额的结算，A-AUDIT-PARTS-EXCEED），"
             "个人账户支付额按导出记录取值，只审核它不多于个人负担（个人账户支付不能超过"
             "个人负担；清单记录未使用个人账户的，只计共济支付）、不少于记录的亲属账户共济支付（没有时不少于 0：结算不会向账户存入），现金支付额按“个人负担 − 个人账户支付”审核。"},
    {"id": "A-AUDIT-PSN-TYPE-CHANGE", "cite": "conform audit",
     "text": "人员信息未提供退休日期（未提供人员类别，或所给类别为退休）而清单中人员类别由在职变为退休的，自首笔退休类别结算之日起"
             "按退休待遇（A-MIDYEAR-RETIREMENT）；人员信息提供退休日期的，此前按在职、此后按退休。人员信息未提供类别和退休日期时，"
             "清单中其他的类别变化（职工与灵活就业之间、由退休变回在职）文件未作规定，其后的结算不审核。"},
    {"id": "A-AUDIT-AFTER-UNASSESSED", "cite": "conform audit",
     "text": "一笔结算无法审核（未撤销）的，同一参保人同一自然年度其后的结算也不审核：其起付线和年度最高支付限额的累计取决于"
             "该笔结算，而其应计额无法确定；已提供个人账户期初余额的，其后各年度的结算均不审核（账户余额跨年累计）。"},
]


# A limit's leading number: DuckDB reads a negative one (-5GB) as no limit at all, and 0 leaves it nothing.
_LIMIT_NUMBER = re.compile(r"\s*([+-]?)\s*([0-9]*\.?[0-9]*)")




def _check_limit(limit: str) -> None:
    sign, number = _LIMIT_NUMBER.match(limit).groups()
    try:
        value = Decimal(number) if number and number != "." else None
    except InvalidOperation:  # pragma: no cover - the pattern reads digits and one point only
        value = None
    if sign == "-" or value == 0:
        raise AuditInputError(f"memory limit {limit!r} (--memory-limit or CONFORM_AUDIT_MEMORY): "
                              + ("a negative limit, which DuckDB would read as no limit at all" if value != 0 else
                                 "a zero limit leaves DuckDB no memory") + "; give a size such as 4GB")


def _connect(workdir: Path, memory_limit: str | None) -> duckdb.DuckDBPyConnection:
    tmp = workdir / "duckdb-spill"
    tmp.mkdir(parents=True, exist_ok=True)
    limit = memory_limit or os.environ.get("CONFORM_AUDIT_MEMORY", DEFAULT_MEMORY)
    _check_limit(limit)
    config = {"temp_directory": str(tmp), "preserve_insertion_order": "false", "memory_limit": limit}
    try:
        con = duckdb.connect(":memory:", config=config)
    except duckdb.Error as e:  # e.g. a memory limit that is no size
        raise AuditInputError(f"memory limit {limit!r} (--memory-limit or CONFORM_AUDIT_MEMORY): "
                              f"{str(e).splitlines()[0]}") from None
    # The tables live in a compressed in-memory catalog: once the ledger is read, CHECKPOINT stores it
    # compressed (dictionary and FSST text, bit-packed integers, absent columns as constants), and the
    # plan's sorts and joins get that memory back instead of spilling (10M rows: plan 21 -> 14 s).
    con.execute("SET enable_progress_bar = false")  # the audit says its stages itself; DuckDB's bar is not stdout's
    con.execute(f"ATTACH ':memory:' AS {CATALOG} (COMPRESS)")
    con.execute(f"USE {CATALOG}")
    # Checkpoints only where the audit asks (_compress): an automatic one (past 16 MB of changes, e.g. the
    # reader's UPDATE of the reversals) would compress the ledger there, without _compress's extra thread.
    con.execute("SET checkpoint_threshold = '1TB'")
    # A timestamp that carries a time zone (Parquet's UTC-adjusted TIMESTAMP) is a settlement's instant:
    # its date and natural year are Beijing's (China's one time zone), never the host's — on a UTC server a
    # visit at 00:30 on 1 January would otherwise fall in the year before.
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    return con


CATALOG = "audit"


def _compress(con: duckdb.DuckDBPyConnection) -> None:
    """Store the tables read so far compressed (CHECKPOINT). With DuckDB's default thread count the
    checkpoint ran on one thread in about half the runs (10M rows: 7.3 s against 3.7 s, every other
    fresh database); one thread more for its duration makes it parallel every time."""
    threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    con.execute(f"SET threads = {threads + 1}")
    try:
        con.execute(f"CHECKPOINT {CATALOG}")
    finally:
        con.execute(f"SET threads = {threads}")


# A-AUDIT-CHRONIC-REGISTERED where the document pays 门诊慢性病 and 门诊特殊疾病 differently (吉林): which one a
# code is, is the person's registration's; the ledger's code alone cannot say.
CHRONIC_KIND_REGISTERED = ("门诊慢特病（med_type 14）结算的病种 dise_codg 须在人员信息为该参保人登记的慢特病（chronic_diseases，"
                           "注明 chronic 门诊慢性病或 special 门诊特殊疾病）中：本文件对两者的支付不同，按登记的类别审核；"
                           "病种不在其中（或人员信息未列出）的结算不审核。")


# What the audit takes for granted when a ledger lacks a column that the document's rules read; each is
# stated only where it applies (the column is missing from some file and the document has the rule).
LEDGER_ASSUMPTIONS = {
    "A-AUDIT-REMOTE-ADMDVS": "清单没有异地就医标志 remote，按国家平台的参保地医保区划 insuplc_admdvs 与就医地医保区划 "
                             "mdtrtarea_admvs 判断：两者的地市（前四位；直辖市为前两位）不同的结算为市外就医；任一为空的结算按市内就医。",
    "A-AUDIT-REMOTE-ABSENT": "清单没有异地就医标志 remote，也没有参保地和就医地医保区划两列（insuplc_admdvs、mdtrtarea_admvs，"
                             "缺少其一即无从比较）：全部结算按市内就医审核，未备案人员的市外就医不能识别。",
    "A-AUDIT-CHRONIC-REGISTERED": "门诊慢特病（med_type 14）结算的病种 dise_codg：人员信息的记录没有 chronic_diseases 字段"
                                  "（或没有该人的记录）的，按清单所记病种已经认定审核；给出了该字段（空列表 [] 即登记为无）而结算的"
                                  "病种不在其中的，该结算不审核——门诊慢特病待遇以病种认定为前提，稽核不推定它应按何种待遇支付。",
    "A-AUDIT-EXCLUSION-ABSENT": "清单没有除外情形列 exclusion：全部结算按不属于政策规定的除外情形审核。",
    "A-AUDIT-OWNPAY-ABSENT": "清单缺少全自费 fulamt_ownpay_amt、超限价自费 overlmt_selfpay 或先行自付 preselfpay_amt "
                             "中的列：缺少的部分按 0 计，医疗费总额中其余部分都按政策范围内费用审核。",
    "A-AUDIT-OTHER-FUNDS": "清单记录的其他基金支付（公务员医疗补助 cvlserv_pay、企业补充 hifes_pay、大病 hifmi_pay、职工大额 "
                           "hifob_pay、伤残人员 hifdm_pay、医疗救助 maf_pay、其他 oth_pay、othfund_pay）不属于本文件规定，按记录取值、"
                           "不审核；它们计入基金支付总额，并在个人账户支付之前减少个人负担。",
    "A-AUDIT-OTHER-FUNDS-ABSENT": "清单没有其他基金支付的列（公务员医疗补助、大额、医疗救助等）：按 0 计，基金支付总额按统筹基金"
                                  "支付审核，个人负担按医疗费总额减统筹基金支付审核。",
    "A-AUDIT-HOSP-PART": "清单记录的医院负担金额 hosp_part_amt 不属于本文件规定，按记录取值、不审核；按国家平台的口径"
                         "（医疗费总额 = 基金支付总额 + 个人负担总金额 + 医院负担金额），它在个人账户支付之前减少个人负担。",
    "A-AUDIT-HOSP-PART-ABSENT": "清单没有医院负担金额 hosp_part_amt：按 0 计，个人负担按医疗费总额减基金支付总额审核。",
    "A-AUDIT-ACCT-MULAID": "清单记录的个人账户共济支付金额 acct_mulaid_pay（配偶、父母、子女的个人账户为本人支付）按记录取值、"
                           "不审核：按国家平台的口径它计入个人账户支出，不减少本人账户余额；本人个人账户按余额支付个人负担中"
                           "共济支付以外的部分。",
    "A-AUDIT-ACCT-MULAID-ABSENT": "清单没有个人账户共济支付金额 acct_mulaid_pay：已提供期初余额的人员，个人账户支出按只由"
                                  "本人个人账户支付审核。",
    "A-AUDIT-CASH-NO-ACCT": "清单有个人现金支付 psn_cash_pay 而没有个人账户支付 acct_pay：现金支付是个人负担减去个人账户支付，"
                            "账户支付未知时无法审核，psn_cash_pay 不审核（个人负担 psn_part_amt 照常审核）。",
    PARTS_OVER: "清单记录的其他基金支付、医院负担 hosp_part_amt 和个人账户共济支付 acct_mulaid_pay 之和不超过医疗费总额，"
                "但超过医疗费总额减按规定应付的统筹基金后的余额的结算：个人负担（及个人账户支付、现金支付）将小于零，没有条款"
                "给出这样的数额，稽核不推定记录的哪一项有误：个人负担 psn_part_amt、个人账户支付 acct_pay 和个人现金支付 "
                "psn_cash_pay 不审核，统筹基金支付和基金支付总额照常审核（其差异即所见的问题）；本人个人账户在该结算中支付多少"
                "无从确定，已提供期初余额的人员此后账户余额未知，按没有期初余额审核（A-AUDIT-ACCT-UNKNOWN）。",
    "A-AUDIT-ACCT-CREDITS": "人员信息给出的个人账户余额是期初余额，其后按月计入的金额不在清单和人员信息中：期初余额（减去此前"
                            "应由本人账户支付的部分）足以支付本次应由本人账户支付的部分时，个人账户支付额照常审核（此后的计入"
                            "只会增加余额，不改变结果）；不足时，实际余额取决于其间的计入，个人账户支付额按记录取值，只审核它"
                            "不少于期初余额确定可付的部分、不多于个人负担（撤销时退回的同样），现金支付额按“个人负担 − 个人账户支付”审核，"
                            "该人其后的结算亦然。",
    "A-AUDIT-INTEGER-YUAN": "清单中以整数类型存放的金额列（{columns}）按元读取（500 即 500.00 元，与 CSV 中的 500 相同）；"
                            "若这些列是以分为单位的整数，应付额与差异金额都放大了一百倍：请导出前换算为元后重新稽核。",
    "A-AUDIT-INT96-UTC": "Parquet 清单中以 INT96 类型存放的时间（Spark、Hive 的默认时间戳类型）按 UTC 时刻读取（Spark、Hive "
                         "写入时已由北京时间换算为 UTC），再按北京时间确定结算日期；若写入的是未经换算的北京时间，北京时间 "
                         "16 时以后的结算会被计入次日。",
    "A-AUDIT-ACCT-USED": "清单没有个人账户使用标志 acct_used_flag：已提供期初余额的人员，按每笔结算都使用个人账户"
                         "（余额足够时支付个人负担部分）审核。",
    YTD_FROM_LEDGER: "清单中某一自然年度的首笔结算（全部审核的行中结算日期最早的）在该年 1 月之后（例如只含 3 月的月度清单），"
                     "即清单不是自年初起的全年：该年度此前的结算不在清单中。人员信息未给出该人该年度年初累计（ytd）的，"
                     "此前已计入的起付线和统筹基金支付按 0 计，即按该人该年度自清单首日起才有结算审核；该人该年度结算的"
                     "起付线和统筹基金支付所附条款注明本假设。若此前已有结算，按 0 计会再次计入已付的起付线、少计已用的"
                     "限额，正确的结算也会显示为差异：审核一个月的清单，请同时给出该年度此前各月的清单，或在人员信息中给出"
                     "每人的 ytd。首笔结算在 1 月的（如元旦假期后 1 月 3 日）按自年初起的全年审核。",
    MONTH_ABSENT: "清单期间内某一月份没有任何结算记录（例如漏给了一个月度文件，或该月导出失败）：该月若有结算，它们不在清单中。"
                  "同一自然年度该月之后的结算，其起付线和年度最高支付限额的累计按该月没有结算计，所附条款注明本假设；"
                  "若该月实有结算，此后正确的结算也会显示为多付或少付。请补齐该月的清单后重新稽核。",
}


# Amounts taken as recorded: (assumption, ledger column, the audited fields whose expected figure reads
# it, whether it matters only with a known opening balance — a relative's account does: without one,
# acct_pay is taken as recorded anyway).
RECORDED_AMOUNT_ASSUMPTIONS = (("A-AUDIT-OTHER-FUNDS", "oth_fund_pay", {"fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay"}, False),
                               ("A-AUDIT-HOSP-PART", "hosp_part_amt", {"psn_part_amt", "acct_pay", "psn_cash_pay"}, False),
                               ("A-AUDIT-ACCT-MULAID", "acct_mulaid_pay", {"acct_pay", "psn_cash_pay"}, True))


def _assumptions(rules, info: ledger.LedgerInfo, balances: bool, ytd_from_ledger: bool = False,
                 month_absent: bool = False, parts_over: bool = False) -> list[dict]:
    common = rules.policy.common_assumption_ids
    out = [{"id": a.id, "text": a.text, "cite": COMMON_CITE if a.id in common else rules.policy.short}
           for a in rules.policy.assumptions.values()]
    applies = []
    if "remote_filing" in rules.policy.eligibility:
        applies += [f"A-AUDIT-REMOTE-{k.upper()}" for k in ("admdvs", "absent") if k in info.remote_from]
    chronic = []
    if "special" in rules.policy.covers:  # the engine itself needs each code's kind from the registration
        chronic = [{"id": "A-AUDIT-CHRONIC-REGISTERED", "cite": "conform audit", "text": CHRONIC_KIND_REGISTERED}]
    elif "chronic" in rules.policy.covers:
        applies.append("A-AUDIT-CHRONIC-REGISTERED")
    if rules.policy.exclusions and "exclusion" in info.lacking:
        applies.append("A-AUDIT-EXCLUSION-ABSENT")
    if info.lacking & {"fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt"}:
        applies.append("A-AUDIT-OWNPAY-ABSENT")
    audited = set(info.fields_audited)
    # Stated where a field that reads the amount is audited: as recorded where some file has the column,
    # as absent where some file lacks it (both, for a mixed set of files).
    for aid, column, fields, needs_balance in RECORDED_AMOUNT_ASSUMPTIONS:
        if fields & audited and (balances or not needs_balance):
            applies += [aid] if column in info.recording else []
            applies += [f"{aid}-ABSENT"] if column in info.lacking else []
    if "psn_cash_pay" in info.not_audited:
        applies.append("A-AUDIT-CASH-NO-ACCT")
    if parts_over:  # rows whose recorded personal fields were not assessed (PARTS_OVER)
        applies.append(PARTS_OVER)
    if balances:  # a balance is the opening one: the month's credits after it are in no file
        applies.append("A-AUDIT-ACCT-CREDITS")
    if balances and "acct_used_flag" in info.lacking:
        applies.append("A-AUDIT-ACCT-USED")
    if info.integer_yuan:
        applies.append("A-AUDIT-INTEGER-YUAN")
    if ytd_from_ledger:  # a year not held from its start, with persons given no opening totals for it
        applies.append(YTD_FROM_LEDGER)
    if month_absent:  # a month of a year with no row, between months with rows (plan.LEDGER_GAPS)
        applies.append(MONTH_ABSENT)
    if any(sources.int96_columns(Path(f)) for f in info.files):  # read as UTC instants (sources._parquet_view)
        applies.append("A-AUDIT-INT96-UTC")
    return out + AUDIT_ASSUMPTIONS + chronic + [
        {"id": k, "cite": "conform audit", "text": LEDGER_ASSUMPTIONS[k].format(columns="、".join(info.integer_yuan))}
        for k in applies]


def _example_regions(policy: str) -> list[str]:
    """The names of conform/fixtures/regions/'s files for `policy` (made-up figures, to start a region's file from)."""
    names = []
    for f in sorted(REGION_DIR.glob("*.yaml")):
        try:
            if load_region_file(str(f)).policy == policy:
                names.append(f.stem)
        except PolicyError:  # pragma: no cover - the shipped files load (tests/test_regions.py)
            continue
    return names


def _ask_region(e: MissingParameter, policy: str, region: str | None) -> str:
    """A figure the document leaves to the region, not supplied: for the audit, in the --region file (the
    reference engine's own message also offers a case's `params`, which an audit has not)."""
    said = f"parameter {e.key} must be supplied by a region configuration ({e.source})"
    if region is not None:
        return f"{said}: add it under `values:` in the --region file ({region})"
    examples = _example_regions(policy)
    if not examples:  # pragma: no cover - every framework has its example
        return f"{said}: give --region, a region file for {policy} with its figures under `values:`"
    # named as --region takes a shipped region, not by a path in the source tree (absent from an installed wheel)
    return (f"{said}: give --region, a region file for {policy} with its figures under `values:`; "
            + ("an example" if len(examples) == 1 else "examples") + " (made-up figures): "
            + ", ".join(f"--region {n}" for n in examples)
            + " (the shipped examples: conform list regions)")


# The recorded figures of an assessed row the audit does not check (plan.ACCT_UNCHECKED): before the document's
# own account reform (浙江 二（三）) the account's part is not the document's (A-BEFORE-VALIDITY).
ACCT_FIELDS = ("acct_pay", "psn_cash_pay")
# ... and where the recorded other funds, hospital part and relative's account exceed what the expected fund leaves of
# the total (plan.PARTS_UNCHECKED): 个人负担 would be below zero, which no article gives.
PARTS_FIELDS = ("psn_part_amt", "acct_pay", "psn_cash_pay")
PARTS_OVER_REASON = ("记录的其他基金支付、医院负担和个人账户共济支付之和超过医疗费总额减按规定应付统筹基金后的余额：个人负担将小于零，"
                     "没有条款给出这样的数额，个人负担 psn_part_amt、个人账户支付 acct_pay 和个人现金支付 psn_cash_pay 不审核，"
                     f"统筹基金支付照常审核；已提供期初余额的，此后该人账户余额未知（{PARTS_OVER}）")


def _acct_not_assessed_reason(rules) -> str:
    reform = account_reform(rules)
    day, cite = (reform[0].isoformat(), reform[1]) if reform else ("—", rules.policy.short)
    return (f"结算日期在{rules.policy.short}个人账户改革施行（{day}）之前（{cite}）：改革前的个人账户使用规则不在本文件中，"
            "个人账户支付 acct_pay 和个人现金支付 psn_cash_pay 按记录取值、不审核（A-BEFORE-VALIDITY）；"
            "本人账户可能已支付的（记录使用个人账户），此后该人账户余额未知（A-AUDIT-ACCT-UNKNOWN）")


def fields_not_assessed(con, info, rules, totals) -> list[dict]:
    """The audited fields left unchecked on rows otherwise assessed, each kind with its reason, rows and an
    example: summary["fields_not_assessed"]. A recorded figure nobody checked is said, and keeps the verdict
    from `clean` (verdict.verdict's `unchecked`)."""
    out = []
    for key, names, reason in (("acct", ACCT_FIELDS, _acct_not_assessed_reason),
                               ("parts", PARTS_FIELDS, lambda _rules: PARTS_OVER_REASON)):
        n = int(totals.get(f"{key}_unchecked") or 0)
        fields = [f for f in names if f in info.fields_audited]
        if not n or not fields:
            continue
        rid = totals.get(f"{key}_unchecked_rid")
        example = con.execute("SELECT setl_id FROM ledger WHERE rid = ?", [int(rid)]).fetchall() if rid is not None else []
        out.append({"fields": fields, "reason": reason(rules), "rows": n,
                    "example_setl_id": example[0][0] if example else None})
    return out


MAX_REGION_VALUES = 200  # figures a summary lists of its region (a region file holds a few dozen)


def _region_identity(region: str | None) -> dict:
    """The --region file the figures came from, as the conformance run's certification record reads it
    (certify.region_record, so the two never disagree): its name, label, path as loaded, the SHA-256 of its bytes, its figures as written
    (key → value), whether they are fictitious (`example: true`, or 虚构 in the label) and its own document
    (`source:`), for summary.json and the reports' 地区配置 row. Empty without --region."""
    from conform.harness.report.certify import region_record

    empty = {"region_label": "", "region_file": "", "region_sha256": "", "region_values": {}}
    if not region:
        return empty
    r = region_record(region, check=False)  # the figures were bound already; here what the file says of itself
    if r["error"] or "_file" not in r:  # read once already to bind the rules: gone or changed since
        return {**empty, "region_error": _clip(f"cannot read the region file again: {r['error']}", MAX_NOTE)}
    return {"region_label": r["label"], "region_file": r["_file"][1], "region_sha256": r["sha256"],
            "region_values": {_clip(str(k), 200): _clip(str(v), 200)
                              for k, v in list(r["values"].items())[:MAX_REGION_VALUES]},
            "region_name": r["name"], "region_fictitious": bool(r["fictitious"]), "region_source": r["source"]}


def _policy_naming(p) -> dict:
    """summary.json's policy_label, policy_title, policy_number and policy_draft, as results.json's documents[]."""
    from conform.harness.report.model import DRAFT_MARK, NO_NUMBER, doc_label
    label = doc_label(p)
    return {"policy_label": label, "policy_title": p.title, "policy_number": p.number or NO_NUMBER,
            "policy_draft": DRAFT_MARK in label}


def _summary(con, info, rules, engine_name, totals, disc: Path, n_ref: int, elapsed: float, region,
             balances: bool, years: list[dict] | None = None,
             months: tuple = ([], (), [], [])) -> dict:
    lit = str(disc).replace("'", "''")
    by_field = dict(con.execute(f"SELECT field, count(*) FROM read_parquet('{lit}') GROUP BY field ORDER BY field").fetchall())
    money = _money(con, disc)
    over, under = money["all"]["overpaid"], money["all"]["underpaid"]
    # The reference engine says why it refused a settlement (expected_ref.note, without the settlement it
    # names): the most frequent reasons under each status, with a count and an example, so the report can
    # name them; and how many reasons and rows it gave in all (the rest of a status's rows the plan refused,
    # with no note), so the report says truly what it left out.
    details: dict[str, list[dict]] = {}
    noted: dict[str, tuple[int, int]] = {}
    if totals["unassessed_by_status"]:
        for st, note, n, ex, kinds, rows in con.execute("""
                WITH r AS (SELECT status, note, count(*) AS n, min(setl_id) AS ex FROM expected_ref
                           WHERE status LIKE 'refused%' AND note IS NOT NULL GROUP BY status, note)
                SELECT status, note, n, ex, count(*) OVER (PARTITION BY status), sum(n) OVER (PARTITION BY status)
                FROM r QUALIFY row_number() OVER (PARTITION BY status ORDER BY n DESC, note) <= 5
                ORDER BY status, n DESC, note""").fetchall():
            # the note repeats what the ledger wrote (a dise_codg of any length): cut as every report cuts it
            details.setdefault(st, []).append({"note": _clip(note, MAX_NOTE), "rows": int(n), "example_setl_id": ex})
            noted[st] = int(kinds), int(rows)
    # The plan's own refusals for a figure the region lacks say which key (a 南昌 pharmacy ratio), as the reference's do:
    # merged with its notes, the commonest five a status listed.
    for st, note, n, ex in totals.get("unassessed_notes") or ():
        if note is None:
            continue
        said = _clip(note, MAX_NOTE)
        same = next((d for d in details.get(st, []) if d["note"] == said), None)
        if same is not None:  # the same key missed on both routes: one reason
            same["rows"] += int(n)
            same["example_setl_id"] = min(same["example_setl_id"], ex)
            kinds, rows = noted[st]
            noted[st] = kinds, rows + int(n)
        else:
            details.setdefault(st, []).append({"note": said, "rows": int(n), "example_setl_id": ex})
            kinds, rows = noted.get(st, (0, 0))
            noted[st] = kinds + 1, rows + int(n)
    for st in details:
        details[st] = sorted(details[st], key=lambda d: (-d["rows"], d["note"]))[:5]
    # Without a recorded hifp_pay there is nothing the fund's totals could be compared with: None, not 0.00.
    hifp = "hifp_pay" in info.fields_audited

    def fund(fen: int) -> int | None:
        return int(fen) if hifp else None

    # What the warnings say before every figure: a year held from after January with persons given no ytd for it, a
    # month of the period with no row, a file cut at an export's cap, figures resting on the export's order.
    missing, gaps, thin, empty = months
    readings = money
    warnings = [year_from_ledger_text(y) for y in years or () if y["persons_without_ytd"]]
    if missing:
        warnings.append(months_absent_text(missing, info.period, readings["after_month_absent"] if hifp else None))
    if thin:  # a month far thinner than the others of its year (report.text.months_thin): a cut export?
        warnings.append(months_thin_text(thin))
    warnings += capped_files(info.file_rows)
    warnings += list(info.notes)  # what the ledger's reading noticed (ledger.LedgerInfo.notes)
    if readings["order_dependent"]["settlements"]:
        warnings.append(order_dependent_text(readings["order_dependent"], hifp))

    return {
        "ledger": info.files,
        # every file given with its rows; `empty`: a file without even a header (0 bytes, blank lines only)
        "files": [{"path": f, "rows": n, "empty": why} for f, n, why in info.file_rows],
        "policy": rules.id, "region": region, "region_example": rules.region_example,
        # the document as `conform run`'s results.json names it (documents[]: label, title, draft): a consultation
        # draft (南昌) says so wherever the audit's figures are reported
        **_policy_naming(rules.policy),
        # the --region file as read: what the figures rest on, pinned (a name may hold other figures tomorrow)
        **_region_identity(region),
        "engine": engine_name,
        "rows_read": info.rows_read, "settlements": info.settlements, "reversals": info.reversals,
        # Rows the document does not govern (--map [skip]) and void records (vali_flag 0): counted, never assessed.
        "rows_skipped": info.rows_read - info.audited,
        "skipped_by_code": [{"skip": k, "rows": n} for k, n in info.skipped],
        "persons": info.persons, "period": {"from": info.period[0], "to": info.period[1]},
        # the natural years the ledger holds from a day after January (_years_from_ledger), with their persons
        "years_from_ledger": years or [],
        # the calendar months of the period with no row at all (a forgotten monthly file): 按月份 says so, not 0.00
        "months_absent": missing,
        # every calendar month of the period with no row, a forgotten file or not (too few rows around it to say)
        "months_without_rows": empty,
        # the months under a third of the larger of their two neighbours (report.text.months_thin), with their rows
        "months_thin": thin,
        # what the report and the console say before every figure (run.py's warnings above)
        "warnings": warnings,
        "fields_audited": info.fields_audited,
        "discrepancies_by_field": {f: int(by_field.get(f, 0)) for f in info.fields_audited},
        "recorded_hifp_pay_fen": fund(totals["recorded_hifp_pay_fen"]),
        "expected_hifp_pay_fen": fund(totals["expected_hifp_pay_fen"]),
        "overpaid_fen": fund(over), "underpaid_fen": fund(under),
        # of those, the part whose expected hifp_pay rests on the export's order of same-day settlements (A-AUDIT-ORDER),
        # and on a month of the year with no row before it (A-AUDIT-MONTH-ABSENT)
        "overpaid_order_dependent_fen": fund(readings["order_dependent"]["overpaid"]),
        "underpaid_order_dependent_fen": fund(readings["order_dependent"]["underpaid"]),
        "overpaid_after_month_absent_fen": fund(readings["after_month_absent"]["overpaid"]),
        "underpaid_after_month_absent_fen": fund(readings["after_month_absent"]["underpaid"]),
        "persons_reference": n_ref,
        "unassessed": int(totals["unassessed"]),
        # Rows the audit cannot assess (a document's validity, a missing tier or region parameter, an
        # exclusion code it does not know, the reference engine's refusal): the verdict cannot be "clean".
        # `details_kinds`, `details_rows`: the reference engine's notes in all, and the rows they cover.
        "unassessed_by_reason": [{"status": st, "reason": UNASSESSED_REASONS.get(st, st), "rows": int(n),
                                  "example_setl_id": ex, "details": details.get(st, []),
                                  "details_kinds": noted.get(st, (0, 0))[0], "details_rows": noted.get(st, (0, 0))[1]}
                                 for st, n, ex in sorted(totals["unassessed_by_status"])],
        # Rows assessed but for recorded figures the audit did not check (the account before 浙江's reform; the personal
        # fields where the recorded parts exceed what the fund leaves): which fields, why, how many rows, an example; they too keep the verdict from "clean".
        "fields_not_assessed": fields_not_assessed(con, info, rules, totals),
        "expected_rows": int(totals["expected_rows"]),
        "elapsed_s": round(elapsed, 3),
        "rows_per_s": int(info.rows_read / elapsed) if elapsed > 0 else 0,
        "assumptions": _assumptions(rules, info, balances, any(y["persons_without_ytd"] for y in years or ()), bool(gaps),
                                    bool(int(totals.get("parts_unchecked") or 0))),
    }


def _years_from_ledger(con: duckdb.DuckDBPyConnection, rules: Rules | None = None) -> list[dict]:
    """The natural years the ledger does not hold from their start (plan.LEDGER_YEARS: its first day in the year is
    after January), each with its first day, the persons with a settlement in it and how many of them the persons
    file gives no opening totals (ytd) for it: their totals before that day are taken as 0 (YTD_FROM_LEDGER). Only
    where the document (its region) was in force before that first day: a year it does not govern before then (攀枝花
    or 南昌 in 2022: no deductible or cap to have counted) asks for no earlier files (probe s23 Q F4)."""
    rows = con.execute("SELECT yr, held_from FROM ledger_years ORDER BY yr").fetchall()
    start, end = (rules.valid_from, rules.valid_to) if rules is not None else (None, None)
    rows = [(y, d) for y, d in rows if (start is None or start < d) and (end is None or end >= dt.date(int(y), 1, 1))]
    if not rows:  # a ledger held from January: no scan
        return []
    counts = {int(y): (int(n), int(k)) for y, n, k in con.execute("""
        SELECT ly.yr, count(DISTINCT l.psn_no), count(DISTINCT CASE WHEN r.ytd_year IS DISTINCT FROM ly.yr THEN l.psn_no END)
        FROM ledger l JOIN ledger_years ly ON ly.yr = year(l.setl_date) JOIN routed r ON r.psn_no = l.psn_no
        WHERE l.init_setl_id IS NULL GROUP BY ly.yr""").fetchall()}
    return [{"year": int(y), "held_from": d.isoformat(), "persons": counts.get(int(y), (0, 0))[0],
             "persons_without_ytd": counts.get(int(y), (0, 0))[1]} for y, d in rows]


def year_from_ledger_text(y: dict) -> str:
    """The warning for a year the ledger holds from a day after January, with persons given no ytd for it."""
    return (f"清单 {y['year']} 年的结算自 {y['held_from']} 起，此前的结算不在清单中：{y['persons_without_ytd']:,} 人"
            f"（共 {y['persons']:,} 人）未在人员信息中给出 {y['year']} 年的年初累计 ytd，其此前的起付线和统筹支付累计按 0 计"
            f"（{YTD_FROM_LEDGER}）；若此前已有结算，其差异可能并不存在。请一并给出该年度此前各月的清单，或在 --persons 中给出"
            f"每人的 ytd (the ledger holds {y['year']} from {y['held_from']}; {y['persons_without_ytd']:,} persons without "
            f"ytd for it are taken to have no earlier totals)")


# A month with no row is taken for a forgotten file only between months that each hold at least this many rows: a
# month's settlements are many independent visits (about Poisson), so with 20 expected an empty month has a chance of
# e^-20, about 2e-9 — where a small ledger (one clinic, a sample of persons, a hand-made case) may well have a month
# with none, and is not told of it.
MONTH_ROWS_EXPECTED = 20


def _months_absent(con: duckdb.DuckDBPyConnection) -> tuple[list[str], tuple[tuple[int, int], ...], list[dict], list[str]]:
    """The calendar months between the ledger's first and last with no row at all (YYYY-MM) whose nearest months with
    rows on either side hold MONTH_ROWS_EXPECTED rows or more, and each year's first such month that rows of the same
    year follow; the latter as table `ledger_gaps` (yr, gap_mo), which `compare` reads to cite MONTH_ABSENT on the later
    rows of the year; from the same counts, the months far thinner than their year's others (months_thin); and every
    month between the first and the last with no row, however few rows its neighbours hold (按月份 shows it as
    无结算记录, not 0.00: no settlement was audited there). A forgotten monthly file reads as a month that settled
    nothing: every later settlement of the year is then reckoned without it. One hash aggregate over one column (a
    few dozen rows out)."""
    rows = {(int(y), int(m)): int(n) for y, m, n in con.execute(
        "SELECT year(setl_date), month(setl_date), count(*) FROM ledger GROUP BY ALL").fetchall()}
    months = sorted(rows)
    missing: list[str] = []
    empty: list[str] = []
    gaps: dict[int, int] = {}
    for (y0, m0), (y1, m1) in zip(months, months[1:]):
        between: list[tuple[int, int]] = []
        y, m = (y0 + 1, 1) if m0 == 12 else (y0, m0 + 1)
        while (y, m) < (y1, m1):
            between.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        empty += [f"{y:04d}-{m:02d}" for y, m in between]
        if min(rows[(y0, m0)], rows[(y1, m1)]) < MONTH_ROWS_EXPECTED:
            continue
        missing += [f"{y:04d}-{m:02d}" for y, m in between]
        for y, m in between:
            if y == y1 and y not in gaps and (y, m) > min(k for k in months if k[0] == y):
                gaps[y] = m  # rows of its year before and after it: the later ones rest on it
    con.execute("CREATE OR REPLACE TABLE ledger_gaps (yr SMALLINT, gap_mo SMALLINT)")
    if gaps:
        con.executemany("INSERT INTO ledger_gaps VALUES (?, ?)", sorted(gaps.items()))
    return missing, tuple(sorted(gaps.items())), months_thin(rows), empty


def months_absent_text(missing: list[str], period: tuple, money: dict | None = None) -> str:
    """The warning for months of the period with no row: said before every figure, as a year held from after January."""
    said = "、".join(missing)
    rest = ""
    if money and (money.get("overpaid") or money.get("underpaid")):
        rest = (f"；多付中 {yuan_grouped(money['overpaid'], '')} 元、少付中 {yuan_grouped(money['underpaid'], '')} 元依据这一认定"
                f"（{money['settlements']:,} 笔差异结算）")
    return (f"清单期间 {period[0]} 至 {period[1]} 中 {said} 没有任何结算记录：漏给了该月的文件，或该月导出失败？该月若有结算，"
            f"同一自然年度其后各月结算的起付线和年度最高支付限额累计缺少它们，正确的结算也会显示为多付或少付"
            f"（{MONTH_ABSENT}）{rest}。请补齐该月的清单后重新稽核 (no settlement in {', '.join(missing)}: a monthly file "
            f"left out? the later settlements of its year are reckoned as if it settled nothing)")


def order_dependent_text(money: dict, fund: bool = True) -> str:
    """The warning for discrepancies whose expected figures rest on the export's order of same-day settlements; `fund`:
    hifp_pay was audited, so the over- and underpaid have a part that rests on it."""
    part = (f"统筹基金多付中 {yuan_grouped(money['overpaid'], '')} 元、少付中 {yuan_grouped(money['underpaid'], '')} 元取决于这一顺序，"
            if fund else "")
    return (f"{money['settlements']:,} 笔差异结算的应为值取决于同日结算的先后：清单中没有能确定其先后的结算时间（没有 setl_time，"
            f"或时间为空、相同、恰为零点 00:00:00），按导出顺序审核（{ORDER_DOUBT}）；{part}可能只是导出顺序所致，不一定是系统的差错。导出到秒的"
            f"结算时间 setl_time 后重新稽核 ({money['settlements']:,} settlements' expected figures rest on the export's "
            f"order of same-day settlements)")


# Row counts at which an export stops rather than ends: Excel's sheet limits (with or without the header row) for every
# format, and a round thousand for the formats a web page's 导出 writes (CSV, xlsx, JSON lines): a page that exports
# at most 1,000·n rows leaves the rest of the month out, silently. A file of a real month is a round thousand once in a
# thousand; a Parquet file is a program's (a database job, synth-ledger --rows), which has no page size to stop at.
EXCEL_CAPS = frozenset({65_535, 65_536, 1_048_575, 1_048_576})
ROUND_CAP = 1000


def capped_files(files: list[tuple]) -> list[str]:
    """The files whose row count is an export's cap (EXCEL_CAPS; a round thousand outside Parquet)."""
    out = []
    for path, n, _why in files:
        n = int(n or 0)
        parquet = str(path).lower().endswith((".parquet", ".parq", ".pq"))
        if n in EXCEL_CAPS or (n and n % ROUND_CAP == 0 and not parquet):
            out.append(f"{path}: 恰好 {n:,} 行——导出工具的行数上限？若导出在此处截断，其后的结算未经稽核，同一自然年度此后结算的"
                       f"起付线和限额累计也缺少它们：核对该文件是否完整，或分批导出后重新稽核 (exactly {n:,} rows, a round "
                       f"number at which exports stop: check the file is complete)")
    return out


def _money(con: duckdb.DuckDBPyConnection, disc: Path) -> dict[str, dict]:
    """The over- and underpaid in fen (`all`; a settlement netted with its reversals, discrepancies_sql), and the part
    whose expected hifp_pay rests on a reading of what the export does not say (its clause names it), with the
    settlements it touches: one pass over the discrepancies (37 million where every settlement differs), not three.
    In fen, as integers: `pair_net` is an exact DECIMAL in yuan with two decimals, so ×100 is whole."""
    readings = (("order_dependent", ORDER_DOUBT), ("after_month_absent", MONTH_ABSENT))

    def part(cond: str) -> str:
        return (f"CAST(COALESCE(SUM(CASE WHEN pair_net > 0{cond} THEN pair_net END), 0) * 100 AS BIGINT), "
                f"CAST(COALESCE(-SUM(CASE WHEN pair_net < 0{cond} THEN pair_net END), 0) * 100 AS BIGINT)")

    cols = [part("")] + [f"{part(' AND clause LIKE ?')}, COUNT(DISTINCT CASE WHEN clause LIKE ? THEN "
                         "COALESCE(init_setl_id, setl_id) END)" for _ in readings]
    pats = [p for _, reading in readings for p in [f"%{reading}%"] * 3]
    got = con.execute(f"SELECT {', '.join(cols)} FROM ({discrepancies_sql(disc)})", pats).fetchall()[0]
    out = {"all": {"overpaid": int(got[0]), "underpaid": int(got[1])}}
    for i, (key, _) in enumerate(readings):
        over, under, n = got[2 + 3 * i: 5 + 3 * i]
        out[key] = {"overpaid": int(over), "underpaid": int(under), "settlements": int(n)}
    return out


def _persons_in_ledger(con: duckdb.DuckDBPyConnection, path: str, n: int, ytd: bool) -> dict:
    """How many persons the --persons file gave and how many of them the ledger has. A file that gives
    persons none of whom is in the ledger would change nothing, silently: another month's or region's
    file, or psn_no damaged on the way (a spreadsheet's number format), so it is refused."""
    # 10M ledger rows, 100,000 persons: 0.14 s
    m = con.execute("SELECT count(*) FROM persons p WHERE EXISTS (SELECT 1 FROM ledger l WHERE l.psn_no = p.psn_no)"
                    ).fetchall()[0][0]
    if n and not m:
        raise AuditInputError(f"none of the {n:,} persons in {path} is in the ledger (a different file, or its "
                              "psn_no damaged?)")
    # Opening year-to-date totals apply only to their own year: ytd for 2023 given with a ledger of 2024
    # changes no figure. Said, not refused (a ledger may span two years, and a person settle in one only).
    k, example, year = 0, None, None
    if ytd:
        k, example, year = con.execute("""
            SELECT count(*), min(p.psn_no), arg_min(p.ytd_year, p.psn_no) FROM persons p
            WHERE p.ytd_year IS NOT NULL AND EXISTS (SELECT 1 FROM ledger l WHERE l.psn_no = p.psn_no)
              AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.psn_no = p.psn_no AND year(l.setl_date) = p.ytd_year)
            """).fetchall()[0]
    unused = {"persons": int(k), "example_psn_no": example, "year": year} if k else None
    return {"persons": n, "in_ledger": int(m), "ytd_unused": unused}


def _refuse_openings(con: duckdb.DuckDBPyConnection, refused: dict[str, AuditInputError], people: dict) -> None:
    """Raise the first (by file line) located refusal of a person's opening totals that the audit would read:
    the person has settlements in the ledger in the ytd's year. Others change no figure (docs/audit.md)."""
    if not refused:
        return
    keys = [(psn, people[psn].ytd.year) for psn in refused]
    con.execute("CREATE OR REPLACE TEMP TABLE _opening_keys (psn_no VARCHAR, yr INTEGER)")
    con.executemany("INSERT INTO _opening_keys VALUES (?, ?)", keys)
    read = {r[0] for r in con.execute(
        "SELECT DISTINCT k.psn_no FROM _opening_keys k JOIN ledger l ON l.psn_no = k.psn_no "
        "AND year(l.setl_date) = k.yr").fetchall()}
    hit = [refused[p] for p in read]
    if hit:
        raise min(hit, key=lambda e: e.row or 0)


def _release(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every table but the ledger's before the report: the report's own connection sorts and groups the
    discrepancies beside this one (whose limit still holds), and the worked examples read only the ledger
    (fallback.explain_settlement). Where every settlement differs, `expected` holds every row."""
    names = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND NOT temporary "
                        "AND table_name <> ?", [CATALOG, ledger.STORED]).fetchall()
    for (name,) in names:
        con.execute(f"DROP TABLE {CATALOG}.main.{name}")


def _out_folder(out: Path | str) -> Path:
    """--out as an absolute path, `..` left for the system to resolve (past a symbolic link, as mkdir would).
    Refused: an empty one (an unset $OUT) and the current folder or one above it, which the report, swapped
    into place whole, would pull from under the user's shell."""
    if not str(out).strip():
        raise AuditInputError("--out is empty (an unset variable?): give the report folder, e.g. --out reports/may")
    folder = Path(out).absolute()
    if folder.name in ("", "..") or folder == Path.cwd():
        raise AuditInputError(f"--out {out}: the current folder or one above it; give a folder for the report, "
                              "e.g. --out report")
    return folder


@contextlib.contextmanager
def _amounts_fit(con: duckdb.DuckDBPyConnection, info: ledger.LedgerInfo, m, encoding: str | None) -> Iterator[None]:
    """An engine's 64-bit overflow while the plan settles the ledger or the summary totals it (the recorded figures'
    over- and underpayments) is the ledger's, located (ledger.too_large, exit 2); anything else is raised as it is."""
    try:
        yield
    except AuditInputError:
        raise
    except Exception as e:  # noqa: BLE001 - only an overflow is taken; anything else is raised unchanged
        said = (str(e).strip().splitlines() or [type(e).__name__])[0].split(". ")[0]  # not Spark's advice: ANSI off
        if not ledger.OVERFLOW.search(str(e)[:2000]) or interrupt.received() is not None:
            raise
        raise ledger.too_large(con, info, m, encoding, said[:200]) from None


def audit(ledgers: list[str] | tuple[str, ...], policy: str, region: str | None = None, persons_file: str | None = None,
          mapping: tuple[str, ...] | list[str] = (), engine: str = "duckdb", spark_master: str | None = None,
          encoding: str | None = None, out: Path | str | None = None, params_inline: dict | None = None,
          workers: int | None = None, spark=None, write: bool = True, memory_limit: str | None = None,
          keep_connection: bool = False, institutions_file: str | None = None,
          progress: Callable[[str], None] | None = None, admdvs: str | None = None):
    """Run the audit; returns (exit_code, summary). Raises AuditInputError for bad input (exit 2).

    `progress`, when given, hears one line per finished stage (a large ledger takes minutes). `admdvs`: the
    region's division code; rows of persons insured in another city are left out (ledger._one_insured_city)."""
    t0 = time.perf_counter()
    if admdvs is not None and not re.fullmatch(r"[0-9]{6}", admdvs):
        raise AuditInputError(f"--admdvs {admdvs!r}: expected the region's six-digit division code (医保区划), e.g. 510400")
    try:
        rules = bind_cached(policy, region, params_inline)
        params.tables(rules)  # refuses a policy that cannot be materialised before reading any data
    except MissingParameter as e:
        raise AuditInputError(_ask_region(e, policy, region)) from None
    except PolicyError as e:
        raise AuditInputError(str(e)) from None
    m = load_mapping(tuple(mapping))
    # --admdvs not given: the region file's own admdvs stands for it (ledger._region_city: several insured cities, or
    # none of the region's); the example regions give none
    home, home_from = ((rules.region_admdvs, rules.region_path) if admdvs is None and rules.region_admdvs
                       else (admdvs, None))
    out_dir = None
    if write:  # an output folder the report cannot replace is refused before minutes of work, not after
        from .report import check_out_dir, default_out_dir

        out_dir = _out_folder(out) if out is not None else default_out_dir()
        check_out_dir(out_dir)
    eng = get_engine(engine, master=spark_master, spark=spark)  # a bad --spark-master fails before any reading
    # On a Spark cluster the hand-over Parquet must be on a filesystem every executor reads:
    # CONFORM_AUDIT_WORKDIR names such a folder (docs/audit.md).
    workdir = Path(tempfile.mkdtemp(prefix="conform-audit-", dir=os.environ.get("CONFORM_AUDIT_WORKDIR")))
    timings: dict[str, float] = {}
    handed_over = False
    con = None

    def lap(name: str, said: str) -> None:
        timings[name] = round(time.perf_counter() - t0 - sum(timings.values()), 3)
        if progress is not None:
            progress(f"{said}（{timings[name]:.1f} s）")

    try:
        con = _connect(workdir, memory_limit)
        has_inst = institutions.load(con, institutions_file, m)
        # The persons file is parsed in Python while DuckDB reads the ledger (it releases the GIL).
        cur = con.cursor()
        cur.execute(f"USE {CATALOG}")
        refused_openings: dict[str, AuditInputError] = {}
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                parsed = pool.submit(persons.load, cur, persons_file, m, rules.policy, rules, refused_openings)
                info = ledger.load(con, list(ledgers), m, encoding, institutions=has_inst, home=home,
                                   others=sources.other_inputs(persons_file, institutions_file, mapping), note=progress,
                                   home_from=home_from, area=rules.policy.admdvs)
                people = parsed.result()
        finally:
            cur.close()
        persons_count = (_persons_in_ledger(con, persons_file, len(people), any(p.ytd for p in people.values()))
                         if persons_file else None)
        _refuse_openings(con, refused_openings, people)
        if persons_file:  # a birth after the person's first settlement is refused; the file's unused records are noted
            persons_count.update(persons.ledger_checks(con, people))
        if not info.fields_audited:  # recomputing with nothing to compare would read as a clean ledger
            raise AuditInputError(
                "the ledger has none of the recorded figures to audit (" + ", ".join(ledger.RECORDED) + "); "
                "rename a vendor's columns to them with --map", file=", ".join(info.files))
        _compress(con)
        params.load(con, rules)
        lap("read", f"读取并校验清单 read: {info.rows_read:,} 行 rows")
        for name in plan.ROUTING:  # `routed`: one row per person
            con.execute(f"CREATE OR REPLACE TABLE {name} AS " + plan.sql(name))
        con.execute("CREATE OR REPLACE TABLE fallback_persons AS " + plan.sql("fallback_persons"))
        info = dataclasses.replace(info, persons=con.execute("SELECT count(*) FROM routed").fetchall()[0][0])
        years = _years_from_ledger(con, rules)
        months = _months_absent(con)
        lap("route", f"按人员分组 grouped: {info.persons:,} 人 persons")
        if progress is not None:
            for y in years:
                if y["persons_without_ytd"]:
                    progress("注意 note: " + year_from_ledger_text(y))
            if months[0]:
                progress("注意 note: " + months_absent_text(months[0], info.period))
            if months[2]:
                progress("注意 note: " + months_thin_text(months[2]))
        spec = fallback.RulesSpec(policy, region, tuple(sorted((str(k), str(v)) for k, v in (params_inline or {}).items())),
                                  years_from_ledger=tuple(y["year"] for y in years), months_absent=months[1])
        n_ref = fallback.settle(con, spec, people, workers)
        lap("reference", f"参考实现逐人结算 reference engine: {n_ref:,} 人 persons")
        disc = workdir / "discrepancies.parquet"
        with _amounts_fit(con, info, m, encoding):
            totals = eng.run(con, tuple(info.fields_audited), disc, workdir)
            if int(totals["expected_rows"]) != info.audited:  # every row settled once, by the plan or the reference
                raise RuntimeError(f"the plan settled {totals['expected_rows']} of {info.audited} rows")
            lap("plan", f"重算并比对 recomputed and compared ({engine})")
            balances = any(p.acct_balance is not None for p in people.values())
            summary = _summary(con, info, rules, engine, totals, disc, n_ref, time.perf_counter() - t0, region,
                               balances, years, months)
        summary["timings_s"] = timings
        summary["persons_file"] = persons_count
        summary["mapping"] = mapping_record(tuple(mapping), m)  # the --map its levels, codes and skips rest on
        if engine == "spark":  # which Spark ran it (a cluster's report from a local one's), never its credentials
            from .engines.spark import redacted

            summary["spark_master"] = redacted(getattr(eng, "master", None) or "local[*]")
        # the region's own insured persons only: --admdvs, or the region file's admdvs where it left persons out
        used = admdvs is not None or any(k.startswith("insuplc_admdvs=") for k, _ in info.skipped)
        summary["admdvs"] = home if used else None
        summary["admdvs_from"] = (home_from or "--admdvs") if used else None
        # rows without insuplc_admdvs among coded ones, audited as local (raudit2 Q2; ledger.insured_blank_said)
        summary["rows_without_insuplc_admdvs"] = info.insured_blank
        code = verdict(sum(summary["discrepancies_by_field"].values()), 0, summary["unassessed"],
                       unchecked_rows(summary))[2]
        if write:
            from .report import write_reports

            if not keep_connection:
                _release(con)
            ctx = fallback.Context(con, spec, people)
            code = write_reports(out_dir, disc, summary, explain=lambda sid: fallback.explain_settlement(ctx, sid),
                                 memory_limit=memory_limit or os.environ.get("CONFORM_AUDIT_MEMORY"),
                                 registered=[k for k, p in people.items() if p.diseases_given])
            lap("report", f"报告 report: {out_dir}")
        summary["_discrepancies"] = str(disc) if keep_connection else None
        if keep_connection:  # for tests: the caller closes it and removes _workdir
            # every row's figures as the plan defines them (the stage `expected` keeps only the rows that differ)
            con.execute("CREATE OR REPLACE VIEW expected_rows AS " + plan.sql("expected_rows"))
            summary["_connection"], summary["_workdir"] = con, str(workdir)
            handed_over = True
        return code, summary
    finally:
        if not handed_over:  # bad input or a failure included: nothing is left behind in the temp folder
            if con is not None:
                con.close()
            shutil.rmtree(workdir, ignore_errors=True)
