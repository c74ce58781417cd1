"""The reference engine's side of the fallback, importable cheaply by worker processes.

Only `reference` is imported here (no DuckDB, pyarrow or sqlglot), so a spawned worker starts fast.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from conform.reference.case import PSN_TYPES, Person, Settlement
from conform.reference.benefits import FlexTierNeeded, OutsideValidity, Refusal, UnknownExclusion, own_account
from conform.reference.engine import AFTER_FUND_STEPS, PersonLedger, SettlementResult, rules_for
from conform.reference.money import ratio_e4
from conform.reference.policy import MissingParameter, PolicyError
from conform.reference.trace import CITE_SEP, join_cites

ROW_COLUMNS = ("setl_id", "psn_no", "psn_type", "setl_date", "med_type", "facility", "dise_codg", "exclusion",
               "remote", "acct_used_flag", "init_setl_id", "medfee_sumamt", "fulamt_ownpay_amt",
               "overlmt_selfpay", "preselfpay_amt", "oth_fund_pay", "hosp_part_amt", "acct_mulaid_pay", "acct_pay",
               # last, and optional in a row (ORDER_DOUBT): the rest are unpacked by place
               "setl_time")
# Where no setl_time decides the order of a person's settlements on a day (no setl_time column, a blank cell, equal
# times), they are taken in the export's order (A-AUDIT-ORDER), and the running deductible and cap of the person's
# year from the first of such rows on rest on it: those rows' deductible and fund clauses cite it (_order_doubts), as
# the plan's.
ORDER_DOUBT = "A-AUDIT-ORDER"
# A natural year the ledger does not hold from its start (plan.LEDGER_YEARS): a person without opening totals (ytd)
# for it is taken to have none before the ledger's first day; their rows of that year cite it, as the plan's.
YTD_FROM_LEDGER = "A-AUDIT-YTD-FROM-LEDGER"
# A month of a natural year with no row in the ledger between months with rows (plan.LEDGER_GAPS): the running totals of
# the year's later rows take it as settling nothing; their deductible and fund clauses cite it, as the plan's.
MONTH_ABSENT = "A-AUDIT-MONTH-ABSENT"


@dataclass(frozen=True)
class RulesSpec:
    policy: str
    region: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    # the natural years the ledger does not hold from their start (plan.LEDGER_YEARS), for YTD_FROM_LEDGER
    years_from_ledger: tuple[int, ...] = ()
    # (year, the first month of it with no row between months with rows): plan.LEDGER_GAPS, for MONTH_ABSENT
    months_absent: tuple[tuple[int, int], ...] = ()

    def bind(self):
        return rules_for(self.policy, self.region, dict(self.params) or None)


_NO_YUAN = Decimal("0.00")


def _yuan(fen: int | None) -> Decimal:
    """Integer fen as yuan with two places, exactly (a shift of the exponent: no division, no float)."""
    return Decimal(fen).scaleb(-2) if fen else _NO_YUAN


def _fen(d: Decimal) -> int:
    """money.to_fen without its check, on the hot path: the engine's figures are held to the fen (round_fen)."""
    return int(d.scaleb(2))


# pool_prop_selfpay in ten-thousandths, by ratio: a settlement's ratio is one of the document's few
_RATIO_E4: dict[Decimal, int] = {}


def _ratio_e4(d: Decimal) -> int:
    e4 = _RATIO_E4.get(d)
    if e4 is None:
        e4 = ratio_e4(d)
        if len(_RATIO_E4) < 1024:
            _RATIO_E4[d] = e4
    return e4


def _retired_on(rows: list[tuple]):
    """A-AUDIT-PSN-TYPE-CHANGE: the date of the first retiree-type settlement after an in-service one."""
    in_service = False
    for r in rows:
        if r[10] is None and r[2]:
            if PSN_TYPES[r[2]][0] == "in_service":
                in_service = True
            elif in_service:
                return r[3]
    return None


def person_for(psn_no: str, rows: list[tuple], known: Person | None) -> Person:
    """The person as the reference needs it: the persons file's record, else what the ledger says
    (also the type, when the record leaves psn_type out). A record with a retiree type and no retire
    date (a personnel export gives the type of today) retires where the ledger's type changes. Opening totals
    (ytd) of a year none of the rows falls in are left out: no settlement here reads them, so a key in them that
    none would read (refused for a person settled in that year) must not refuse the other years' rows."""
    if known is not None and known.ytd is not None and not any(
            r[3] is not None and r[3].year == known.ytd.year for r in rows):
        known = dataclasses.replace(known, ytd=None)
    if known is not None and known.psn_type is not None:
        if known.retire_date is None and PSN_TYPES[known.psn_type][0] == "retiree":
            retire = _retired_on(rows)
            if retire is not None:
                return dataclasses.replace(known, retire_date=retire)
        return known
    types = [r[2] for r in rows if r[10] is None and r[2]]
    first = types[0] if types else "1101"
    retire = _retired_on(rows) if PSN_TYPES[first][0] == "in_service" else None
    if known is not None:
        return dataclasses.replace(known, psn_type=first, retire_date=known.retire_date or retire)
    return Person(psn_no=psn_no, psn_type=first, retire_date=retire)


