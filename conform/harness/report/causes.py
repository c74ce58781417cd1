"""Causes before symptoms: failures grouped by the step of the reference's trace where their first field differs.

One wrong deductible makes the fund payment, the person's part and the cash
payment wrong too, in every scenario that crosses it. A regulator should read
"起付线 act_pay_dedc 在 87 个场景、4 个场景文件中不符" once, not 87 × 4 lines. For
each failed check the *root* mismatch is at the earliest settlement that differs,
the field computed first there (a deductible before the fund payment it changes),
named by the step of the reference's trace that computes it; checks are
grouped by that step, naming the fields that differ there. Checks that failed without a field (an error, a refusal) are
grouped by status and their first message line with its figures and ids taken out (`normalised`).
"""
from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from conform.reference.money import round_fen

from .model import cause_message

# Where no trace step shows the expected figure: the step of the computation the field comes from,
# in the order the computation runs (earlier fields cause later ones). The fund payment is the sum of its
# parts (conform.reference.benefits.Outcome.hifp_pay), so they come first: a visit split between chronic
# and ordinary benefit whose ordinary part is a fen off is that part's (rmut4 D2). A chronic visit's chronic
# part comes before its ordinary part: the reference pays the chronic benefit first and sends only what its cap
# leaves on to ordinary pooling (benefits.chronic_pooling, then ordinary_pooling `via` 攀枝花 第十一条 / 吉林
# 六（三））, so a chronic cap or ratio that is wrong moves the ordinary part after it (probe s22 E, F3).
FIELD_STEPS: dict[str, str] = {
    "infcode": "结算受理", "err_msg": "拒绝原因", "amount": "个人账户计入", "decision": "个人账户使用",
    "inscp_scp_amt": "政策范围内费用", "act_pay_dedc": "起付线", "pool_prop_selfpay": "支付比例",
    "chronic_pay": "慢特病支付", "ordinary_pay": "普通门诊统筹支付", "inpatient_pay": "住院统筹支付",
    "hifp_pay": "统筹基金支付", "fund_pay_sumamt": "基金支付总额", "psn_part_amt": "个人负担",
    "acct_pay": "个人账户支付", "psn_cash_pay": "现金支付", "ordinary_dedc": "年度累计起付线",
    "special_dedc": "年度累计特殊疾病起付线", "acct_balance": "个人账户余额", "balc": "个人账户余额",
    # a settlement's id: which settlement the answer is (a repeated 2207 answered by a new one, A-SETTLE-ONCE)
    "setl_id": "结算受理",
}
# The steps of a settlement's trace that compute what it adds to each year-to-date total
# (conform.reference.benefits: Contribution), by the total.
YTD_STEPS: dict[str, tuple[str, ...]] = {
    "ordinary_dedc": ("起付线",), "ordinary_pay": ("支付比例", "年度最高支付限额"),
    "inpatient_pay": ("住院比例和限额",), "special_dedc": ("特殊疾病起付线",),
}
FIELD_ORDER = {f: i for i, f in enumerate(FIELD_STEPS)}
NO_FIELD = {"error": "被测系统出错", "harness_error": "测试框架出错", "feature_error": "场景文件出错",
            "failed": "未逐字段比较的失败"}
NO_FIELD_EN = {"error": "the system answered in error", "harness_error": "the harness failed",
               "feature_error": "a scenario file is wrong", "failed": "failed without a field-by-field comparison"}


# Words in a trace step's name that say it computes this field: a field whose figure several steps share
# (a deductible of 200 that the ratio step also happens to give) is put at its own step.
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "inscp_scp_amt": ("政策范围",), "act_pay_dedc": ("起付线",), "amount": ("计入", "定额", "灵活就业", "在职"),
    "decision": ("个人账户使用",), "acct_pay": ("个人账户支付",),
}


ZEROS = ("", "0.00", "0.0000")
FEN = Decimal("0.01")
YUAN = Decimal("1")
# The figures a settlement answers that the reference's trace computes before the payment it changes, in
# the order it computes them: where the system's figure and the reference's first differ, the two part.
PARTING = ("inscp_scp_amt", "act_pay_dedc", "pool_prop_selfpay")
PARTING_WORDS = {"inscp_scp_amt": ("政策范围",), "act_pay_dedc": ("起付线",), "pool_prop_selfpay": ("支付比例",)}
MAX_EVIDENCE = 500   # entries of one check's evidence read for its figures (a system's evidence is untrusted)
MAX_FIGURE_CHARS = 32


def _named(t: dict, words: tuple[str, ...]) -> bool:
    return any(w in str(t.get("step", "")) for w in words)


def _at(t: dict) -> tuple[str, str]:
    return str(t.get("step", "")), str(t.get("clause", ""))


def _figure(value: Any) -> Decimal | None:
    """A figure of an answer as a Decimal, or None (not a short finite number: masked, hostile, absent)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value).strip()
    if not text or len(text) > MAX_FIGURE_CHARS:
        return None
    try:
        d = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _dig(obj: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def _settled(e: Any, item: str) -> bool:
    """Whether evidence entry `e` is a settlement of `item` in the reference adapter's own shape (operation
    settle or presettle, request {psn_no, id})."""
    req = e.get("request") if isinstance(e, dict) else None
    return (isinstance(req, dict) and set(req) == {"psn_no", "id"} and req.get("id") == item
            and e.get("operation") in ("settle", "presettle"))


def _answer(entries: list[tuple[str, Any]]) -> dict:
    """Of a side's answers to one settlement ([(operation, response)]), the settle's (the last), else the
    first presettle's; {} when that is not a dict."""
    settled = [r for op, r in entries if op == "settle"]
    chosen = settled[-1] if settled else entries[0][1] if entries else {}
    return chosen if isinstance(chosen, dict) else {}


def figures(evidence: Any, item: str) -> tuple[dict, dict]:
    """(the system's, the reference's) answered figures of settlement `item` (V2), from a check's evidence:
    the system's 2207 (else 2206) answer whose mdtrt_id is the item (the HTTP profile's envelope), and the
    reference's own settlement of it (operation settle, request {psn_no, id}). An in-process (python:) system
    whose adapter records its answers as the reference adapter does (a copy of it) is read too: a scenario
    asks the system and then the reference (conform.harness.steps.world), so of two such entries in a row
    with the same operation, person and id the first is the system's and the second the reference's; an
    entry alone is the reference's. Either is {} when the evidence does not hold it (an adapter recording
    nothing, a refusal, evidence cut short)."""
    system: dict = {}
    reference: dict = {}
    if not item or not isinstance(evidence, list):
        return system, reference
    entries = evidence[:MAX_EVIDENCE]
    mine: list[tuple[str, Any]] = []
    theirs: list[tuple[str, Any]] = []
    i = 0
    while i < len(entries):
        e = entries[i]
        if not _settled(e, item):
            i += 1
            continue
        after = entries[i + 1] if i + 1 < len(entries) else None
        if (_settled(after, item) and after.get("operation") == e.get("operation")
                and after.get("request") == e.get("request")):
            mine.append((e["operation"], e.get("response")))  # the system's answer, then the reference's
            e = after
            i += 1
        theirs.append((e["operation"], e.get("response")))
        i += 1
    system, reference = _answer(mine), _answer(theirs)
    for e in entries:
        if not isinstance(e, dict):
            continue
        req, resp = e.get("request"), e.get("response")
        infno = _dig(req, "infno")
        if infno not in ("2206", "2207") or _dig(req, "input", "data", "mdtrt_id") != item:
            continue
        info = _dig(resp, "output", "setlinfo")
        if isinstance(info, dict) and (infno == "2207" or not system):
            system = info
    return system, reference


def _parting(m: dict, trace: list[dict], evidence: Any) -> dict | None:
    """The trace's step at which the system's answered figures and the reference's first part, among
    those computed before `m`'s field; None when they agree or are not both known. A field is put at the
    last step named for it (a visit's deductible is the sum of its deductible steps: 慢特病起付线 then
    起付线 for a chronic visit paid as ordinary)."""
    system, reference = figures(evidence, str(m.get("item", "")))
    if system and not reference:
        return _traced_parting(m, trace, system)
    if not system or not reference:
        return None
    for field in PARTING:
        if FIELD_ORDER[field] >= FIELD_ORDER.get(m["field"], len(FIELD_ORDER)):
            break
        mine, theirs = _figure(system.get(field)), _figure(reference.get(field))
        if mine is not None and theirs is not None and mine != theirs:
            steps = [t for t in trace if _named(t, PARTING_WORDS[field])]
            if steps:
                # … but on a chronic visit sending its rest on, the step of the two deductibles (or of the chronic
                # payment between them) the system's own figures depart from (`_split_departure`, probe s26 F2)
                split = _split_departure(trace, system) if field == "act_pay_dedc" else None
                return split if split is not None else steps[-1]
    return None


def _traced_parting(m: dict, trace: list[dict], system: dict) -> dict | None:
    """`_parting` where the evidence holds the system's answer but not the reference's (a property records the
    system's exchanges only; the reference is its oracle): the trace's own figures stand for the reference's, for a
    visit its trace settles in one pass (one step each of the base, the deductible and the ratio; a chronic or split
    visit has more, and is left alone). The base and the deductible are the figures their steps show; the ratio, which
    no step shows, by the figure it gives: the system's ratio on the step's base less its deductible, rounded half-up
    to the fen, against the ratio step's figure — a 二级 ratio of 55% for 60% on 100.01 gives 55.01 where the step shows
    60.01, and the payment parts there, as a scenario's does (rvendor s11 D7); a system whose ratio gives the step's
    figure and pays otherwise left the reference later (a cap not reset), or rounded otherwise (`_rounding`)."""
    steps = {f: [t for t in trace if isinstance(t, dict) and _named(t, PARTING_WORDS[f])] for f in PARTING}
    # each figure is compared only as far as the trace shows it in one step: a chronic visit's base (政策范围内费用
    # 12.86, where the system kept 先行自付 18.33 in it: 31.19) parts before its 慢特病起付线, though no 支付比例 step
    # follows (probe s21 X, policy_scope_ignores_preselfpay); its ratio, which several steps may decide, is not read
    first = steps["inscp_scp_amt"][0] if len(steps["inscp_scp_amt"]) == 1 else None
    base = _figure(first.get("value")) if first is not None else None
    dedc = _figure(steps["act_pay_dedc"][0].get("value")) if len(steps["act_pay_dedc"]) == 1 else None
    for field in PARTING:
        if FIELD_ORDER[field] >= FIELD_ORDER.get(m["field"], len(FIELD_ORDER)):
            break
        if len(steps[field]) != 1:
            return None
        step = steps[field][0]
        mine, theirs = _figure(system.get(field)), _figure(step.get("value"))
        if mine is None or theirs is None:
            continue
        if field == "pool_prop_selfpay":
            if base is None or dedc is None or not 0 <= mine <= 1:
                continue
            mine = round_fen((base - dedc) * mine)  # half-up, as A-ROUND-FEN reads the payment
        if mine != theirs:
            return step
    return None


# Readings of a step that decide another of its figures, never this field: the ratio step (支付比例, also
# 慢特病支付, 住院比例和限额) cites A-ROUND-FEN where rounding the payment to the fen changed it (benefits.
# _rounding), but rounding decides at most the payment's last fen, never the ratio (rclose7 D1).
NOT_OF_FIELD: dict[str, tuple[str, ...]] = {"pool_prop_selfpay": ("A-ROUND-FEN",)}


# A credit is rounded half up to the fen, and a month credited once (common.yaml A-ACCOUNT-MONTH): a credit many yuan
# off (a wrong rate, 2% for 2.5%) does not rest on its rounding (probe s25 Z3, F1)
ACCOUNT_MONTH = "A-ACCOUNT-MONTH"