# The trace steps whose article decides the pooled fund's figure: a benefit's ratio (or the cap, where it
# cut the figure: as the plan's `capped`), a chronic visit's cap and overflow, or the rule that paid nothing.
_PAY_STEPS = frozenset({"支付比例", "慢特病支付", "住院比例和限额", "超出慢特病限额", "转入普通门诊统筹", "不予支付",
                        "施行日期", "享受条件", "待遇享受期", "住院期间", "定点零售药店"})
_RATIO_STEPS = ("支付比例", "慢特病支付", "住院比例和限额")
# A visit that crossed the chronic cap records the chronic ratio (A-CHRONIC-OVERFLOW-RATIO): the engine says so.
_KEPT_RATIO_STEP = "结算支付比例"
# The steps saying a visit the document names no benefit for (an emergency, a day surgery) is settled as ordinary
# pooling (benefits: A-EMERGENCY-ORDINARY).
ROUTED_AS_ORDINARY = ("急诊", "日间手术")


# A retiree's deductible and cap counting what was counted in service this year: a reading (the deductible or
# cap step cites it), on which the pool payment rests too (it pays what the deductible left); where the ledger's
# types, not the persons file, date the retirement, the audit's own reading that dates it (TYPE_CHANGE).
MIDYEAR, TYPE_CHANGE = "A-MIDYEAR-RETIREMENT", "A-AUDIT-PSN-TYPE-CHANGE"
# Rounding the pool payment to the fen (the ratio step cites it where it changed the figure: benefits._rounding)
# decides that payment and the figures that follow from it (the fund's clause), never the ratio nor the
# deductible: their clauses leave it out, as the plan's (conform/audit/plan.py: only clause_fund names it).
ROUNDING = "A-ROUND-FEN"


def _unrounded(clause: str | None, also: str | None = None) -> str | None:
    return join_cites(*(c for c in clause.split(CITE_SEP) if c not in (ROUNDING, also))) or None if clause else clause


# A ratio reads no year total: a payment step that is ratio and cap in one (慢特病支付, 住院比例和限额) cites A-REVERSAL
# for its cap's remainder (benefits._reversed_cap), which the settlement's ratio never rests on (rclose11 D1), as the
# plan's clause_ratio never names it.
REVERSAL = "A-REVERSAL"


# The document's reading of the year its deductible and cap count over, where it names no period (北京（五）, 浙江
# 二（一）: the policy file's `year_reading`, which benefits._role_figure cites on every deductible and cap step).
YEAR_READING = "A-YEAR-BY-SETTLEMENT-DATE"
# The step saying a remote-filed person's visit outside the city is settled as at the place filed for (benefits).
REMOTE_FILED = "异地备案"


# What a deductible accumulates (benefits._deductible_scope): cited on the cap step of a payment the cap did not cut
# where the other way of counting 先行自付 gives another payment, which the fund's clause then names after the ratio's,
# as the plan's clause_fund does (plan._SCOPE_FUND).
SCOPE = "A-DEDUCTIBLE-SCOPE"


def _cites(clause: str | None, reading: str) -> bool:
    return clause is not None and reading in clause.split(CITE_SEP)


def _clauses(res: SettlementResult, retired_by_ledger: bool = False) -> tuple[str | None, str | None, str | None]:
    """(deductible, fund, ratio) articles of a settlement, from its trace: the same articles the plan
    cites for the rows it settles, and for the rest every benefit that paid (a chronic visit's overflow
    into ordinary pooling cites both); the ratio's, that of the ratio the settlement records, without A-ROUND-FEN
    (ROUNDING: the fund's figure rests on it, the ratio and the deductible never do). A deductible
    carried over a mid-year retirement (MIDYEAR) is cited on the fund's figure too, and where the ledger's
    types date the retirement (`retired_by_ledger`) TYPE_CHANGE beside it.

    Memoized (_CITED): what decides them is each step's label and clause, and of its value only what _cited
    reads (whether a deductible took part, whether the cap cut the ratio's figure), which a few shapes repeat
    across a ledger."""
    # (label, template, args, clause, value); the steps after the fund's figure decide no clause
    key: list = [retired_by_ledger]
    prev_label = prev_value = None
    for label, _tpl, _args, clause, value in res.trace._steps:
        if label in AFTER_FUND_STEPS:
            continue
        if label == "年度最高支付限额":  # as _cited reads it: did the cap cut the ratio's figure just before
            key += (label, clause, prev_label == "支付比例" and value < prev_value)
        elif "起付线" in label or label == "支付比例":  # did the deductible take part of it; did the ratio pay anything
            key += (label, clause, bool(value))
        else:
            key += (label, clause, None)
        prev_label, prev_value = label, value
    key = tuple(key)
    got = _CITED.get(key)
    if got is None:
        got = _cited([s for s in res.trace._steps if s[0] not in AFTER_FUND_STEPS], retired_by_ledger)
        if len(_CITED) >= 4096:  # a bound, never reached by one document's few shapes
            _CITED.clear()
        _CITED[key] = got
    return got


_CITED: dict[tuple, tuple[str | None, str | None, str | None]] = {}