@lru_cache(maxsize=None)
def fen_readings() -> frozenset[str]:
    """The named readings that decide no more than a figure's last fen: rounding a payment to the fen
    (A-ROUND-FEN, conform.reference.benefits.ROUND_FEN), rounding a month's credit to the fen (A-ACCOUNT-MONTH, as
    conform.reference.account cites it where the credit was rounded; its other half, one credit a month, decides a
    refusal, never a figure: `_step` keeps it there) and each document's rounding of a figure it derives
    from another (the policy file's `derived: … rounding:`, 浙江's A-ZJ-HALF-FEN: half of an odd-fen deductible)."""
    from conform.reference.benefits import ROUND_FEN
    from conform.reference.policy import POLICY_IDS, load_policy

    found = {ROUND_FEN, ACCOUNT_MONTH}
    for policy in POLICY_IDS:
        found |= {str(d["rounding"]) for d in load_policy(policy).derived.values() if d.get("rounding")}
    return frozenset(found)


@lru_cache(maxsize=None)
def figure_readings() -> frozenset[str]:
    """The named readings that fix a region figure's value and nothing counted against it: which of the document's
    figures a retiree takes where it names no retiree one (the policy file's `retiree_same`: 浙江 A-ZJ-RETIREE-CAP, 吉林
    A-JL-RETIREE-DEDUCTIBLE) and how a derived figure is rounded (`fen_readings`: A-ZJ-HALF-FEN). Read from the
    policy files, never listed here."""
    from conform.reference.policy import POLICY_IDS, load_policy

    found = set(fen_readings())
    for policy in POLICY_IDS:
        found |= {str(a) for a in ((load_policy(policy).doc.get("retiree_same") or {}).values()) if a}
    return frozenset(found)


BOUNDED = re.compile(r"min\((-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?)\) = (-?\d+(?:\.\d+)?)")


def _bound_not_reached(trace: list[dict], step: str, clause: str) -> bool:
    """Whether the trace's step (step, clause) — the last so named — bounds the figure handed to it and the bound was
    not reached: its working "min(x, y) = z", the reference's own for a deductible or a cap (本次统筹支付 min(130.00,
    2000.00) = 130.00), with z = x < y. Its figure is then the one handed on, whatever the bound's figure."""
    found = [t for t in trace if isinstance(t, dict) and _at(t) == (step, clause)]
    if not found:
        return False
    hit = BOUNDED.search(str(found[-1].get("detail", ""))[:500])
    if hit is None:
        return False
    handed, bound, figure = (Decimal(g) for g in hit.groups())
    return figure == handed < bound


NOTE = re.compile(r"（[^（）]*）")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _expected_figure(text: Any) -> Decimal | None:
    """The figure an expectation states: the figure itself, or a bound's or a working's result, the number
    after its last "=" or "→" ("≤ (836.17 − 600.00) × 0.5 = 118.085" → 118.085), else its last number
    ("≤ 1000.00", "≥ 0"); a note in full-width brackets is no figure ("0.00（本年起付线600…）" → 0.00)."""
    figure = _figure(text)
    if figure is not None or not isinstance(text, str):
        return figure
    bare = NOTE.sub("", text[:200])
    at = max(bare.rfind("="), bare.rfind("→"))
    numbers = NUMBER.findall(bare[at + 1:] if at >= 0 else bare)
    if not numbers:
        return None
    return _figure(numbers[0] if at >= 0 else numbers[-1])


def _worked(text: Any) -> Decimal | None:
    """The figure an exact expectation states: the figure itself, or a working's result ("(100.01 − 0.00) × 60% =
    60.006 → 四舍五入到分 60.01" → 60.01); None for a bound ("≤ 1000.00", "≥ 0": no step shows a bound as the expected
    figure), a word ("计入") or anything else."""
    figure = _figure(text)
    if figure is not None or not isinstance(text, str):
        return figure
    bare = text.strip()
    if not bare or bare[0] in "≤≥<>" or ("=" not in bare and "→" not in bare):
        return None
    return _expected_figure(bare)


def _within_a_fen(m: dict) -> bool:
    """Whether the system's figure is known to be no more than a fen from the expected one (a bound's
    figure for a bound): only then can a rounding have decided the difference."""
    expected, actual = _expected_figure(m.get("expected")), _figure(m.get("actual"))
    return expected is not None and actual is not None and abs(expected - actual) <= FEN


def _a_rounding_of_the_credit(m: dict, trace: list[dict], step: str) -> bool:
    """Whether the system's credit is within a yuan of the exact product its step rounded (`rounded_from`): then it is
    some rounding of it — to the fen, the jiao or the yuan, up or down — which the texts leave open (but 攀枝花's), and
    it rests on A-ACCOUNT-MONTH's half-up to the fen however many fen it is off; farther off, a rate or a base is wrong
    and the article is breached (probe s25 ZR R3: one yuan-rounding system was blamed on the reading or the article as
    its credits fell within a fen or not)."""
    exact = next((t.get("rounded_from") for t in trace
                  if isinstance(t, dict) and t.get("step") == step and t.get("rounded_from") is not None), None)
    exact, actual = _figure(exact), _figure(m.get("actual"))
    return exact is not None and actual is not None and abs(actual - exact) < YUAN


def _step(m: dict, trace: list[dict], evidence: Any = None, mismatches: list[dict] | None = None) -> tuple[str, str]:
    """(step, clause) of `_step_of`, without the readings of that step that cannot decide the field
    (`NOT_OF_FIELD`: a wrong ratio on a 1000.01 visit does not rest on rounding the payment), nor a rounding
    reading (`fen_readings`) where the figure is more than a fen off or the difference is not known: a
    rounding decides at most the last fen, so a payment 11.80 over its bound, which no step shows (its
    clause that of the whole trace), or a missing figure, does not rest on A-ROUND-FEN because the ratio
    step happened to round (rmut4 D1). Nor, for a part of the fund payment filed under another benefit (`_moved`:
    the amount is right, its fund is not), any reading that computes an amount: only those deciding which benefit
    pays the visit (`route_readings`) bear on it — a fen paid as ordinary_pay where inpatient_pay has it does
    not rest on A-ROUND-FEN, nor a chronic payment reported as ordinary on the chronic deductible's or cap's
    readings (rvendor8 D2). `mismatches`: the check's, to tell a move from a wrong amount. Such a step's articles
    stay. Nor, at a step bounding the figure handed to it where the bound was not reached (`_bound_not_reached`:
    min(130.00, 2000.00) = 130.00), a reading that fixes the bound's figure (`figure_readings`): the payment is the one
    handed on whatever the cap, so a cap not reset on 1 January does not rest on which cap a retiree takes
    (A-ZJ-RETIREE-CAP, rvendor s11 Q1); a reading of what is counted against the bound (A-REVERSAL,
    A-MIDYEAR-RETIREMENT) stays, as the reference cites it."""
    step, clause = _step_of(m, trace, evidence, mismatches)
    if not clause or (step in (CASH_STEP, SPLIT_STEP, PART_STEP, BALANCE_STEP) and clause.startswith(CASH_CLAUSE)):
        # … nor the identity of the cash (`cash_identity`), nor the platform's other identities (`split_identity`,
        # `part_identity`, `balance_identity`): no standard the visit is paid by decides them
        return step, clause
    routed = _not_sent_on(m, trace, step, clause, mismatches or [], evidence)
    if routed is not None:
        return routed
    drop = set(NOT_OF_FIELD.get(m.get("field", ""), ()))
    if not _within_a_fen(m):
        # … but a refusal keeps A-ACCOUNT-MONTH: a second credit in a month is refused by its once-a-month half; and so
        # does a credit that is another rounding of its exact product
        keep = m.get("field") == "infcode" or _a_rounding_of_the_credit(m, trace, step)
        drop |= fen_readings() - ({ACCOUNT_MONTH} if keep else set())
    if _bound_not_reached(trace, step, clause):
        drop |= figure_readings()
    route: set[str] = set()
    if m.get("field") in SUM_OF and _moved(m, mismatches or [], evidence):
        route = route_readings(trace)
        drop |= {a for a in A_ID.findall(clause) if a not in route}
    if drop:
        clause = "；".join(p for p in clause.split("；") if p.strip() not in drop)
    deciding = _deciding_readings(m, trace, step)
    if deciding:
        clause = "；".join(dict.fromkeys([*(p for p in clause.split("；") if p.strip()), *deciding]))
    if route:
        # … and the route's readings are what the move rests on, wherever the part's step is: the chronic part
        # (computed first, so the root of a chronic payment reported as ordinary) shows the amount at 慢特病支付,
        # whose clause does not name the reading that sent the purchase there (A-JL-PHARMACY-CHRONIC)
        clause = "；".join(dict.fromkeys([*(p for p in clause.split("；") if p.strip()),
                                          *(a for t in trace if isinstance(t, dict)
                                            and str(t.get("step", "")) in ROUTE_STEPS
                                            for a in A_ID.findall(str(t.get("clause", "") or "")))]))
    return step, clause


def _deciding_readings(m: dict, trace: list[dict], step: str) -> list[str]:
    """The readings cited by the steps before `step` that decide which standard pays the settlement and show no
    figure (the reference marks them `decides`: a visit outside the city paid by the local standard, A-REMOTE-SAME;
    a chronic prescription at a pharmacy, A-JL-PHARMACY-CHRONIC; a flexible worker's type, A-PERSON-TYPES): every
    figure after them rests on those readings though no figure's step cites them, so a check failing on one of
    those figures says so (probe s24 R F1, F2). Not for a refusal (what was refused is the settlement, not a
    reading it uses), a reversal (A-REVERSAL alone), nor a figure no more than a fen off: another standard moves a
    figure by more than a rounding does, so a fen's difference is a rounding's (probe s24 X X1)."""
    # … nor at an eligibility step: a benefit the person does not have (享受条件) pays none under any standard
    if m.get("field") == "infcode" or is_reversal(m) or _within_a_fen(m) or step == ELIGIBILITY:
        return []
    steps = [t for t in trace if isinstance(t, dict)]
    end = next((i for i, t in enumerate(steps) if str(t.get("step", "")) == step), len(steps))
    return list(dict.fromkeys(a for t in steps[:end] if t.get("decides")
                              for a in A_ID.findall(str(t.get("clause", "") or ""))))


HANDOFF = "转入普通门诊统筹"   # a chronic visit's part past its cap sent on to ordinary pooling (攀枝花 第十一条, 吉林 六（三）)
OVERFLOW_DEDUCTIBLE, OVERFLOW_CAP = "起付线", "年度最高支付限额"   # the ordinary steps that part goes through
# … and the ratio the settlement records where the chronic benefit paid none of it (结算支付比例, the ordinary one by
# A-CHRONIC-OVERFLOW-RATIO): a system that sent nothing on records the chronic ratio, parting there
OVERFLOW_STEPS = (OVERFLOW_DEDUCTIBLE, "支付比例", OVERFLOW_CAP, "结算支付比例")


CHRONIC_PAY, ELIGIBILITY = "慢特病支付", "享受条件"   # the chronic payment; a benefit the person does not have (第七条)
STANDARD = re.compile(r"起付(?:线|标准)(-?\d+(?:\.\d+)?)元")   # a deductible step's standard: "本年度起付线200.00元"
COUNTED = re.compile(r"此前已累计(-?\d+(?:\.\d+)?)元")   # what the year had counted of it before: "此前已累计100.00元"


def _system_figures(m: dict, evidence: Any, mismatches: list[dict] | None) -> dict:
    """The system's answered figures of `m`'s settlement: its answer in the evidence (`figures`, else the one
    settlement's, `_only_settlement`), and the actual figure of each of the check's mismatches of that item."""
    item = str(m.get("item", ""))
    mine: dict = {}
    if evidence:
        system = figures(evidence, item)[0] or _only_settlement(evidence, item)
        mine.update(system if isinstance(system, dict) else {})
    for x in [*(mismatches or []), m]:
        if isinstance(x, dict) and str(x.get("item", "")) == item and x.get("field"):
            mine[x["field"]] = x.get("actual")
    return mine


def _room(steps: list[dict], base: Decimal | None) -> Decimal | None:
    """The most the deductible steps `steps` can charge between them: the sum of their standards (`STANDARD`), no more
    than the base handed to the first (its working's min(x, …), else `base`); None where a step states no standard (an
    eligibility step charging nothing: what the system charged instead is not bounded by it)."""
    total = Decimal(0)
    for t in steps:
        hit = STANDARD.search(str(t.get("detail", ""))[:500])
        figure = _figure(hit.group(1)) if hit else None
        if figure is None:
            return None
        total += figure
    handed = BOUNDED.search(str(steps[0].get("detail", ""))[:500]) if steps else None
    bound = Decimal(handed.group(1)) if handed else base
    return min(total, bound) if bound is not None else total