def _cited(steps: list[tuple], retired_by_ledger: bool) -> tuple[str | None, str | None, str | None]:
    """_clauses, computed: `steps` the trace's up to the fund's figure."""
    paid: list[str] = []
    deductibles, counted, overflow = [], [], None
    cut = room_given_back = False
    for i, (label, _tpl, _args, clause, value) in enumerate(steps):
        if label == "年度最高支付限额":
            cut = bool(i and steps[i - 1][0] == "支付比例" and value < steps[i - 1][4])
            if cut:
                paid[-1] = clause
            else:
                if paid and _cites(clause, SCOPE):  # not cut: the ratio's payment, on a deductible the scope decided
                    paid[-1] = join_cites(paid[-1], SCOPE)
                # not cut, yet the cap step cites A-REVERSAL (benefits._reversed_cap): the payment needed cap room a
                # reversal gave back; had it given nothing back, less (or nothing) would be paid (probe s29 A2 F1)
                room_given_back = _cites(clause, REVERSAL)
        elif label == "支付比例" and not value and _cites(clause, MIDYEAR):
            # the ratio paid nothing (the deductible took the base): A-MIDYEAR-RETIREMENT decides the recorded ratio
            # (clause_ratio keeps it), never this 0.00, as the plan's clause_fund (probe s29 R R6)
            paid.append(join_cites(*(c for c in clause.split(CITE_SEP) if c != MIDYEAR)))
        elif label in _PAY_STEPS:
            paid.append(clause)
            overflow = clause if label == "转入普通门诊统筹" else overflow
        elif "起付线" in label:
            deductibles.append(clause)
            if value:  # a deductible that took part of this settlement (the overflow's: through its article)
                counted += [overflow, clause] if overflow else [clause]
    fund = join_cites(*paid) or (steps[-1][3] if steps else None)
    # Nothing counted (0.00 expected): the step that decides the 0.00 is the last deductible step — a chronic visit over
    # its cap: the ordinary one its rest meets (met already, or none for a worker without ordinary pooling), not the
    # chronic article's before it (probe s29 A2 F5)
    dedc = join_cites(*counted) if counted else (deductibles[-1] if deductibles else fund)
    if fund is not None and any(_cites(c, MIDYEAR) for c in deductibles):
        fund = join_cites(*fund.split(CITE_SEP), MIDYEAR)
    # The document's year reading (北京, 浙江: A-YEAR-BY-SETTLEMENT-DATE) decides the deductible, so the payment
    # computed from it too, as MIDYEAR is carried (plan._YEAR_FUND_AFTER; probe s29 A2 F1)
    if fund is not None and any(_cites(c, YEAR_READING) for c in deductibles):
        fund = join_cites(*fund.split(CITE_SEP), YEAR_READING)
    # A-REVERSAL on the payment: the deductible it was computed from rests on it and the cap did not cut the payment
    # (a cut one is the cap's remainder whatever the deductible), or the payment used cap room a reversal gave back
    if fund is not None and ((not cut and _cites(dedc, REVERSAL)) or room_given_back):
        fund = join_cites(*fund.split(CITE_SEP), REVERSAL)
    if retired_by_ledger:
        dedc, fund = (join_cites(*c.split(CITE_SEP), TYPE_CHANGE) if _cites(c, MIDYEAR) else c for c in (dedc, fund))
    # The settlement's ratio is the last one applied (a chronic visit its cap no longer covered at all is paid,
    # and its ratio set, by ordinary pooling alone), unless the engine kept the chronic ratio for a visit
    # that crossed the cap: then that ratio's article and the assumption that keeps it.
    ratio_steps = [s for s in steps if s[0] in _RATIO_STEPS]
    kept = next((s[3] for s in steps if s[0] == _KEPT_RATIO_STEP), None)
    if kept is not None:
        # crossed the cap (the chronic benefit paid part): the chronic ratio's step; its cap spent before the visit
        # (it paid nothing): the ordinary ratio's, the last applied
        chronic = next((s for s in ratio_steps if s[0] == "慢特病支付"), None)
        recorded = chronic if chronic is not None and chronic[4] else ratio_steps[-1]
        ratio = join_cites(*recorded[3].split(CITE_SEP), *kept.split(CITE_SEP))  # each article once
    else:
        ratio = ratio_steps[-1][3] if ratio_steps else fund
    # An emergency or a day surgery settled as ordinary pooling by a reading (A-EMERGENCY-ORDINARY: the document
    # names neither): every figure of it rests on that reading, as the plan cites it (plan._ROUTED_AS_ORDINARY).
    routed = [s[3] for s in steps if s[0] in ROUTED_AS_ORDINARY]
    # A remote-filed person's visit outside the city settled as at the place filed for (攀枝花 第七条), which no ledger
    # says (A-PZH-REMOTE-FILED-PLACE): every figure a benefit computed rests on it, as the plan cites it
    # (plan._REMOTE_FILED; probe s29 A2 F2); a visit nothing paid for by its rules (an exclusion, no account) does not.
    if ratio_steps:
        routed += [s[3] for s in steps if s[0] == REMOTE_FILED]
    if routed:
        dedc, fund, ratio = (join_cites(c, *routed) if c else c for c in (dedc, fund, ratio))
    # A-REVERSAL last (before the totals' readings), as the plan writes it and a reversal row adds it: one reading set,
    # one text on both routes (probe s25 Z1 F3)
    dedc, fund = (join_cites(*(x for x in c.split(CITE_SEP) if x != REVERSAL), REVERSAL) if _cites(c, REVERSAL) else c
                  for c in (dedc, fund))
    return _unrounded(dedc), fund, _unrounded(ratio, REVERSAL)