def _left_of(steps: list[dict]) -> Decimal | None:
    """What the deductible steps `steps` had left to charge before this visit: each one's standard less what the year
    had counted of it (`COUNTED`), at least 0; None where a step states either not."""
    total = Decimal(0)
    for t in steps:
        detail = str(t.get("detail", ""))[:500]
        standard, counted = STANDARD.search(detail), COUNTED.search(detail)
        figures = (_figure(standard.group(1)), _figure(counted.group(1))) if standard and counted else (None, None)
        if None in figures:
            return None
        total += max(figures[0] - figures[1], Decimal(0))
    return total


def _split_departure(trace: list[dict], mine: dict) -> dict | None:
    """For a chronic visit whose part past the chronic cap goes on (`HANDOFF`: 攀枝花 第十一条, 吉林 六（三）) and whose
    deductible the system answered otherwise, the first step of the working whose own figure the system's answer
    departs from. The visit's act_pay_dedc is the chronic deductible steps' sum (慢特病起付线: 第十条, 第九条) plus what
    the part sent on is charged (its 起付线: 第七条; none at 享受条件 where the person has no ordinary pooling: 第七条 and
    its readings, A-PZH-FLEX-TIER2). The chronic deductible departed where it alone can make the system's total (what
    that total leaves after the reference's onward deductible is between 0 and the chronic standard) and the onward
    step alone cannot, or both can and only the chronic part is what a year counted afresh charges (its full
    standard) — a chronic deductible charged again each visit, 100.00 over 200.00, is 第十条's, not the overflow's
    第七条, 第十一条 and A-PZH-OVERFLOW-SPLIT (probe s26 F2); where both can and the chronic part is not its full
    standard, the onward step: a total equal to the chronic deductible (300.00 for 300.00 + 200.00) is the onward
    deductible skipped, not 100.00 of 第十条's (probe s27 H2 F2); a total neither alone makes (400.00 for 200.00 where the
    chronic standard is 0.00) and a trace stating no chronic standard keep the onward step. A system paying ordinary
    pooling (ordinary_pay above 0.00) where the reference's 享受条件 pays none left it there, whatever its chronic
    deductible. Else, where the chronic payment the system answered (chronic_pay) is not
    the reference's, that payment departed before the onward deductible (a 1 January visit counting last year's
    chronic and ordinary totals: 第九条/第十条's year, not the overflow's split, F3); else the onward step, as before
    (a deductible charged again on the overflow is 第七条's, rclose3 D4). None where the visit sends nothing on, its
    deductible agrees or is not known."""
    steps = [t for t in trace if isinstance(t, dict)]
    at = next((i for i, t in enumerate(steps) if str(t.get("step", "")) == HANDOFF), None)
    if at is None:
        return None
    chronic = [t for t in steps[:at] if _named(t, PARTING_WORDS["act_pay_dedc"])]
    onward = [t for t in steps[at + 1:] if _named(t, PARTING_WORDS["act_pay_dedc"])
              or str(t.get("step", "")) == ELIGIBILITY]
    total = _figure(mine.get("act_pay_dedc"))
    values = [_figure(t.get("value")) for t in chronic + onward]
    if not chronic or not onward or total is None or None in values:
        return None
    c_ref, o_ref = sum(values[:len(chronic)], Decimal(0)), sum(values[len(chronic):], Decimal(0))
    if total == c_ref + o_ref:
        return None
    base = next((_figure(t.get("value")) for t in steps if _named(t, PARTING_WORDS["inscp_scp_amt"])), None)
    own_c, own_o = total - o_ref, total - c_ref
    room_c, room_o = _room(chronic, base), _room(onward, None)
    ordinary = _figure(mine.get("ordinary_pay"))
    refused = any(str(t.get("step", "")) == ELIGIBILITY for t in onward)
    paid_where_refused = refused and ordinary is not None and ordinary > 0
    # the chronic part the system charged is its standard counted afresh (room_c), or within what was left of it (a
    # chronic deductible already met leaves nothing to charge but a fresh count: 30.00 over is the onward step's,
    # probe s26 probeR R1)
    left_c = _left_of(chronic)
    within = left_c is None or own_c <= (min(left_c, base) if base is not None else left_c)
    chronic_alone = room_c is not None and 0 <= own_c <= room_c and (own_c == room_c or within) and not paid_where_refused
    onward_alone = own_o >= 0 and (room_o is None or own_o <= room_o)
    if chronic_alone and onward_alone and room_o is not None:
        # both can: the chronic step only where its part is its standard counted afresh; else the onward step — a
        # total equal to the chronic deductible is the onward one skipped (第十一条/第七条, not 第十条: probe s27 H2 F2)
        chronic_alone = own_c == room_c
    if chronic_alone:
        return chronic[0]
    paid = next((t for t in steps[:at] if str(t.get("step", "")) == CHRONIC_PAY), None)
    mine_paid = _figure(mine.get("chronic_pay"))
    if paid is not None and mine_paid is not None and _figure(paid.get("value")) not in (None, mine_paid):
        return paid
    return onward[0]


def _not_sent_on(m: dict, trace: list[dict], step: str, clause: str, mismatches: list[dict],
                 evidence: Any) -> tuple[str, str] | None:
    """(step, clause) of a figure of a chronic visit's overflow that differs because the system did not send that part
    on to ordinary pooling at all, or sent it on past the ordinary deductible: the article sending it on (the
    handoff's, `HANDOFF`: 攀枝花 第十一条), not the ordinary article its steps after the handoff also cite (第七条),
    whose deductible, ratio and cap the system never applied to it (probe s22 E, F2; benefits.ordinary_pooling's
    `via`: "a system that sends nothing on, or sends it on past the deductible, breaks that clause"). Told from the
    system's own figures of the settlement (its mismatches, else its answer in the evidence):
    - a deductible (act_pay_dedc) that charged none of the overflow's ordinary deductible (no more than the chronic
      deductible steps before the handoff charged) where the reference charges some: at the 起付线 step, citing what
      the handoff cites of it (攀枝花 第十一条; 吉林 六（三）；A-JL-CHRONIC-OVERFLOW, the reading that sends it on);
    - an ordinary part (ordinary_pay, or the fund payment it is part of) of 0.00 where the reference pays some on
      the overflow, and no deductible charged on it either: at the handoff, as it cites it.
    A figure the system did work out on the overflow and got otherwise (a deductible of another amount, a ratio, a
    cap) stays the ordinary steps' (the ordinary ratio itself is 第七条's). None where the visit has no handoff, or
    the figure is not one of the ordinary steps after it."""
    at = next((i for i in range(len(trace) - 1, -1, -1) if isinstance(trace[i], dict)
               and str(trace[i].get("step", "")) == HANDOFF and (_figure(trace[i].get("value")) or 0) > 0), None)
    if at is None or step not in OVERFLOW_STEPS:
        return None
    after = [t for t in trace[at + 1:] if isinstance(t, dict)]
    if not any(str(t.get("step", "")) == step for t in after):
        return None
    handoff = trace[at]
    sending = [p.strip() for p in str(handoff.get("clause", "") or "").split("；") if p.strip()]
    if not any(not A_ID.fullmatch(p) for p in sending):
        return None
    item = m.get("item", "")
    mine: dict[str, Any] = {}
    if evidence:
        system = figures(evidence, str(item))[0] or _only_settlement(evidence, str(item))
        mine.update(system if isinstance(system, dict) else {})
    for x in [*mismatches, m]:
        if isinstance(x, dict) and x.get("item", "") == item and x.get("field"):
            mine[x["field"]] = x.get("actual")
    chronic_dedc = sum((_figure(t.get("value")) or Decimal(0)) for t in trace[:at]
                       if isinstance(t, dict) and "起付线" in str(t.get("step", "")))
    ordinary_dedc = next((_figure(t.get("value")) for t in after if str(t.get("step", "")) == OVERFLOW_DEDUCTIBLE),
                         None)
    ordinary_paid = next((_figure(t.get("value")) for t in reversed(after) if str(t.get("step", "")) == OVERFLOW_CAP),
                         None)
    dedc = _figure(mine.get("act_pay_dedc"))
    charged_none = dedc is not None and dedc <= chronic_dedc
    if m.get("field") == "act_pay_dedc":
        if step == OVERFLOW_DEDUCTIBLE and ordinary_dedc and ordinary_dedc > 0 and charged_none:
            shared = [p for p in (q.strip() for q in clause.split("；")) if p in sending]
            return step, "；".join(shared or sending)
        return None
    if m.get("field") not in SUM_PARTS and m.get("field") not in SUM_OF:
        return None
    paid = _figure(mine.get("ordinary_pay"))
    if paid != 0 or not ordinary_paid or ordinary_paid <= 0:
        return None
    if ordinary_dedc and ordinary_dedc > 0 and not charged_none:
        return None  # the system charged the overflow's deductible: it did send that part on
    return _at(handoff)


def _step_of(m: dict, trace: list[dict], evidence: Any = None,
             mismatches: list[dict] | None = None) -> tuple[str, str]:
    """(step, clause) of the reference's trace at which the system's figure departs from it.

    A step whose name says it computes this field and shows the expected figure, or the step whose figure it
    rounds where the system's is no rounding of that (`_rounded_from`). Else the first step at
    which the system's answered figures (`evidence`) and the reference's part: a fund payment paid short
    because the deductible was charged again (起付线 200.00 vs 0.00) is the deductible's, not the ratio's
    or the cap's, though the table compares the payment only. Else the last step showing the expected
    figure, other than a step of the base or the deductible (a deductible of 200.00 beside a payment of
    200.00): when the cap is not reached the ratio and the cap step both show it, and the system that
    answered the base, the deductible and the ratio alike (no parting above) left the reference at the
    cap (a cap not reset on 1 January pays short exactly so), unless the figure is one fen off and an
    earlier such step rounds it: then that step's rounding (`_rounding`). Else the last step whose name says what the
    field is, the one that settles what the field reports: a chronic visit overflowing to ordinary pooling
    answers in act_pay_dedc the sum of its 慢特病起付线 and the 起付线 charged on the overflow after it
    (conform.reference.benefits.ordinary_pooling adds to out.dedc), and in pool_prop_selfpay the ratio its
    结算支付比例 step records, not the 支付比例 of the ordinary part; a deductible charged again on the
    overflow (expected 0.00, so no step shows the figure) is the ordinary 起付线's. A sum no step shows (the
    fund payment of a split visit) is put where its first differing part is (`_differing_part`, from the
    evidence). Else the field's usual step, with the clauses of the item's whole trace (`_whole`): a figure the reference settled without
    reaching that step (a chronic purchase at a pharmacy the region has not taken in, 吉林 一; a visit on a
    day in hospital, 吉林 六（三）；A-JL-HOSPITAL-STAY: expected 0.00, no deductible step) rests on the
    steps that stopped it, not on nothing. A refusal (infcode) is put at what was refused (`_refused`).
    A property's expectation written as its working ("(100.01 − 0.00) × 60% = 60.006 → 四舍五入到分 60.01") is read
    as its result (`_worked`), so that it is put at the step a scenario's 60.01 is (rvendor s11 D7), and a field
    whose usual step the trace does not have is put at the last step named for it (`FIELD_WORDS`: a month's credit,
    expected as "计入", at 退休人员定额 where a scenario's 150.00 is)."""
    if is_reversal(m):
        # no text speaks of reversals (common.yaml A-REVERSAL): a 2208 refused or accepted against the reference is
        # that reading's, at the reference's 结算撤销 step where its trace has one — never the settlement's pooling
        own = next((t for t in trace if isinstance(t, dict) and str(t.get("step", "")) == REVERSAL_STEP), None)
        clause = str(own.get("clause", "")) if own is not None else ""
        return REVERSAL_STEP, clause if REVERSAL in A_ID.findall(clause) else REVERSAL
    counted = _year_cap(m, trace)
    if counted is not None:
        return counted
    if cash_identity(m, trace, evidence):  # no step of the working computes it: the identity, no article's
        return CASH_STEP, cash_clause(m, trace)
    if split_identity(m, mismatches, evidence):  # the routes do not add up to a right hifp_pay: the split's own
        return SPLIT_STEP, cash_clause(m, trace)
    if part_identity(m, mismatches, evidence):  # the person's part not medfee − fund with both right
        return PART_STEP, cash_clause(m, trace)
    if balance_identity(m):  # a balance not the one before less a right acct_pay: no reading decides it
        return BALANCE_STEP, balance_clause(m, trace)
    worked = _worked(m.get("expected"))
    if worked is not None and _figure(m.get("expected")) is None:
        m = {**m, "expected": str(worked)}  # a property's working: its result is the figure a step shows
    usual = _refused(m) if m["field"] == "infcode" else FIELD_STEPS.get(m["field"], "")
    expected = str(m["expected"])
    shown = _figure(expected)
    same = [t for t in trace if isinstance(t, dict) and (
        _figure(t.get("value")) == shown != 0 if shown is not None  # 60.01 shown as 60.01 (or 60.010)
        else expected not in ZEROS and str(t.get("value", "")) == expected)]  # a word: a use's decision
    if m["field"] in NO_ACCOUNT_FIGURE:  # an account step showing the same figure (the account paid the whole part)
        same = [t for t in same if not _named(t, ACCOUNT_STEPS)]  # is not where it is computed (probe s28 H4 F3)
    own = [t for t in same if _named(t, FIELD_WORDS.get(m["field"], ()))]
    parted = _parting(m, trace, evidence) if evidence else None
    if m["field"] == "act_pay_dedc":
        # a chronic visit's deductible is two steps' sum: put at the one the system's answer departs from, not at the
        # one that happens to show the expected figure or comes last (probe s26 F2, F3)
        split = _split_departure(trace, _system_figures(m, evidence, mismatches))
        if split is not None and (parted is None or not _before(parted, split, trace)):
            return _at(split)
    if own:
        # a figure handed to the field's own step that parts before it decides it: a deductible min(base, left)
        # shows the reference's 1.70 where the system counted the base as 2.57 (先行自付 kept in the base), so the
        # deductible 2.57 for 1.70 is the base's (政策范围内费用), not the 起付线 step's (probe s21 X,
        # policy_scope_ignores_preselfpay)
        if parted is not None and _before(parted, own[0], trace):
            return _at(parted)
        return _at(_rounded_from(m, own[0], trace) or own[0])
    if parted is not None:
        return _at(parted)
    others = tuple(w for f in ("inscp_scp_amt", "act_pay_dedc") if f != m["field"] for w in PARTING_WORDS[f])
    candidates = [t for t in same if not _named(t, others)]
    rounded = _rounding(m, candidates, trace)
    if rounded is not None:
        return rounded
    if candidates:
        return _at(_handed_on(m, candidates, evidence) or candidates[-1])
    part = _differing_part(m, evidence) if evidence else None
    if part is not None:
        return _step_of(part, trace, evidence)
    bounded = _ratio_of_bound(m, trace, evidence) if evidence else None
    if bounded is not None:
        return _at(bounded)
    if _account_split(m, evidence):
        acct = [t for t in trace if isinstance(t, dict) and _named(t, ACCOUNT_STEPS)]
        if acct:
            return str(acct[-1].get("step", "")), _whole({**m, "field": "acct_pay"}, trace)
    capped = _bound_to_nothing(m, trace)
    if capped is not None:
        return _at(capped)
    if usual:
        for t in reversed(trace):
            if usual in str(t.get("step", "")):
                return _at(t)
    if m["field"] != "infcode":  # a step named for what the field is (退休人员定额 for a month's credit, amount)
        for t in reversed(trace):
            if isinstance(t, dict) and _named(t, FIELD_WORDS.get(m["field"], ())):
                return _at(t)
    whole = _whole(m, trace) if m["field"] not in ("infcode", "err_msg") else ""
    stop = _stopped_at(trace) if m["field"] not in ("infcode", "err_msg") else None
    return (stop or usual or m.get("label") or m["field"]), whole


def _year_cap(m: dict, trace: list[dict]) -> tuple[str, str] | None:
    """(step, clause) of a year's total of a payment (item "2024年度累计", ordinary_pay or inpatient_pay) that differs:
    the step counting that total against the year's cap (the last of the steps the total adds, YTD_STEPS:
    年度最高支付限额, whose working reads "此前已支付 …，尚余 …"), as a settlement paid short at a cap the reference did
    not reach is put there — one defect (a total not reset on 1 January, or counting a reversed settlement) is one
    cause, not a cause at the cap and another under the field's name, which no trace has (a property's total, traced by
    nothing; probe s23 K, F5). Its clause is what the total rests on: its own step's (年度累计…, the clauses of the steps
    that made it and A-REVERSAL where a reversal changed it), else the cap steps' in its trace, else "" (the check's
    failed articles, `group`). None for any other figure (a year's deductible total keeps its own step)."""
    steps = YTD_STEPS.get(str(m.get("field", "")), ())
    if not str(m.get("item", "")).endswith(TOTALS_ITEM) or m.get("field") not in SUM_OF or not steps:
        return None
    cap = steps[-1]
    own = [t for t in trace if isinstance(t, dict) and str(t.get("step", "")).startswith(TOTALS_ITEM)]
    caps = [t for t in trace if isinstance(t, dict) and str(t.get("step", "")) == cap]
    parts = [str(t.get("clause", "") or "") for t in (own[-1:] or caps)]
    return cap, "；".join(dict.fromkeys(p.strip() for c in parts for p in c.split("；") if p.strip()))


def _handed_on(m: dict, candidates: list[dict], evidence: Any) -> dict | None:
    """The ratio step handing its figure to the last step showing the expected figure, where that step is a bound the
    reference did not reach (min(522.00, 1800.00) = 522.00: the figure is the ratio step's, whatever the bound) and the
    system's figure is a ratio's, not a bound's: the fallback of `_step_of` puts a payment short at such a cap on the cap
    only because a system answering the ratio alike has the ratio right. Where the ratio the system answered
    (pool_prop_selfpay) is not this step's — a chronic visit's overflow records the chronic ratio (结算支付比例, A-CHRONIC-
    OVERFLOW-RATIO), so the ordinary part's ratio was never compared — a figure above the step's (a bound not reached
    only lowers it) or the step's own working at another whole percent above 0 ((1500.00 − 600.00) × 55% = 495.00 for 58%)
    is the ratio's (probe s23 K, F2). None otherwise: the bound's, as before (a cap not reset on 1 January)."""
    if len(candidates) < 2:
        return None
    last, ratio = candidates[-1], candidates[-2]
    hit = BOUNDED.search(str(last.get("detail", ""))[:500])
    if hit is None or not _named(ratio, PARTING_WORDS["pool_prop_selfpay"]):
        return None
    handed, bound, figure = (Decimal(g) for g in hit.groups())
    worked = RATIO_WORKING.search(str(ratio.get("detail", ""))[:500])
    actual = _figure(m.get("actual"))
    if not figure == handed < bound or worked is None or actual is None or actual == figure:
        return None
    base, less, pct = (Decimal(g) for g in worked.groups())
    if _figure(last.get("value")) != figure or _figure(ratio.get("value")) != round_fen((base - less) * pct / 100):
        return None  # a working that is not of the figure the step shows: nothing to read from it
    item = str(m.get("item", ""))
    system = (figures(evidence, item)[0] or _only_settlement(evidence, item)) if evidence else {}
    answered = _figure(system.get("pool_prop_selfpay"))
    if answered is not None and answered * 100 == pct:
        return None  # the ratio answered alike: the payment parted at the bound (its count of the year)
    if actual > figure:
        return ratio
    # 0% is no ratio: a payment of 0.00 is what a spent cap pays (a cap not reset), not a ratio's
    others = (round_fen((base - less) * q / 100) for q in range(1, 101) if q != pct)
    return ratio if actual in others else None


RATIO_BOUND = re.compile(r"≤\s*\((-?\d+(?:\.\d+)?) − (-?\d+(?:\.\d+)?)\) × (\d+(?:\.\d+)?)(%?) =")


def _bound_to_nothing(m: dict, trace: list[dict]) -> dict | None:
    """For a payment the reference makes 0.00 (which no step "shows": a zero is every unpaid step's figure), the last
    step of its trace that bounded a positive figure to a bound of nothing, "min(32.49, 0.00) = 0.00" (a cap used up
    by earlier visits): that bound decided the 0.00, and the failure rests on what that step cites, not on every
    reading of the visit's trace (`_whole`: an emergency settled as ordinary pooling, A-EMERGENCY-ORDINARY, left in a
    counterexample not fully shrunk; probe s22 E, F4). None otherwise."""
    if m.get("field") not in SUM_PARTS and m.get("field") not in SUM_OF:
        return None
    if _expected_figure(m.get("expected")) != 0:
        return None
    for t in reversed(trace):
        if not isinstance(t, dict) or _named(t, (*PARTING_WORDS["inscp_scp_amt"], *PARTING_WORDS["act_pay_dedc"])):
            continue  # a deductible used up (min(64.97, 0.00) = 0.00) charges nothing; it does not pay nothing
        detail = str(t.get("detail", ""))[:500]
        hit = BOUNDED.search(detail)
        if hit is None:
            # a step working its own payment and capping it in words, showing 0.00 for a positive product: 吉林's
            # 住院比例和限额 "(2000.00 − 800.00) × 80% = 960.00元；…此前已支付150000.00元，本次支付0.00元" — the spent cap
            # decided the 0.00, whatever the deductible before it (probe s25 Z3, F4)
            worked = RATIO_WORKING.search(detail)
            if worked is not None and _figure(t.get("value")) == 0:
                base, less, pct = (Decimal(g) for g in worked.groups())
                if (base - less) * pct > 0:
                    return t
            continue
        handed, bound, figure = (Decimal(g) for g in hit.groups())
        if figure == bound == 0 < handed:
            return t
    return None


def _ratio_of_bound(m: dict, trace: list[dict], evidence: Any) -> dict | None:
    """For a payment over a ratio bound no step shows ("≤ (604.16 − 200.00) × 0.5 = 202.080", settlement.py's
    settlement_ratio_bound, whose trace is the bound's own steps: the ratio step, without a figure), the last ratio step
    (支付比例) of the trace where the system's answered ratio (pool_prop_selfpay) is not the bound's: a pharmacy paid at
    60% for 50% (242.50 = (604.16 − 200.00) × 60%, rounded) is over the bound because of its ratio, the cause of the
    scenarios comparing 支付比例 (probe s21 X, pharmacy_at_secondary_rate). None otherwise (the ratio answered right,
    or not known: the payment is then over its bound for another reason)."""
    if m.get("field") not in ("hifp_pay", *SUM_OF):
        return None
    hit = RATIO_BOUND.search(str(m.get("expected", ""))[:200])
    if hit is None:
        return None
    ratio = _figure(hit.group(3))
    if ratio is None:
        return None
    if hit.group(4):
        ratio /= 100
    system, _ = figures(evidence, str(m.get("item", "")))
    mine = _figure(system.get("pool_prop_selfpay"))
    if mine is None or mine == ratio:
        return None
    steps = [t for t in trace if isinstance(t, dict) and _named(t, PARTING_WORDS["pool_prop_selfpay"])]
    return steps[-1] if steps else None


def _before(a: dict, b: dict, trace: list[dict]) -> bool:
    """Whether trace step `a` comes before step `b` (each found by identity)."""
    ia = next((i for i, t in enumerate(trace) if t is a), None)
    ib = next((i for i, t in enumerate(trace) if t is b), None)
    return ia is not None and ib is not None and ia < ib


POOLING_WORDS = ("起付线", "支付比例", "限额", "统筹支付", "慢特病支付")  # steps a visit paid by pooling reaches