class AuditRefusal(PolicyError):
    """A settlement the audit itself will not assess, its reason worded in Chinese."""


class UnregisteredDisease(AuditRefusal):
    """A chronic-disease settlement (med_type 14) whose disease is not among those the persons file
    registers for the person (A-AUDIT-CHRONIC-REGISTERED)."""


def _unregistered_said(setl_id: str, dise: str | None, person: Person) -> str:
    """Why a chronic settlement is refused (UnregisteredDisease): its disease is not among those the persons file lists
    for the person — naming them, or saying the list is empty (registered: none) — or, where the document pays by the
    registered kind (吉林), the file lists none, so the kind is unknown."""
    code = dise or "（空）"
    registered = "、".join(d.dise_codg for d in person.diseases)
    if person.diseases_given:
        listed = f"（{registered}）" if registered else "（无：chronic_diseases 为空列表，未登记任何慢特病）"
        return (f"结算 {setl_id}：病种 {code} 不在人员信息为该参保人登记的慢特病{listed}中；"
                "门诊慢特病待遇以病种认定为前提，稽核不推定该结算应按何种待遇支付（A-AUDIT-CHRONIC-REGISTERED）")
    return (f"结算 {setl_id}：人员信息未列出该参保人登记的慢特病；本文件按登记的类别（门诊慢性病或门诊特殊疾病）"
            f"支付不同，病种 {code} 的类别无法确定（A-AUDIT-CHRONIC-REGISTERED）")


class TypeChange(AuditRefusal):
    """A ledger psn_type the person cannot take on that date (A-AUDIT-PSN-TYPE-CHANGE)."""


# The reference engine's refusals that the plan also makes, under the plan's status (conform/audit/plan.py
# STATUSES): a row's reason is the same whichever route settled its person; the rest are its own.
_REFUSALS = ((MissingParameter, "refused_parameter"), (OutsideValidity, "refused_validity"),
             (UnknownExclusion, "refused_exclusion"), (FlexTierNeeded, "refused_flex_tier"),
             (UnregisteredDisease, "refused_unregistered"))


def _refusal_status(e: PolicyError) -> str:
    return next((status for kind, status in _REFUSALS if isinstance(e, kind)), "refused_reference")


def _reason(note: str, *ids: str | None) -> str:
    """The note without the settlement it is about (`结算 X：`, the engine's English `settlement X: `): the
    row already names it, and the reports group the rows by reason, so one reason for many settlements
    is one entry with its row count, not one entry per settlement."""
    for i in ids:
        if i is not None:
            note = note.replace(f"结算 {i}：", "").replace(f"settlement {i}: ", "")
    return note


AFTER_REASON = "此前的一笔结算无法审核，其后的累计无法确定"  # the refused_after reason, whichever settlement it was


def _said(e: PolicyError) -> str:
    """The reference engine's reason, in the audit's terms and Chinese first, as the reports are: a value
    the document leaves to the region is supplied in the --region file (a case's `params`, which the
    engine's own message also offers, are no part of an audit); a refusal in its Chinese words with the
    engine's English after them; any other reason (the engine's English) under a Chinese heading."""
    if isinstance(e, MissingParameter):
        said = f"参数 {e.key} 须由地区配置提供（{e.source}）：请在 --region 指定的地区配置文件的 values: 下补充"
        parts = e.key.split(".")
        if len(parts) == 3 and parts[0] in ("chronic", "special"):  # a disease's own figure: its code may be a typo
            said += f"；若病种编码 {parts[1]} 有误（不是本地认定的病种），请核对清单的 dise_codg"
        return said
    if isinstance(e, Refusal):
        return f"{e.zh} {e}"
    if isinstance(e, AuditRefusal):  # the audit's own, in Chinese already
        return str(e)
    return f"参考实现拒绝结算 the reference engine refused: {e}"


_ROLE_NAMES = {"in_service": "在职", "retiree": "退休"}


def _type_mismatch(person: Person, row_type: str | None, date, check_role: bool) -> str | None:
    """Why a settlement whose ledger psn_type the person (typed by the ledger) cannot take is refused:
    one Person has one type, changed only by retirement (A-AUDIT-PSN-TYPE-CHANGE); a change between
    职工 and 灵活就业, or back from retiree to in service, is a change no document provides for. With a
    retire date from the persons file the role is that file's (a ledger row that differs is a discrepancy)."""
    if not row_type or row_type not in PSN_TYPES:
        return None
    role, flexible = PSN_TYPES[row_type][0], PSN_TYPES[row_type][1]
    now = person.role_on(date)
    if (role == now or not check_role) and flexible == PSN_TYPES[person.psn_type][1]:
        return None
    kind = "灵活就业" if PSN_TYPES[person.psn_type][1] else "职工"
    return (f"清单所记人员类别 {row_type}（{PSN_TYPES[row_type][2]}）与该人员此时的类别（{kind}{_ROLE_NAMES[now]}，"
            f"按清单首笔结算 {person.psn_type}{'，' + str(person.retire_date) + ' 起退休' if person.retire_date else ''}）"
            "不符，且不是退休的变化：文件未规定年度中此种变化，人员信息也未给出类别，无法审核")