def _stopped_at(trace: list[dict]) -> str | None:
    """The step at which the reference's working stopped paying, where it never reached a pooling step (no deductible,
    ratio or cap step): the last step other than the base's, the account's or a ratio record, paying 0.00 (攀枝花
    第八条's 不予支付 for an excluded bill) or computing no figure (吉林 一's 定点零售药店). A cause is headed by a step
    the reference has, never by 起付线 it did not compute (s20); a visit worked through to a payment of 0.00 keeps the field's usual step. None otherwise."""
    base = PARTING_WORDS["inscp_scp_amt"]
    rest = [t for t in trace if isinstance(t, dict) and not _named(t, base) and not _named(t, ACCOUNT_STEPS)
            and str(t.get("step", "")) not in RATIO_ONLY]
    if any(_named(t, POOLING_WORDS) for t in rest):
        return None
    # … or computing no figure at all: 吉林 一's 定点零售药店 (a pharmacy the region has not taken in, 不予支付) is where its
    # working ends, so a deductible charged and a payment made there are one cause at that step, not one at 起付线 and
    # one at 统筹基金支付, steps its trace does not have (probe s23 K, F2)
    if rest and (_figure(rest[-1].get("value")) == 0 or rest[-1].get("value") in (None, "")):
        return str(rest[-1].get("step", "")) or None
    return None



def _unit(t: dict) -> Decimal | None:
    """The unit step `t` rounds its figure to (its `rounding_unit`: 0.01 the fen, 1 the yuan), the fen for a step
    written before that key existed (a `rounded` step then rounded to the fen); None where it rounds nothing or
    the unit is no positive figure."""
    if not isinstance(t, dict) or not isinstance(t.get("rounded"), bool):
        return None
    unit = _figure(t.get("rounding_unit", "0.01"))
    return unit if unit is not None and unit > 0 else None


def _rounds_to_fen(t: Any) -> bool:
    """Whether step `t` rounds its figure to the fen, as its trace records (`rounded`, `rounding_unit`)."""
    return _unit(t) == FEN


# LEGACY (results.json written before the trace recorded `rounding_unit` and `rounded_from`): the one step that
# rounded the figure of the step before it, that step's name and the unit. 攀枝花 第四条（二）'s retiree credit,
# 平均养老金 × 2% (第四条；第十二条, the average's source) 以“元”为单位四舍五入 (第四条). Read only for a step without
# `rounding_unit`; a trace written since says it itself.
LEGACY_ROUNDED_FROM: dict[str, tuple[str, Decimal]] = {"退休人员定额": ("平均养老金 × 比例", Decimal("1"))}


def _rounding_source(own: dict, trace: list[dict]) -> tuple[Decimal, Decimal, dict | None] | None:
    """(the exact figure `own`'s figure is the rounding of, the unit, the step just before it where that step
    shows that figure, else None): from the step's own `rounded_from` and `rounding_unit`, whatever the steps
    are called; None where it records no such figure (a step that rounds nothing, or a part of its figure)."""
    at = next((i for i, t in enumerate(trace) if t is own), None)
    if at is None:
        return None
    before = trace[at - 1] if at > 0 and isinstance(trace[at - 1], dict) else None
    if "rounding_unit" in own:
        unit, exact = _unit(own), _figure(own.get("rounded_from"))
        if unit is None or exact is None:
            return None
        return exact, unit, before if before is not None and _figure(before.get("value")) == exact else None
    source, unit = LEGACY_ROUNDED_FROM.get(str(own.get("step", "")), ("", FEN))  # LEGACY: by the steps' names
    if not source or before is None or str(before.get("step", "")) != source:
        return None
    exact = _figure(before.get("value"))
    return (exact, unit, before) if exact is not None else None


def _rounded_from(m: dict, own: dict, trace: list[dict]) -> dict | None:
    """The step whose figure `own` rounds, where the system's figure is no rounding of it: then the difference
    began there, not at the rounding. What `own` rounds and to what unit is what the trace records on it
    (`rounded_from`, `rounding_unit`: `_rounding_source`), and the step computing that figure is the one before it
    showing it. A rounding of the exact figure is a whole multiple of the fen or of the step's unit less than
    that unit from it: for 2825.00 × 2% = 56.5 → 57.00, 56.50 (kept to the fen), 56.00 (rounded down) are the
    rounding's (第四条 alone); 60.00 (an average of 3000.00), 56.37 (of 2818.50), 57.50 for a whole product 57.00
    are no rounding of it: the product's (第四条；第十二条, rclose9 D2, rclose10 D3). None otherwise (a figure
    unknown, a step rounding a figure it computes itself: the difference is then its own)."""
    found = _rounding_source(own, trace)
    actual = _figure(m.get("actual"))
    if found is None or found[2] is None or actual is None:
        return None
    exact, unit, source = found
    if any(abs(actual - exact) < u and actual % u == 0 for u in (FEN, unit)):
        return None
    return source


def _rounding(m: dict, candidates: list[dict], trace: list[dict] | None = None) -> tuple[str, str] | None:
    """A figure one fen off the reference's, where a step that shows it rounded it to the fen: the rounding of
    that step (the first such, where the figure is produced), not a later step that passes it on. A ratio
    step's (200.01 − 200.00) × 50% = 0.005 → 0.01 answered 0.00 (银行家舍入) is the ratio step's rounding; the
    cap step after it shows 0.01 too (min(0.01, 1000.00)), but the cap, 1000.00 of it left, decided nothing.
    Whether a step rounded is what the reference's trace records (`rounded`: true where rounding to the fen
    changed its figure, conform.reference.benefits._rounded), never the wording of its text: an exact product
    (300.00 − 200.00) × 50% = 50.00 answered 49.99 is no rounding's fault. No text states the rounding of a
    settlement's figures: the clause names the reading, A-ROUND-FEN (a step citing a rounding reading of its
    own keeps it). A cap not reset on 1 January pays short by more than a fen, and stays at the cap (`_step`)."""
    expected, actual = _figure(m.get("expected")), _figure(m.get("actual"))
    if expected is None or actual is None or abs(expected - actual) != FEN or m.get("field") == "amount":
        return None
    at = next((t for t in candidates if t.get("rounded") is True), None)
    shown = at or (candidates[0] if candidates else None)
    # only the figure of a step that rounds to the fen (a ratio step: its trace records `rounded`) follows from an
    # earlier rounding: a capped figure is the cap's remainder, which no rounding before it moves (a split's
    # 50.475 → 50.48 beside an ordinary part capped at 400.00; rclose10 D1)
    upstream = _carried_roundings(trace or [], shown) if _rounds_to_fen(shown) else []
    if at is None and not upstream:
        return None
    # an earlier rounding of a figure the system does not answer (a split visit's covered part, 40.38 / 80% =
    # 50.475 → 50.48) moves the figure shown after it by a fen as well (949.52 → (949.52 − 200) × 60% = 449.71,
    # 949.53 → 449.718 → 449.72 under any rounding): it is named beside the step's own rounding, and alone where
    # the step showing the figure rounded nothing (rclose9 D1)
    if at is not None and upstream and not _a_rounding_of(actual, at):
        # … but where the system's figure is no usual rounding of the step's own product (449.72 for (949.52 − 200) ×
        # 60% = 449.712: half-up, half-even and truncation all give 449.71), the step's rounding cannot have made
        # it: the fen came in with the figure handed to it, the earlier rounding's alone (probe s22 E, F2: a split
        # whose covered part is not rounded is 攀枝花 第十一条's and A-PZH-OVERFLOW-SPLIT's, not 第七条's ratio)
        at = None
    named = upstream + ([at] if at is not None else [])
    step = _at(at if at is not None else upstream[-1])[0]
    parts = [p.strip() for t in named for p in _at(t)[1].split("；") if p.strip()]
    clause = "；".join(dict.fromkeys(parts))
    if not fen_readings() & set(A_ID.findall(clause)):
        clause = f"{clause}；A-ROUND-FEN" if clause else "A-ROUND-FEN"
    return step, clause


RATIO_WORKING = re.compile(r"\((-?\d+(?:\.\d+)?) − (-?\d+(?:\.\d+)?)\) × (\d+(?:\.\d+)?)%")


def _a_rounding_of(actual: Decimal, t: dict) -> bool:
    """Whether `actual` is the fen rounding of step `t`'s exact figure by a usual rule (half-up, half-even,
    truncation): its `rounded_from`, else the product its working shows ((949.52 − 200.00) × 60% = 449.712). True
    where the exact figure is not known: the step's rounding is then not ruled out."""
    exact = _figure(t.get("rounded_from"))
    if exact is None:
        hit = RATIO_WORKING.search(str(t.get("detail", ""))[:500])
        if hit is None:
            return True
        base, less, pct = (Decimal(g) for g in hit.groups())
        exact = (base - less) * pct / 100
    return actual in {exact.quantize(FEN, rounding=r) for r in (ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN)}


def _carried_roundings(trace: list[dict], shown: dict) -> list[dict]:
    """The steps before `shown` in the trace that rounded to the fen (`rounded` true) a figure the system does not
    answer (no field's step, `FIELD_STEPS`): a fen off at `shown` may have begun there, where no answered figure
    parts (`_parting` cannot see it). 转入普通门诊统筹 rounds the covered part (40.38 / 80% = 50.475 → 50.48);
    a chronic payment before it rounds a figure the system answers (chronic_pay: 慢特病支付), and is in any case
    capped where a visit is split, so it rounded nothing. An inpatient route's payment step is its settlement's
    only payment step, so none comes before another."""
    answered = set(FIELD_STEPS.values())
    out = []
    for t in trace:
        if t is shown:
            break
        if _rounds_to_fen(t) and t.get("rounded") is True and str(t.get("step", "")) not in answered:
            out.append(t)
    return out if any(t is shown for t in trace) else []


# A sum's parts, in the order FIELD_STEPS computes them: where no step shows the sum, its differing part's step.
SUM_PARTS = {"hifp_pay": ("chronic_pay", "ordinary_pay", "inpatient_pay")}
SUM_OF = {part: total for total, parts in SUM_PARTS.items() for part in parts}


def _differing_part(m: dict, evidence: Any) -> dict | None:
    """For a sum no step shows (a visit split between chronic and ordinary benefit pays 40.38 + 449.71), the
    first of its parts that the system's answered figures and the reference's give otherwise (`figures`), as a
    mismatch of that part; None when the evidence does not hold both or the parts agree."""
    parts = SUM_PARTS.get(m.get("field", ""))
    if not parts:
        return None
    system, reference = figures(evidence, str(m.get("item", "")))
    for field in parts:
        mine, theirs = _figure(system.get(field)), _figure(reference.get(field))
        if mine is not None and theirs is not None and mine != theirs:
            return {**m, "field": field, "expected": str(reference.get(field)), "actual": str(system.get(field))}
    return None


def _moved(m: dict, mismatches: list[dict], evidence: Any = None) -> bool:
    """Whether part `m` of the fund payment (ordinary_pay, chronic_pay, inpatient_pay) differs only because the
    amount was filed under another benefit: the sum (hifp_pay) is not among the differences, and either the
    differing parts of that settlement add up to no difference (ordinary_pay 1022.17 where chronic_pay should
    have it), or its evidence shows the system's hifp_pay equal to the reference's (a part compared alone)."""
    item = m.get("item", "")
    total = SUM_OF.get(m.get("field", ""))
    same = [x for x in mismatches if isinstance(x, dict) and x.get("item", "") == item]
    if total is None or any(x.get("field") == total for x in same):
        return False
    moved = Decimal(0)
    parts = [x for x in same if x.get("field") in SUM_OF]
    for x in parts:
        expected, actual = _figure(x.get("expected")), _figure(x.get("actual"))
        if expected is None or actual is None:
            break
        moved += actual - expected
    else:
        if len(parts) > 1 and moved == 0:
            return True
    if evidence:
        system, reference = figures(evidence, str(item))
        if not system:
            system = _only_settlement(evidence, str(item))
        mine, theirs = _figure(system.get(total)), _figure(reference.get(total))
        return mine is not None and theirs is not None and mine == theirs
    return False


def _only_settlement(evidence: Any, item: str) -> dict:
    """The system's 2207 answer (setlinfo) where the evidence holds one only and the reference settled `item` alone:
    the platform profile's 2207 names the system's own mdtrt_id, not the item, so `figures` cannot match it by id,
    but a single visit's is that visit's. {} otherwise."""
    if not isinstance(evidence, list):
        return {}
    entries = [e for e in evidence[:MAX_EVIDENCE] if isinstance(e, dict)]
    answers = [_dig(e.get("response"), "output", "setlinfo") for e in entries if _dig(e.get("request"), "infno") == "2207"]
    settled = {_dig(e.get("request"), "id") for e in entries if e.get("operation") in ("settle", "presettle")
               and isinstance(e.get("request"), dict) and set(e["request"]) == {"psn_no", "id"}}
    if len(answers) == 1 and isinstance(answers[0], dict) and settled == {item}:
        return answers[0]
    return {}


# The steps that decide which benefit pays a visit (not how much): the route to inpatient rules (待遇路径), an
# emergency or day surgery settled as ordinary pooling (A-EMERGENCY-ORDINARY), a chronic purchase at a pharmacy
# (A-CHRONIC-PHARMACY, 吉林 一's A-JL-PHARMACY-CHRONIC), and a chronic visit's part past its cap going on to
# ordinary pooling or not (转入普通门诊统筹, 超出慢特病限额).
ROUTE_STEPS = ("待遇路径", "急诊", "日间手术", "药店配药", "转入普通门诊统筹", "超出慢特病限额")


def route_readings(trace: list[dict]) -> set[str]:
    """The readings the steps of a trace deciding which benefit pays the visit cite (`ROUTE_STEPS`)."""
    out: set[str] = set()
    for t in trace:
        if isinstance(t, dict) and str(t.get("step", "")) in ROUTE_STEPS:
            out |= set(A_ID.findall(str(t.get("clause", "") or "")))
    return out


# Steps that record the settlement's ratio and decide no amount (A-CHRONIC-OVERFLOW-RATIO: which ratio a split
# visit records): what the whole trace of an amount rests on leaves them out.
RATIO_ONLY = ("结算支付比例",)


# The steps of the account's part of a settlement (what it pays, what a relative's account pays), and the figures they
# decide: the account's rules are blamed only where one of those differs (docs/connect-your-system.md §7).
ACCOUNT_STEPS = ("个人账户支付", "个人账户共济支付")
ACCOUNT_FIELDS = frozenset({"acct_pay", "balc", "acct_balance"})


# A cash payment that breaks psn_cash_pay = psn_part_amt − acct_pay with both of those right: the platform's settlement
# identity (国家医保平台结算口径, as the 政策范围内费用 step cites it), which no article and no reading decides — the
# account's rule decided acct_pay, which is right, so neither it nor A-ACCOUNT-SELFPAY is what fails (probe s28 H3 F2).
CASH_STEP, CASH_CLAUSE = "现金支付", "国家医保平台结算口径"


def cash_clause(m: dict, trace: list[dict]) -> str:
    """The clause of a cash payment breaking the identity (`cash_identity`): the platform's 口径 and the articles of the
    settlement it is the identity of (its working's, account steps left out, `_whole`), none of their readings — as a
    figure parting at that 口径 is blamed on the article deciding the figure compared, the check's own article then
    not judged (plugin._blame_scenario, model._row "blocked"): a settlement's cash has no article but its benefit's."""
    articles = [p for p in _whole(m, trace).split("；") if p and not A_ID.findall(p)]
    return "；".join(dict.fromkeys([CASH_CLAUSE, *articles]))


# The platform's other identities of one answer that no article or reading decides (probe s28 H4 F2, F3): the routes
# of the fund payment (setldetail's pooling rows, read as ordinary_pay, chronic_pay, inpatient_pay) add up to hifp_pay;
# the balance after a settlement is the balance before it less acct_pay. Broken with hifp_pay (or acct_pay) right, the
# figure departs at the split (the balance) itself, not at a cap or deductible step nor on a routing reading.
SPLIT_STEP, BALANCE_STEP = "统筹基金分项", "个人账户余额"
BALANCE_RELATION = "个人账户余额 = 结算前余额 − 个人账户支付"   # money_identities' relation, no figure of the reference's


# The figures of a settlement no account step computes: psn_part_amt = medfee_sumamt − fund_pay_sumamt and the fund's
# own; one equal to what the account paid (the account paid the whole part) is not the account's for that.
NO_ACCOUNT_FIGURE = frozenset({"psn_part_amt", "hifp_pay", "fund_pay_sumamt", "ordinary_pay", "chronic_pay",
                               "inpatient_pay", "act_pay_dedc", "inscp_scp_amt"})


def split_identity(m: dict, mismatches: list[dict] | None, evidence: Any, reference: dict | None = None,
                   system: Any = None) -> bool:
    """Whether a route of the fund payment that differs (ordinary_pay, chronic_pay, inpatient_pay) only breaks the
    identity Σ routes = hifp_pay: the system's hifp_pay (its answer in the evidence, else `system()`, its figures of
    the item) equals the reference's (`reference`, the reference's figures of the item, else its answer in the
    evidence) and the differing routes of the item do not add up to no difference (that would be a move, `_moved`,
    which a routing reading decides). False where either total is not known."""
    total = SUM_OF.get(str(m.get("field", "")))
    if total is None:
        return False
    item = str(m.get("item", ""))
    same = [x for x in [m, *(mismatches or [])] if isinstance(x, dict) and str(x.get("item", "")) == item]
    if any(x.get("field") == total for x in same):
        return False
    net, seen = Decimal(0), set()
    for x in same:
        f = x.get("field")
        if f not in SUM_OF or f in seen:
            continue
        seen.add(f)
        expected, actual = _figure(x.get("expected")), _figure(x.get("actual"))
        if expected is None or actual is None:
            return False
        net += actual - expected
    if net == 0:
        return False
    theirs = _figure((reference or {}).get(total))
    if theirs is None and evidence:
        theirs = _figure(figures(evidence, item)[1].get(total))
    if theirs is None:
        return False
    mine = _figure(_system_figures(m, evidence, mismatches).get(total))
    if mine is None and system is not None:  # the platform profile's 2207 names no item: ask how the system settles it
        mine = _figure((system() or {}).get(total))
    return mine is not None and mine == theirs


PART_STEP = "个人负担"   # psn_part_amt = medfee_sumamt − fund_pay_sumamt, broken with both right


def part_identity(m: dict, mismatches: list[dict] | None, evidence: Any, reference: dict | None = None,
                  system: Any = None) -> bool:
    """Whether a person's part (psn_part_amt) that differs only breaks psn_part_amt = medfee_sumamt − fund_pay_sumamt:
    the system's medfee_sumamt and fund_pay_sumamt (its answer in the evidence, else `system()`) are the reference's
    (`reference`, else its answer in the evidence) — a part counting acct_pay twice, which neither the account's rule,
    nor a reading of it, nor a rounding decides (probe s28 H4 F3). False where any of them is not known."""
    if m.get("field") != "psn_part_amt":
        return False
    item = str(m.get("item", ""))
    theirs = reference or (figures(evidence, item)[1] if evidence else {})
    mine = _system_figures(m, evidence, mismatches)
    if (_figure(mine.get("medfee_sumamt")) is None or _figure(mine.get("fund_pay_sumamt")) is None) and system:
        mine = {**(system() or {}), **{k: v for k, v in mine.items() if v is not None}}
    got = [_figure(x.get(f)) for x in (mine, theirs) for f in ("medfee_sumamt", "fund_pay_sumamt")]
    part = _figure(mine.get("psn_part_amt"))
    if any(g is None for g in got) or part is None:
        return False
    medfee, fund, ref_medfee, ref_fund = got
    return medfee == ref_medfee and fund == ref_fund and part != medfee - fund  # type: ignore[operator]


def balance_identity(m: dict) -> bool:
    """Whether a balance (balc) fails only as balc = balance before − acct_pay: the check names the relation, not a
    figure of the reference's (settlement.breakers does so only where no figure of the identity, acct_pay among them,
    differs from the reference's), so the account paid right and no reading of how much it pays decides the balance."""
    return m.get("field") == "balc" and str(m.get("expected", "")).startswith(BALANCE_RELATION)


def balance_clause(m: dict, trace: list[dict]) -> str:
    """The clause of a balance breaking its identity: the platform's 口径 and the account's articles (its steps'),
    none of their readings — the balance is the account's figure, what it paid is right."""
    articles = [p for p in _whole({**m, "field": "acct_pay"}, trace).split("；") if p and not A_ID.findall(p)]
    return "；".join(dict.fromkeys([CASH_CLAUSE, *articles]))


def cash_identity(m: dict, trace: list[dict], evidence: Any) -> bool:
    """Whether a differing cash payment (psn_cash_pay) only breaks the identity psn_cash_pay = psn_part_amt − acct_pay:
    the system's psn_part_amt and acct_pay (from `evidence`) both equal the reference's — from the evidence where it
    holds the reference's answer (a scenario), else from its working (a property's evidence is the system's alone):
    acct_pay what its account steps (`ACCOUNT_STEPS`) paid, psn_part_amt the expected cash plus that. False where any
    of them is not known: the account's split may then be what differs (`_account_split`)."""
    if m.get("field") != "psn_cash_pay" or not evidence:
        return False
    system, reference = figures(evidence, str(m.get("item", "")))
    acct = _figure(reference.get("acct_pay"))
    if acct is None:
        paid = [_figure(t.get("value")) for t in trace if isinstance(t, dict) and _named(t, ACCOUNT_STEPS)]
        if not paid or any(p is None for p in paid):
            return False
        acct = sum(paid, Decimal(0))  # type: ignore[arg-type]
    part = _figure(reference.get("psn_part_amt"))
    cash = _figure(m.get("expected"))
    if part is None:
        if cash is None:
            return False
        part = cash + acct
    mine_acct, mine_part = _figure(system.get("acct_pay")), _figure(system.get("psn_part_amt"))
    return mine_acct == acct and mine_part == part and (cash is None or cash == part - acct)


def _account_split(m: dict, evidence: Any) -> bool:
    """Whether a cash payment (psn_cash_pay) that differs is the account's split of the person's part: psn_cash_pay =
    psn_part_amt − acct_pay, so where the person's part is not known to differ (the evidence's two answers agree on it,
    or do not both give it) the cash is off by what the account paid — 攀枝花 第五条, 南昌 四（三）2, 北京（四）, 浙江
    二（四）and A-ACCOUNT-SELFPAY, as the reference's 个人账户支付 step cites them, not every pooling clause of the visit
    (a system reporting the whole part as cash with acct_pay right was blamed on 第七条)."""
    if m.get("field") != "psn_cash_pay":
        return False
    system, reference = figures(evidence, str(m.get("item", ""))) if evidence else ({}, {})
    mine, theirs = _figure(system.get("psn_part_amt")), _figure(reference.get("psn_part_amt"))
    return mine is None or theirs is None or mine == theirs


def _whole(m: dict, trace: list[dict]) -> str:
    """The clauses of every step of an item's trace, each part once (one clause line, as a step's), the base's
    (政策范围内费用, the platform's 口径) only for the base itself, a step recording the ratio (`RATIO_ONLY`) only
    for the ratio: what a figure no one step shows rests on. The account's steps (`ACCOUNT_STEPS`) only for an
    account figure, and for a balance no step shows, those steps alone where there are any: a wrong balance is the
    account's, not the visit's pooling (rvendor s11 D3)."""
    base = PARTING_WORDS["inscp_scp_amt"]
    account = m["field"] in ACCOUNT_FIELDS
    if account and any(isinstance(t, dict) and _named(t, ACCOUNT_STEPS) for t in trace):
        trace = [t for t in trace if isinstance(t, dict) and _named(t, ACCOUNT_STEPS)]
    parts: list[str] = []
    for t in trace:
        if not isinstance(t, dict) or (m["field"] != "inscp_scp_amt" and _named(t, base)):
            continue
        if not account and _named(t, ACCOUNT_STEPS):
            continue
        if m["field"] != "pool_prop_selfpay" and str(t.get("step", "")) in RATIO_ONLY:
            continue
        for part in str(t.get("clause", "") or "").split("；"):
            part = part.strip()
            if part and part not in parts:
                parts.append(part)
    return "；".join(parts)


MONTH = re.compile(r"\d{4}-\d{2}")
REVERSAL_STEP, REVERSAL = "结算撤销", "A-REVERSAL"


def is_reversal(m: dict) -> bool:
    """Whether an infcode mismatch is of a 2208 (refused, or accepted where the rules refuse it): its item is the
    reversal's ("V1-撤销", "V1 撤销") or its expected answer speaks of one ("0（撤销成功）", "拒绝撤销")."""
    item, said = str(m.get("item", "")), str(m.get("expected", ""))
    return m.get("field") == "infcode" and (item.endswith("撤销") or "撤销" in said)