def by_ledger(known: Person | None) -> bool:
    """Whether the ledger's rows type the person: no persons record gives a type (one that does decides
    the type on every date, and a ledger row that differs is then a discrepancy)."""
    return known is None or known.psn_type is None


def settle_person(rules, person: Person, rows: list[tuple], trace_for: str | None = None,
                  typed_by_ledger: bool = False, retire_given: bool = False, ytd_unknown: frozenset[int] = frozenset(),
                  gaps: dict[int, int] | None = None):
    """Expected rows (dicts in EXPECTED_COLUMNS) for one person; or the trace of `trace_for`.
    `typed_by_ledger`: the person's type comes from the ledger's rows (person_for), which are then
    each checked against it; `retire_given`: the persons file dates the retirement (the role is then its);
    `ytd_unknown`: the years whose totals before the ledger's first day are taken as 0 (YTD_FROM_LEDGER); `gaps`: year ->
    its first month with no row in the ledger, after which the totals take that month as settling nothing (MONTH_ABSENT)."""
    ledger = PersonLedger(rules, person)
    # the retirement dated by the ledger's types (person_for), not by the persons file
    retired_by_ledger = person.retire_date is not None and not retire_given
    out = []
    refused: dict[str, tuple[str, str, str]] = {}  # each refused settlement's (status, note, reason): its reversal's too
    role_by_ledger = typed_by_ledger and not retire_given
    # Refused settlements not reversed, with their year: the running deductible and cap of that year
    # after them are unknown, and so is the account after them when its balance is known (it runs on
    # across years) — the rows after are refused too (A-AUDIT-AFTER-UNASSESSED), as the plan does.
    standing: dict[str, int] = {}
    short: set[str] = set()  # settlements whose own account share the opening balance did not cover
    # the most each settlement's accounts can have paid: the own account's share of 个人负担 (none where the
    # account was not used), a relative's account as recorded on top
    most: dict[str, int] = {}
    # the least they can have paid where the balance is unknown: a relative's account as recorded (part of acct_pay),
    # else 0 — a settlement never pays into the account (as the plan's _ACCT)
    least: dict[str, int] = {}
    recorded_acct: dict[str, int] = {}  # each settlement's recorded acct_pay (fen), for its reversal
    after: set[str] = set()  # settlements refused only because an earlier one was (refused_after)
    cited: dict[str, tuple] = {}  # each settlement's clauses, for its reversal
    # No own account to pay from (as the plan's `no_account`)
    no_account = own_account(rules.policy, person) is False
    # What the own account holds is unknown: no opening balance given, or (浙江 二（三）) the account may have
    # paid by the rules before the document's account reform, not in the text (as the plan's `pre_p`)
    unknown = person.acct_balance is None
    # why it became unknown where a balance was given, for the trace (None: the account reform's, _as_audited)
    unknown_why: str | None = None
    # settlements whose recorded parts exceed what the expected fund leaves (PARTS_OVER): their reversal's too
    exceeds: set[str] = set()
    by_kind = "special" in rules.policy.covers  # 吉林: the registration says which chronic benefit pays

    def refuse(setl_id: str, psn_no: str, status: str, note: str, reason: str) -> None:
        """Refuse a row: the trace gives `note` (which names the settlements); expected_ref keeps the
        `reason`, which does not, for the reports to count rows by."""
        refused[setl_id] = status, note, reason
        out.append({"setl_id": setl_id, "psn_no": psn_no, "route": "reference", "status": status, "note": reason})
    for r in rows:
        (setl_id, psn_no, _t, date, med_type, facility, dise, excl, remote, acct_flag, init,
         medfee, ful, over, pre, other, hosp, mulaid, rec_acct) = r[:19]
        try:
            if init is not None:
                if init in refused:
                    standing.pop(init, None)
                    # as the plan labels it: the reversal of a refused settlement, refused alike
                    status, note, reason = refused[init]
                    if trace_for == setl_id:
                        return None, note
                    refuse(setl_id, psn_no, "refused_after" if init in after else status, note, reason)
                    continue
                res = ledger.reverse(init, setl_id, date)
                status = "reversal"
            else:
                if typed_by_ledger:
                    mismatch = _type_mismatch(person, _t, date, check_role=role_by_ledger)
                    if mismatch:
                        raise TypeChange(f"结算 {setl_id}：{mismatch}")
                # A persons record listing the person's diseases decides (an empty list: registered none); one that
                # leaves chronic_diseases out takes the ledger's disease as certified, but where the kind decides
                # the payment (吉林: by_kind)
                if med_type == "14" and (person.diseases_given or by_kind) and person.disease(dise or "") is None:
                    raise UnregisteredDisease(_unregistered_said(setl_id, dise, person))
                s = Settlement(id=setl_id, date=date, med_type=med_type, facility=facility,
                               medfee_sumamt=_yuan(medfee), fulamt_ownpay_amt=_yuan(ful), overlmt_selfpay=_yuan(over),
                               preselfpay_amt=_yuan(pre), dise_codg=dise, remote=bool(remote), exclusion=excl,
                               acct_used_flag=acct_flag is not False, other_funds_pay=_yuan(other),
                               hosp_part_amt=_yuan(hosp), acct_mulaid_pay=_yuan(mulaid))
                before = [sid for sid, year in standing.items()
                          if year == date.year or person.acct_balance is not None]
                if before:
                    # A row's own reason first, as the plan labels it (a missing flex_tier, a date outside
                    # the document's validity: what to fix); these never depend on the running totals, so
                    # a fresh ledger finds them. Only a row with none is refused for the one before it.
                    PersonLedger(rules, person).settle(s)
                    note = f"此前的结算 {before[0]} 无法审核，其后的累计无法确定"
                    standing[setl_id] = date.year
                    after.add(setl_id)
                    if trace_for == setl_id:
                        return None, note
                    refuse(setl_id, psn_no, "refused_after", note, AFTER_REASON)
                    continue
                res = ledger.settle(s)
                status = res.benefit
        except PolicyError as e:
            if init is None:
                standing[setl_id] = date.year
            said = _said(e)
            if trace_for == setl_id:
                return None, said
            refuse(setl_id, psn_no, _refusal_status(e), said, _reason(said, setl_id))
            continue
        acct = _fen(res.acct_pay)
        part = _fen(res.psn_part_amt)
        if init is None:
            own_part = part - (mulaid or 0)
            if own_part < 0:
                exceeds.add(setl_id)
        if (init if init is not None else setl_id) in exceeds:
            # PARTS_OVER: 个人负担 (so the account's part and cash) would be below zero: not assessed, as the plan
            # leaves them; where the own account may have paid, what it holds is unknown from then on
            if init is None and acct_flag is not False and not no_account and not unknown:
                unknown, unknown_why = True, _parts_over_said(setl_id)
            if trace_for == setl_id:
                return _parts_over_traced(res), None
            if init is None:
                recorded_acct[setl_id] = rec_acct or 0
                cited[setl_id] = _clauses(res, retired_by_ledger)
            out.append(_row(setl_id, psn_no, status, res, None, None, cited, init, None))
            continue
        if init is None:
            most[setl_id] = (max(own_part, 0) if acct_flag is not False and not no_account else 0) + (mulaid or 0)
            least[setl_id] = mulaid or 0
            # A-AUDIT-ACCT-CREDITS: the own account paid less than its share of 个人负担 — the opening balance ran
            # short, and the credits since (not in the ledger) decide what it held
            if not unknown and res.acct_undetermined is None and acct_flag is not False and own_part > 0 \
                    and acct - (mulaid or 0) < own_part:
                short.add(setl_id)
        if res.acct_undetermined is not None:
            # Before the document's account reform (浙江 二（三）; a reversal: its settlement's) the account's part is
            # not the document's: acct_pay, psn_cash_pay and what decided them are not assessed (NULL, as the plan
            # leaves them), and where the own account may have paid, what it holds is unknown from then on.
            if init is None and acct_flag is not False and not no_account and own_part > 0:
                unknown = True
            if trace_for == setl_id:
                return res, None
            if init is None:
                recorded_acct[setl_id] = rec_acct or 0
                cited[setl_id] = _clauses(res, retired_by_ledger)
            out.append(_row(setl_id, psn_no, status, res, part, None, cited, init, None))
            continue
        # The account payment a settlement is taken to have made (a reversal gives back exactly that):
        # A-AUDIT-ACCT-UNKNOWN as recorded; A-AUDIT-ACCT-CREDITS as recorded but at least what the
        # opening balance certainly held; either at most what the accounts can pay; else the engine's.
        sign, own_rec = (-1, recorded_acct.get(init, 0)) if init is not None else (1, rec_acct or 0)
        if init is None:
            recorded_acct[setl_id] = rec_acct or 0
        key = init if init is not None else setl_id
        if unknown:
            acct = sign * max(min(own_rec, most[key]), least[key])
        elif key in short:
            acct = sign * min(max(own_rec, sign * acct), most[key])
        if trace_for == setl_id:
            return _as_audited(res, person, acct, most[key] if key in short or unknown else None,
                               no_account, unknown, least.get(key, 0), unknown_why), None
        if init is None:
            cited[setl_id] = _clauses(res, retired_by_ledger)
        # what decided acct_pay (plan.ACCT_BASIS): the balance, an unknown one, or the credits past it
        out.append(_row(setl_id, psn_no, status, res, part, acct, cited, init,
                        3 if no_account else 1 if unknown else 2 if key in short else 0))
    if trace_for is not None:
        return None, f"settlement {trace_for} not found"
    # The readings every running total of a settlement's year rests on (the plan's _TOTALS_READINGS): on its
    # deductible and fund clauses, where the running totals settled it (a benefit paid by them, not `none`), and
    # on its reversal's, whose figures are its.
    doubted = _order_doubts(rows)
    if doubted or ytd_unknown or gaps:
        _cite_totals_readings(out, rows, doubted, ytd_unknown, gaps or {})
    return out


def _cite_totals_readings(out: list[dict], rows: list[tuple], doubted: set[str], ytd_unknown: frozenset[int],
                          gaps: dict[int, int]) -> None:
    """Add ORDER_DOUBT (rows in `doubted`), YTD_FROM_LEDGER (settlements of a year in `ytd_unknown`, and their
    reversals) and MONTH_ABSENT (settlements dated after their year's first month with no row, `gaps`, and their
    reversals) to the deductible and fund clauses of the rows the running totals settled — a benefit, not `none`
    nor refused; a reversal, where its settlement was — as the plan's _TOTALS_READINGS (its `ordinary` rows)."""
    day = {r[0]: r[3] for r in rows if r[10] is None and r[3] is not None}
    year = {k: d.year for k, d in day.items()}
    init_of = {r[0]: r[10] for r in rows if r[10] is not None}
    by_totals = {d["setl_id"] for d in out
                 if d["status"] not in ("reversal", "none") and not d["status"].startswith("refused")}
    for d in out:
        sid = d["setl_id"]
        settlement = init_of[sid] if d["status"] == "reversal" else sid
        if settlement not in by_totals:
            continue
        when = day.get(settlement)
        after_gap = when is not None and when.year in gaps and when.month > gaps[when.year]
        got = (((ORDER_DOUBT,) if sid in doubted else ()) + ((YTD_FROM_LEDGER,) if year.get(settlement) in ytd_unknown else ())
               + ((MONTH_ABSENT,) if after_gap else ()))
        if got:
            for c in ("clause_dedc", "clause_fund"):
                if d.get(c):
                    d[c] = join_cites(*d[c].split(CITE_SEP), *got)