def _refused(m: dict) -> str:
    """The step a refusal (infcode) is of: a month's credit (item "2024-03", 拒绝计入) is 个人账户计入, an
    account use (item "个人账户使用" or "关系·用途") 个人账户使用, anything else the settlement's 结算受理. Read from the item
    and the expected answer only: the system's refusal message is its own text."""
    item, said = str(m.get("item", "")), str(m.get("expected", ""))  # (a refusal's own message says anything)
    if is_reversal(m):
        return REVERSAL_STEP
    if MONTH.fullmatch(item) or "计入" in said:
        return FIELD_STEPS["amount"]
    if item == FIELD_STEPS["decision"] or "·" in item or "使用" in said:
        return FIELD_STEPS["decision"]
    return FIELD_STEPS["infcode"]


def _root(check: dict) -> tuple[str, str, str]:
    """(field, step, clause) of the root mismatch (`root_mismatch`), at its step of the reference's trace."""
    root = root_mismatch(check.get("mismatches") or [])
    if root is None:
        return "", "", ""
    evidence = check.get("evidence")
    if check.get("kind") == "property":
        evidence = system_evidence(evidence)
    identity = (check.get("extra") or {}).get("identity")
    if (identity == SPLIT_STEP and root.get("field") in SUM_OF) or (identity == PART_STEP
                                                                     and root.get("field") == "psn_part_amt"):
        # the property found the routes not adding up to a right hifp_pay, or the part not medfee − fund with both
        # right (properties.base.platform_identity), which its evidence alone may not show (a platform 2207 names no
        # item)
        return root["field"], identity, cash_clause(root, check.get("trace") or [])
    step, clause = _step(root, check.get("trace") or [], evidence, check.get("mismatches") or [])
    return root["field"], step, clause


def system_evidence(evidence: Any) -> Any:
    """A property's evidence as `figures` reads it: all of it is the system's (the reference, its oracle, answers
    without evidence: properties.base.no_evidence), so an in-process system's settlements recorded in the reference
    adapter's own shape (settle, request {psn_no, id}) are read as the system's answers, which `figures` would
    otherwise take for the reference's — leaving nothing to compare the working with (`_traced_parting`)."""
    if not isinstance(evidence, list):
        return evidence
    out: list[Any] = []
    for e in evidence[:MAX_EVIDENCE]:
        req = e.get("request") if isinstance(e, dict) else None
        if isinstance(req, dict) and set(req) == {"psn_no", "id"} and e.get("operation") == "settle":
            e = {"operation": "2207", "request": {"infno": "2207", "input": {"data": {"mdtrt_id": req.get("id")}}},
                 "response": {"output": {"setlinfo": e.get("response")}}}
        out.append(e)
    return out


# A year's totals in the order the reference counts them: a visit's deductible before its payment (FIELD_ORDER puts
# the settlement's ordinary_pay, a part of hifp_pay, before the totals' deductibles, which come last there)
TOTALS_ORDER = {f: i for i, f in enumerate(("ordinary_dedc", "special_dedc", "ordinary_pay", "chronic_pay",
                                            "inpatient_pay"))}
TOTALS_ITEM = "年度累计"  # a year's totals' item: "2023年度累计"


def root_mismatch(mismatches: list[dict]) -> dict | None:
    """The mismatch that comes first in the reference's computation: the earliest settlement that differs, and
    within it the first-computed field (`FIELD_ORDER`: a deductible before the fund payment it changes, a chronic
    part before the ordinary part its cap leaves). A later visit's figure that differs because an earlier one's
    did (a deductible not counted on V1 charged again on V2, a chronic cap paid short on V1 moving V2's overflow)
    is no root of its own (probe s22 E, F3). A year's totals (item "2023年度累计") are counted from the settlements,
    so they come after every settlement; where only they differ, in the order they are counted (`TOTALS_ORDER`): a
    year's deductible total before its payment total, as the report's rule says (probe s21 X finding 1)."""
    if not mismatches:
        return None
    items: list[str] = []
    for m in mismatches:
        if m.get("item", "") not in items:
            items.append(m.get("item", ""))
    if all(str(m.get("item", "")).endswith(TOTALS_ITEM) and m.get("field") in TOTALS_ORDER for m in mismatches):
        return min(mismatches, key=lambda m: (TOTALS_ORDER[m["field"]], items.index(m.get("item", ""))))

    def when(m: dict) -> tuple[bool, int]:  # the settlements in the order they were made, a year's totals after
        item = m.get("item", "")
        return str(item).endswith(TOTALS_ITEM), items.index(item)

    # within a settlement a part of the fund payment (ordinary_pay, chronic_pay, inpatient_pay) comes before the sum
    # it is part of (FIELD_ORDER): a split visit V2 paying chronic_pay 2000.00 for 2000.01 (hifp_pay 2000.00 for
    # 2000.01) is the root, not V3's ordinary_pay 0.59 for 0.60 that follows from it (probe s21 X, rounding_truncate)
    return min(mismatches, key=lambda m: (*when(m), FIELD_ORDER.get(m["field"], len(FIELD_ORDER))))


A_ID = re.compile(r"A-[A-Z0-9]+(?:-[A-Z0-9]+)*")


@lru_cache(maxsize=None)
def _cites(policy: str) -> dict[str, str]:
    """A document's citations as traces write them (攀枝花 第七条) → article tags (panzhihua-7)."""
    from conform.reference.policy import POLICY_IDS, load_policy

    if policy not in POLICY_IDS:
        return {}
    p = load_policy(policy)
    return {p.cite(a): f"{policy}-{a}" for a in p.articles}


def articles_in(text: str, policy: str) -> str:
    """The document's articles a free text (a refusal's reason) mentions, as one clause: "攀枝花 第七条；…"."""
    return "；".join(c for c in _cites(policy) if c in text)


def failed_clause(tags: list[str], policy: str) -> str:
    """The articles a check fails as one clause (panzhihua-7, panzhihua-A-REVERSAL → "攀枝花 第七条；A-REVERSAL"): a
    cause's 依据 where the reference's trace holds no step of the failing figure (a property's year-to-date
    total, which it blames by its field), so that its clause is what its checks fail, not blank (rmut4 D4)."""
    back = {tag: cite for cite, tag in _cites(policy).items()}
    parts = [back.get(t) or t.removeprefix(f"{policy}-") for t in tags
             if t in back or A_ID.fullmatch(t.removeprefix(f"{policy}-"))]
    return "；".join(dict.fromkeys(parts))


def cited(clause: str, policy: str) -> tuple[list[str], list[str]]:
    """(article tags, assumption ids) a trace step's clause cites, each once: "攀枝花 第七条；A-PZH-UNRATED"
    → ([panzhihua-7], [A-PZH-UNRATED]). Another document's article or a platform convention is neither."""
    tags: list[str] = []
    named: list[str] = []
    cites = _cites(policy)
    for part in (clause or "").split("；"):
        part = part.strip()
        tag = cites.get(part)
        if tag and tag not in tags:
            tags.append(tag)
        for a in A_ID.findall(part):
            if a not in named:
                named.append(a)
    return tags, named


@lru_cache(maxsize=None)
def _ordinary_cites(policy: str) -> tuple[str, frozenset[str]]:
    """(the clause sending a chronic visit's rest on to ordinary pooling, where the document does: 攀枝花 第十一条,
    吉林 六（三）；A-JL-CHRONIC-OVERFLOW; the articles of ordinary pooling's figures and of what a region must supply for
    them: 攀枝花 第七条). From the policy file's parameters and requirements (keys chronic.overflow_to_ordinary,
    ordinary.*), never listed here."""
    from conform.reference.policy import POLICY_IDS, load_policy

    if policy not in POLICY_IDS:
        return "", frozenset()
    p = load_policy(policy)
    overflow = p.params.get("chronic.overflow_to_ordinary")
    sending = overflow.cite if overflow is not None and overflow.value not in (False, "false", "0", 0, None) else ""
    ordinary = {c.strip() for x in [*(v for k, v in p.params.items() if k.startswith("ordinary.")),
                                    *(r for r in p.requirements if r.pattern.startswith("ordinary."))]
                for c in str(x.cite).split("；") if c.strip() and not A_ID.fullmatch(c.strip())}
    return sending, frozenset(ordinary)


def _refused_only_past_the_cap(m: dict, clauses: list[str], policy: str, evidence: Any) -> str:
    """The clause sending a chronic visit's rest on to ordinary pooling (`_ordinary_cites`), where the reference
    refuses a settlement for what only ordinary pooling needs (its refusal cites ordinary pooling's articles alone: an
    unfiled remote ratio, a flexible worker's tier, 攀枝花 第七条) and the system settled it as a chronic visit paying
    nothing as ordinary pooling (its answer: chronic_pay above 0.00, ordinary_pay 0.00): the reference needed that
    figure only for the part past the chronic cap, which the system never sent on — the overflow article's failure,
    not ordinary pooling's, whose figure the system never reached (probe s22 E, F2). "" otherwise."""
    if "拒绝" not in str(m.get("expected", "")) or "拒绝" in str(m.get("actual", "")) or not evidence:
        return ""
    sending, ordinary = _ordinary_cites(policy)
    cited_articles = {c.strip() for cl in clauses for c in cl.split("；") if c.strip() and not A_ID.fullmatch(c.strip())}
    if not sending or not ordinary or not cited_articles or not cited_articles <= ordinary:
        return ""
    item = str(m.get("item", ""))
    system = figures(evidence, item)[0] or _only_settlement(evidence, item)
    chronic, paid = _figure(system.get("chronic_pay")), _figure(system.get("ordinary_pay"))
    return sending if chronic is not None and chronic > 0 and paid == 0 else ""


def blame(mismatches: list[dict], traces: dict[str, list[dict]], policy: str,
          evidence: Any = None) -> tuple[list[str], list[str]]:
    """(article tags, assumption ids) that the failing figure rests on, from the reference's trace: the
    clause of the step computing the root field (`root_mismatch`: at the earliest settlement that differs, the
    first computed of its fields that differ), at the root settlement only: a later visit's figure
    that differs because the root's did (a deductible not counted on V1 is charged on V2) is no article of
    its own. Where no step of the root's trace computes the figure, the clauses of its whole trace (`_step`).
    A refusal (infcode) of a settlement the rules pay blames
    every article of that settlement's trace (the readings it uses are not what was refused); a reversal's (2208,
    `is_reversal`) rests on A-REVERSAL alone, the reading, no article speaking of reversals. `traces` maps a
    mismatch's item (its settlement) to the trace, "" to the check's own. `evidence`: the check's, read as `_step` reads it for the cause, so that the
    articles a check fails (matrix, JUnit) are the ones its cause's step cites. Nothing known: ([], [])."""
    root = root_mismatch(mismatches)
    if root is None:
        return [], []
    tags: list[str] = []
    named: list[str] = []
    for m in mismatches:
        if m["field"] != root["field"] or m.get("item", "") != root.get("item", ""):
            continue
        trace = traces.get(m.get("item", "")) or traces.get("") or []
        if is_reversal(m):  # no article speaks of a 2208: the reading alone (A-REVERSAL), as a figure's is named
            named += [x for x in cited(_step(m, trace)[1], policy)[1] if x not in named]
            continue
        if m["field"] == "infcode":  # the settlement's articles: its account's part follows from it, refused or not
            clauses = [str(t.get("clause", "")) for t in trace if not _named(t, ACCOUNT_STEPS)]
            unsent = _refused_only_past_the_cap(m, clauses, policy, evidence)
            if unsent:
                clauses = [unsent]
        else:
            clauses = [_step(m, trace, evidence, mismatches)[1]] if trace else []
        for clause in clauses:
            a, n = cited(clause, policy)
            tags += [t for t in a if t not in tags]
            if m["field"] != "infcode":  # a refusal is of the whole settlement, not of each reading it uses
                named += [x for x in n if x not in named]
    return tags, named