def _order_doubts(rows: list[tuple]) -> set[str]:
    """The rows whose figures rest on the export's order (ORDER_DOUBT): in each person-year, those from the first row
    that starts a tie on — it and a later row share a day whose order no setl_time decides (either has none, or both
    the same): the next row of the year, unless that is its own reversal (whose place right after it is the ledger's
    order), then the one after. A row's year is its settlement's (a reversal's: the one it reverses; the reversal of
    an earlier year's gives back to that year, A-REVERSAL, so no settlement of its own year depends on where it
    came). Rows in settlement order (plan.ORDER): the plan's ORDER_TIES, row for row."""
    date_of = {r[0]: r[3] for r in rows if r[10] is None}
    years: dict[int, list[tuple]] = {}
    for r in rows:
        own = date_of.get(r[10]) if r[10] is not None else r[3]
        if own is not None and r[3] is not None:
            years.setdefault(own.year, []).append(r)
    doubted: set[str] = set()
    for year_rows in years.values():
        for k, r in enumerate(year_rows):
            nxt = k + 1
            if nxt < len(year_rows) and year_rows[nxt][10] == r[0]:  # its own reversal, right after it
                nxt += 1
            if nxt < len(year_rows) and _undecided(r, year_rows[nxt]):
                doubted.update(x[0] for x in year_rows[k:])
                break
    return doubted


def _undecided(a: tuple, b: tuple) -> bool:
    """Rows a and b share a day and no setl_time orders them (either has none, or both the same). A time of exactly
    00:00:00 is a lost one (a date cast to a datetime), not midnight: it orders nothing (ledger._stored keeps it as none)."""
    ta, tb = _timed(a), _timed(b)
    return a[3] == b[3] and (ta is None or tb is None or ta == tb)


def _timed(r: tuple):
    """Row r's setl_time, None where it has none (a lost time of exactly 00:00:00 is stored as none: ledger._stored)."""
    return r[19] if len(r) > 19 else None


# A-AUDIT-PARTS-EXCEED: the recorded other funds, hospital part and relative's account (each as recorded, together
# within the total: ledger.py refuses more) exceed what the expected pooled fund leaves of the total. 个人负担 would be
# below zero, a figure no article gives: psn_part_amt, acct_pay and psn_cash_pay are not assessed (the fund's figures
# are: their difference is the finding), and the own account's balance is unknown after (plan.PARTS_OVER).
PARTS_OVER = "A-AUDIT-PARTS-EXCEED"


def _parts_over_said(setl_id: str) -> str:
    """Why the balance is unknown after settlement `setl_id` (PARTS_OVER), for a later row's trace."""
    return (f"结算{setl_id}记录的其他基金支付、医院负担和个人账户共济支付之和超过医疗费总额减按规定应付统筹基金后的余额，"
            f"本人个人账户在该结算中支付多少无从按本文件确定，此后账户余额未知（{PARTS_OVER}）")


def _parts_over_traced(res: SettlementResult) -> SettlementResult:
    """The traced settlement whose personal part is not assessed (PARTS_OVER), with the step that says why."""
    res.trace.add("个人负担（稽核）", "清单记录的其他基金支付、医院负担和个人账户共济支付之和超过医疗费总额{}元减按规定应付统筹"
                  "基金{}元后的余额：个人负担将小于零，没有条款给出这样的数额，个人负担 psn_part_amt、个人账户支付 acct_pay"
                  " 和个人现金支付 psn_cash_pay 不审核（统筹基金支付照常审核）", (res.medfee_sumamt, res.hifp_pay),
                  PARTS_OVER, None)
    return res


def parts_over(res: SettlementResult) -> bool:
    """Whether a traced settlement's personal fields are not assessed (PARTS_OVER: _parts_over_traced said so)."""
    return any(step[3] == PARTS_OVER for step in res.trace._steps)


def _row(setl_id: str, psn_no: str, status: str, res: SettlementResult, part: int | None, acct: int | None,
         cited: dict[str, tuple], init: str | None, basis: int | None) -> dict:
    """An expected row in fen: acct None (with its basis) where the account's part is not assessed."""
    if init is None:
        dedc_c, fund_c, ratio_c = cited[setl_id]
    else:  # a reversal: its settlement's articles, marked A-REVERSAL, as the plan cites them
        dedc_c, fund_c, ratio_c = (join_cites(c, REVERSAL) for c in cited.get(init, (None,) * 3))  # once
    return {"setl_id": setl_id, "psn_no": psn_no, "route": "reference", "status": status,
            # _fen, inlined: six figures a row
            "inscp_scp_amt": int(res.inscp_scp_amt.scaleb(2)),
            "act_pay_dedc": int(res.act_pay_dedc.scaleb(2)), "hifp_pay": int(res.hifp_pay.scaleb(2)),
            "pool_prop_selfpay": _ratio_e4(res.pool_prop_selfpay),
            "fund_pay_sumamt": int(res.fund_pay_sumamt.scaleb(2)), "psn_part_amt": part, "acct_pay": acct,
            "psn_cash_pay": None if acct is None else part - acct, "clause_dedc": dedc_c, "clause_fund": fund_c,
            "clause_ratio": ratio_c, "note": None, "acct_basis": basis}


def settle_known(rules, psn_no: str, rows: list[tuple], known: Person | None, trace_for: str | None = None,
                 years_from_ledger: tuple[int, ...] = (), months_absent: tuple[tuple[int, int], ...] = ()):
    """settle_person for a person as the ledger and the persons file (`known`, or None) describe them;
    `years_from_ledger`: the years the ledger does not hold from their start; `months_absent`: RulesSpec's."""
    given = known.ytd.year if known is not None and known.ytd is not None else None
    return settle_person(rules, person_for(psn_no, rows, known), rows, trace_for, typed_by_ledger=by_ledger(known),
                         retire_given=known is not None and known.retire_date is not None,
                         ytd_unknown=frozenset(y for y in years_from_ledger if y != given), gaps=dict(months_absent))


def _as_audited(res: SettlementResult, person: Person, acct: int, most: int | None,
                no_account: bool = False, unknown: bool = False, least: int = 0,
                unknown_why: str | None = None) -> SettlementResult:
    """The traced settlement with the account payment the audit expects, and the step that says why
    (the worked example must agree with the discrepancy table). `unknown`: what the account holds is
    unknown (no opening balance given, or an account payment before the account reform since)."""
    if acct == _fen(res.acct_pay):
        return res
    if no_account:
        res.trace.add("个人账户（稽核）", "本人没有个人账户：个人账户支付只能是亲属账户的共济支付（按清单记录），不多于{}元，为{}元",
                      (_yuan(abs(most or 0)), _yuan(acct)), "A-AUDIT-ACCT-MULAID", _yuan(acct))
    elif unknown:
        why = ("未提供个人账户期初余额" if person.acct_balance is None else unknown_why or
               "此前个人账户改革施行之前的结算中个人账户可能已按改革前的规则支付，账户余额未知")
        res.trace.add("个人账户（稽核）", "{}：个人账户支付额按清单记录取值，但不多于个人账户可付的{}元、不少于亲属账户"
                      "共济支付的{}元（结算不会向账户存入），为{}元",
                      (why, _yuan(abs(most or 0)), _yuan(abs(least)), _yuan(acct)), "A-AUDIT-ACCT-UNKNOWN", _yuan(acct))
    elif most is not None:
        res.trace.add("个人账户（稽核）", "期初余额不足以支付本人账户应付部分，其间按月计入的金额不在清单中：个人账户支付额"
                      "按清单记录取值，但不少于期初余额确定可付的{}元、不多于个人账户可付的{}元，为{}元",
                      (res.acct_pay, _yuan(abs(most)), _yuan(acct)), "A-AUDIT-ACCT-CREDITS", _yuan(acct))
    return dataclasses.replace(res, acct_pay=_yuan(acct), psn_cash_pay=res.psn_part_amt - _yuan(acct))


def _columns(rows: list[dict], names: tuple[str, ...]) -> dict[str, list]:
    """Rows as columns: far cheaper to send back from a worker and to turn into an Arrow table."""
    return {c: [r.get(c) for r in rows] for c in names}


def _work(spec: RulesSpec, batch: list[tuple[str, Person | None, list[tuple]]],
          names: tuple[str, ...]) -> dict[str, list]:
    rules = spec.bind()
    out: list[dict] = []
    for psn_no, known, rows in batch:
        out.extend(settle_known(rules, psn_no, rows, known, years_from_ledger=spec.years_from_ledger,
                                months_absent=spec.months_absent))
    return _columns(out, names)


def _work_table(spec: RulesSpec, table, known: dict[str, Person], names: tuple[str, ...]) -> dict[str, list]:
    """A worker's share: its persons' rows as one Arrow table (ROW_COLUMNS, in settlement order per
    person), sent whole because an Arrow table pickles as a few buffers where 100,000 tuples do not."""
    rows = list(zip(*(col.to_pylist() for col in table.columns)))
    at = ROW_COLUMNS.index("psn_no")
    batch: list[tuple[str, Person | None, list[tuple]]] = []
    for r in rows:
        if not batch or batch[-1][0] != r[at]:
            batch.append((r[at], known.get(r[at]), []))
        batch[-1][2].append(r)
    return _work(spec, batch, names)