def normalised(message: str) -> str:
    """A message with its figures and ids taken out, so one defect's refusals group as one cause
    ("本次统筹支付60.00元超过…" and "…55.00元…" alike)."""
    text = re.sub(r"[A-Za-z_-]*\d[A-Za-z0-9_.,-]*", "#", message)
    return re.sub(r"#(?:\s*#)+", "#", text)


def clause_text(clauses: list[dict]) -> str:
    """One line of the clauses per document: a cause spanning documents computes its step under each
    document's own article (攀枝花 第七条, 吉林 二（二）), so no one document's clause stands for all.
    A document whose clause does not name it (an assumption alone) is named before it."""
    if len(clauses) == 1:
        return clauses[0]["clause"]
    shown = []
    for c in clauses:
        short = c["document"].split("（")[0]
        shown.append(c["clause"] if not short or c["clause"].startswith(short) else f"{c['document']}：{c['clause']}")
    return " / ".join(shown)


def _shared(doc: dict) -> list[str]:
    """A document's clause parts in a cause: every article its checks' step cites, and an assumption (A-…)
    only when all of them cite it — a reading one check's trace names is that check's, not the cause's."""
    return [part for part, n in doc["parts"].items() if n == doc["checks"] or not A_ID.fullmatch(part.strip())]


@lru_cache(maxsize=None)
def _labels() -> dict[str, str]:
    from ..properties.base import LABELS

    return dict(LABELS)


def field_label(field: str) -> str:
    """A field's Chinese name where its checks gave none (a scenario's month credit, `amount`: 个人账户计入), as the
    properties name it, else its step's: a cause never reads "amount（amount）" (rvendor s11 D7)."""
    return _labels().get(field) or FIELD_STEPS.get(field) or field


def _extent(cause: dict) -> str:
    """"95 项检查、12 个场景文件": scenario files (a policy document is a 文件 everywhere else in the
    reports), and the checks that are properties, which have none ("1 项属性检查" when they all are); the checks
    some of which rest on a reading say so beside the checks, not after the files (其中 1 项检查依据假设 …)."""
    props = cause["property_checks"]
    some = [f"{n} 项检查依据假设 {a}" for a, n in cause["assumption_counts"].items() if n != cause["count"]]
    if props and props == cause["count"]:
        text = f"{cause['count']} 项属性检查"
        inner = []
    else:
        text = f"{cause['count']} 项检查"
        inner = [f"{props} 项为属性检查"] if props else []
    inner += some
    if inner:
        text += f"（其中 {'，'.join(inner)}）"
    if cause["files"]:
        text += f"、{len(cause['files'])} 个场景文件"
    return text


def _resting(cause: dict) -> str:
    """The readings all its checks rest on (所依据的假设); those of some are in `_extent` (其中 1 项检查依据假设 …)."""
    everyone = [a for a, n in cause["assumption_counts"].items() if n == cause["count"]]
    return f"（所依据的假设 rests on: {'、'.join(everyone)}）" if everyone else ""


def _headline_en(cause: dict, shown: list[str]) -> str:
    """The headline in English, beside the Chinese one (terminal, HTML), as every other label of the reports."""
    n, props, files = cause["count"], cause["property_checks"], len(cause["files"])
    checks = f"{n} check{'s' if n != 1 else ''}"
    if props and props == n:
        checks = f"{n} property check{'s' if n != 1 else ''}"
    inner = [f"{props} of them propert{'ies' if props != 1 else 'y'}"] if props and props != n else []
    inner += [f"{k} rest{'s' if k == 1 else ''} on the reading {a}"
              for a, k in cause["assumption_counts"].items() if k != n]
    if inner:
        checks += f" ({'; '.join(inner)})"
    if files:
        checks += f", {files} scenario file{'s' if files != 1 else ''}"
    everyone = [a for a, k in cause["assumption_counts"].items() if k == n]
    if everyone:
        checks += f" (resting on {', '.join(everyone)})"
    if cause["field"]:
        what = ", ".join(shown)
        return f"{what} differ{'s' if len(shown) == 1 else ''} at the step “{cause['step']}”: {checks}"
    return f"{NO_FIELD_EN.get(cause['status'], cause['status'])}: {checks}"


def _article_links(tags: list[str], labels: dict[str, str], docs: dict[str, str]) -> list[dict]:
    """A cause's article links, each {tag, label, documents}: the articles, then each reading (A-…) once
    (probe s23 K F3). Each label names the row its tag is: a reading several documents name links each
    document's row from `documents` ([{tag, document}]), its label then plain text (probe s24 S F1: the labels
    were zipped by index with the tags and named other rows)."""
    links: list[dict] = []
    readings: dict[str, dict] = {}
    for tag in tags:
        label = labels.get(tag, tag)
        if not A_ID.search(tag):
            links.append({"tag": tag, "label": label, "documents": []})
            continue
        link = readings.setdefault(label, {"tag": tag, "label": label, "documents": []})
        pid = tag.partition("-")[0]
        link["documents"].append({"tag": tag, "document": docs.get(pid, pid)})
    for link in readings.values():
        if len(link["documents"]) == 1:
            link["documents"] = []  # one document's reading: the label links its row
        links.append(link)
    return links


# the one cause all of a run's connection-level errors are, when they differ (group): the first one said after it
STOPPED = "被测系统出错（连接失败）：无法连接或停止应答 unreachable or stopped answering；首次 first: "


def group(checks: list[dict], labels: dict[str, str]) -> list[dict]:
    """The causes, largest first: {field, fields, label, step, clause, clauses, articles, assumptions,
    assumption_counts, checks, count, files, property_checks, documents, representative, headline}.
    Checks are grouped by the step of the working at which their root field differs, whatever that field (one
    wrong ratio fails the ratio where a scenario compares it and the payment where one compares that alone):
    `fields` lists the root fields of its checks, `field` is the first of them the working computes (a part of
    the fund payment, ordinary_pay, counted as the sum, hifp_pay, `SUM_OF`), and the headline names each.
    `assumptions`: the named readings (A-…) some of its checks' failing figures rest on, and
    `assumption_counts` how many checks rest on each: one check's reading is not the cause's (the headline
    says 其中 1 项依据假设 …). `clauses` lists the step's clause per document ([{document, clause}], the
    clauses of its checks, each once, an assumption only when every check of that document cites it);
    `clause` is them in one line. `files`: its scenario files (.feature); `property_checks`: how many of
    its checks are properties (no scenario file). `labels` maps an article tag to its Chinese name.
    `article_links`: the links to the article matrix (_article_links); `article_labels` their labels, in order."""
    causes: dict[tuple[str, str, str], dict[str, Any]] = {}
    connection = re.compile(r"被测系统出错（连接失败）：|system under test error \(connection\): ")
    docs = {str(c["policy"]): str(c["document"]) for c in checks if c.get("policy") and c.get("document")}
    for c in checks:
        if c["status"] in ("passed", "not_applicable", "skipped"):
            continue
        field, step, clause = _root(c)
        if field and not clause and field not in ("infcode", "err_msg"):
            clause = failed_clause(c.get("failed_articles") or [], str(c.get("policy") or ""))
        first, said = "", None
        if not field:
            first = cause_message(c.get("message") or "")  # cut at a word or figure, never "655.36" → "655."
            step = NO_FIELD.get(c["status"], c.get("status_label", c["status"]))
            # one defect's messages differ by their figures and ids: grouped without them, one example kept
            key = (c["status"], "", step + (f"\0{normalised(first)}" if c["status"] != "failed" else ""))
            said = connection.match(c.get("message") or "") if c["status"] == "error" else None
            if said:
                # refused, dropped mid-answer, unreachable: whatever the operation or socket error, one outage
                # is one cause (probe s24 S F5); each check keeps its own message, the headline the first's
                key = ("error", "", f"{step}\0connection")
                seen = causes[key]["_said"] if key in causes else set()
                seen.add(normalised(first))
                if len(seen) > 1:
                    first = cause_message(STOPPED + causes[key]["_first"])
        else:
            # one step of the working, one cause, whatever field its checks compare there: a scenario comparing
            # 支付比例 and one comparing 统筹基金支付 alone, both wrong at 支付比例 (a 二级 ratio of 55% for 60%), are one
            # defect (rvendor s11 D7), as are a part of a sum and the sum (rclose9 D4)
            key = ("failed", "", step)
        label = next((m.get("label") for m in c["mismatches"] if m["field"] == field and m.get("label")), "")
        cause = causes.get(key)
        if cause is None:
            cause = causes[key] = {"field": field, "label": label or "", "step": step, "clause": "",
                                   "clauses": [], "message": first,
                                   "status": key[0], "articles": [], "checks": [], "files": [], "documents": [],
                                   "representative": c["id"], "_by_doc": {}, "assumption_counts": {},
                                   "property_checks": 0, "_fields": {}}
        if said:
            cause.setdefault("_said", seen)
            cause.setdefault("_first", (c.get("message") or "")[said.end():])
            if len(seen) > 1:
                cause["message"] = first
        if field and (field not in cause["_fields"] or not cause["_fields"][field]):
            cause["_fields"][field] = label or ""
        cause["checks"].append(c["id"])
        relied = (c.get("extra") or {}).get("rests_on") or ()
        for a in dict.fromkeys(relied):  # the named readings of a silent text this check's failing figure rests on
            cause["assumption_counts"][a] = cause["assumption_counts"].get(a, 0) + 1
        doc = cause["_by_doc"].setdefault(c.get("document") or "", {"checks": 0, "parts": {}})
        doc["checks"] += 1
        for part in dict.fromkeys(clause.split("；") if clause else ()):
            if part:  # how many of this document's checks cite it: an assumption must be cited by all
                doc["parts"][part] = doc["parts"].get(part, 0) + 1
        for tag in c.get("failed_articles") or c["articles"]:
            if tag not in cause["articles"]:
                cause["articles"].append(tag)
        where = c.get("path") or ""
        if c.get("kind") == "property":
            cause["property_checks"] += 1
        elif where.endswith(".feature") and where not in cause["files"]:
            cause["files"].append(where)
        if c.get("document") and c["document"] not in cause["documents"]:
            cause["documents"].append(c["document"])
    out = []
    for key, cause in causes.items():
        cause.pop("_said", None)
        cause.pop("_first", None)
        fields = cause.pop("_fields")
        cause["fields"] = list(fields)
        # the fields that differ at its step, each once, in the order the working computes them: the fund payment
        # and its parts as the sum (the parts are in `fields`; two parts without the sum read as the sum too), a part
        # alone as itself (a year's ordinary_pay total is no settlement's hifp_pay)
        family = [f for f in fields if f in SUM_OF or f in SUM_PARTS]
        shown = sorted(dict.fromkeys(SUM_OF.get(f, f) if len(family) > 1 else f for f in fields),
                       key=lambda f: FIELD_ORDER.get(f, len(FIELD_ORDER)))
        names = {f: fields.get(f) or field_label(f) for f in shown}
        if shown:
            cause["field"] = shown[0]
            cause["label"] = names[shown[0]]
        cause["clauses"] = [{"document": name, "clause": "；".join(_shared(doc))}
                            for name, doc in cause.pop("_by_doc").items() if _shared(doc)]
        cause["clause"] = clause_text(cause["clauses"])
        cause["count"] = len(cause["checks"])
        cause["assumptions"] = list(cause["assumption_counts"])
        # the articles, then each reading once: a reading every document names (A-REVERSAL) is one label, not one a
        # document interleaved with the articles (probe s23 K F3)
        cause["article_links"] = _article_links(cause["articles"], labels, docs)
        cause["article_labels"] = [link["label"] for link in cause["article_links"]]
        what = ("、".join(f"{names[f]}（{f}）" for f in shown) if cause["field"]
                else cause["message"] if cause["message"].startswith(cause["step"])
                else cause["step"] + (f"（{cause['message']}）" if cause["message"] else ""))
        at = f"在“{cause['step']}”一步不符" if cause["field"] else ""
        cause["headline"] = f"{what}{at}：{_extent(cause)}{_resting(cause)}"
        cause["headline_en"] = _headline_en(cause, shown)
        out.append(cause)
    out.sort(key=lambda c: (not c["field"], c["status"] != "failed", -c["count"], c["field"], c["step"]))
    for i, cause in enumerate(out, 1):
        cause["id"] = f"cause-{i}"
    return out
