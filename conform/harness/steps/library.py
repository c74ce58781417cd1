"""Every step phrase of the zh-CN features, one phrase per concept.

Loaded as a pytest plugin (`-p conform.harness.steps.library`). Amounts
are parsed to Decimal; Chinese words map to platform codes in `vocabulary`.
docs/steps.md lists the phrases with an example each.
"""
from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import Any, Callable

import pytest
from pytest_bdd import given, parsers, when
from pytest_bdd import then as bdd_then

from conform.reference.case import parse_date
from conform.reference.money import fmt
from conform.reference.policy import PolicyError, bind, bind_cached, load_policy

from ..adapters import SettlementRefused, takes_use_date
from ..adapters.base import BALANCE_UNASKED, UseDateNotApplicable
from ..plugin import MismatchError, note, run_note
from ..report.causes import A_ID, FIELD_STEPS, articles_in
from ..results import Mismatch
from .vocabulary import (DECISION_NAMES, DISEASE_KIND_NAMES, EXCLUSION_NAMES, FACILITY_NAMES, MED_TYPE_NAMES,
                         PERSON_TYPES, POLICY_NAMES, PURPOSE_NAMES, RELATION_NAMES, SETTLEMENT_FIELDS,
                         VISIT_COLUMNS, YTD_DISEASE_FIELDS, YTD_FIELDS, amount, lookup, ratio)
from .world import ScenarioError, UnaskedBalance, World, validity_refusal

# A repeated 2207 of a settled visit (A-SETTLE-ONCE) has its steps in a plugin of its own, loaded with this one.
pytest_plugins = ["conform.harness.steps.repeat"]

AMT = r"-?\d+(?:\.\d{1,2})?"


def then(matcher: Any) -> Callable:
    """pytest-bdd's `then`, each 那么 step judged first on the reference's answers (`World.judge`): in a run certifying
    a region, a scenario written under other figures runs under it and is not applicable from the first step whose
    written figure that region does not give. The one place every comparison with a written figure passes through."""
    def register(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def step(**kwargs: Any) -> Any:
            world = kwargs.get("world")
            if isinstance(world, World):
                world.judge(fn, kwargs)
            return fn(**kwargs)
        bdd_then(matcher, stacklevel=2)(step)
        return fn
    return register


@pytest.fixture
def world(adapter) -> World:
    return World(adapter)


# =========================================================================== 假如: rules and person


@given(parsers.parse('适用政策 "{name}"'))
def given_policy(world: World, name: str) -> None:
    world.policy = lookup(POLICY_NAMES, name, "policy")


@given(parsers.parse('地区配置 "{region}"'))
def given_region(world: World, region: str) -> None:
    world.region = region


@given(parsers.parse('地区参数 "{key}" 为 "{value}"'))
def given_param(world: World, key: str, value: str) -> None:
    world.params[key] = value


@given(parsers.parse('参保人 "{psn_no}" 为 "{kind}"'))
def given_person(world: World, psn_no: str, kind: str) -> None:
    world.set_person(psn_no=psn_no, psn_type=lookup(PERSON_TYPES, kind, "person type"))


@given(parsers.parse('参保人出生日期为 "{date}"'))
def given_birth(world: World, date: str) -> None:
    world.set_person(birth_date=date)


@given(parsers.re(r'参保人为 "(?P<tier>一档|二档)" 灵活就业人员'))
def given_flex_tier(world: World, tier: str) -> None:
    world.set_person(flex_tier=1 if tier == "一档" else 2)


@given("参保人未建立个人账户")
def given_no_account(world: World) -> None:
    world.set_person(has_account=False)


@given(parsers.parse('参保人于 "{date}" 退休'))
def given_retired(world: World, date: str) -> None:
    world.set_person(retire_date=date)


@given(parsers.parse('参保人待遇享受期为 "{begin}" 至 "{end}"'))
def given_benefit_period(world: World, begin: str, end: str) -> None:
    world.set_person(benefit_period={"begin": begin, "end": end})


@given("参保人已办理异地备案")
def given_remote_filing(world: World) -> None:
    world.set_person(remote_filing=True)


@given(parsers.re(rf"参保人个人账户余额为 (?P<amt>{AMT}) 元"))
def given_balance(world: World, amt: str) -> None:
    world.set_person(acct_balance=fmt(amount(amt)))


@given(parsers.re(r'参保人登记(?P<kind>慢性病|门诊慢特病|慢特病|特殊疾病|门诊特殊疾病|两病)病种 "(?P<code>[^"]+)"'))
def given_disease(world: World, kind: str, code: str) -> None:
    world.add_to_person_list("chronic_diseases", {"dise_codg": code, "kind": DISEASE_KIND_NAMES[kind]})


@given(parsers.parse('参保人于 "{begin}" 至 "{end}" 住院'))
def given_hospital_stay(world: World, begin: str, end: str) -> None:
    world.add_to_person_list("hospital_stays", {"begin": begin, "end": end})


@given(parsers.re(rf"参保人 (?P<year>\d{{4}}) 年度此前已累计(?P<label>{'|'.join([*YTD_FIELDS, *YTD_DISEASE_FIELDS])})"
                  rf'(?:（病种 "(?P<dise>[^"]+)"）)? (?P<amt>{AMT}) 元'))
def given_ytd(world: World, year: str, label: str, amt: str, dise: str | None = None) -> None:
    """An opening year-to-date total; a chronic one (YTD_DISEASE_FIELDS) names its disease code:
    参保人 2023 年度此前已累计慢特病统筹支付（病种 "M00100"） 2700.00 元 → ytd.chronic_pay {"M00100": "2700.00"}."""
    ytd = dict(world.person.get("ytd") or {"year": int(year)})
    if int(ytd["year"]) != int(year):
        raise ScenarioError(f"year-to-date totals for one year only; already given for {ytd['year']}")
    if label in YTD_DISEASE_FIELDS:
        if not dise:
            raise ScenarioError(f'{label} is counted per disease: write 已累计{label}（病种 "…"） … 元')
        name = YTD_DISEASE_FIELDS[label]
        ytd[name] = {**ytd.get(name, {}), dise: fmt(amount(amt))}
    elif dise:
        raise ScenarioError(f"{label} is not counted per disease: drop （病种 \"{dise}\"）")
    else:
        ytd[YTD_FIELDS[label]] = fmt(amount(amt))
    world.set_person(ytd=ytd)


# =========================================================================== 当: settlements

_VISIT = re.compile(
    rf'参保人于 "(?P<date>[^"]+)" 在 "(?P<facility>[^"]+)" (?P<med>{"|".join(MED_TYPE_NAMES)})'
    rf'(?:（病种 "(?P<dise>[^"]+)"）)?(?P<mode>预结算|结算)医疗费用 (?P<total>{AMT}) 元'
    rf"(?:，其中(?P<parts>[^（]*?))?(?:（(?P<flags>[^）]+)）)?$"
)
_PART = re.compile(rf"(?P<label>全自费|超限价|先行自付) (?P<amt>{AMT}) 元")


def _visit_fields(m: dict) -> dict:
    fields: dict = {"date": m["date"], "facility": lookup(FACILITY_NAMES, m["facility"], "facility"),
                    "med_type": MED_TYPE_NAMES[m["med"]], "medfee_sumamt": fmt(amount(m["total"]))}
    if m.get("dise"):
        fields["dise_codg"] = m["dise"]
    if m.get("parts"):
        found = {p["label"]: p["amt"] for p in _PART.finditer(m["parts"])}
        if not found:
            raise ScenarioError(f"cannot read the parts {m['parts']!r}; write e.g. 全自费 50.00 元、超限价 0.00 元、先行自付 20.00 元")
        names = {"全自费": "fulamt_ownpay_amt", "超限价": "overlmt_selfpay", "先行自付": "preselfpay_amt"}
        for label, amt in found.items():
            fields[names[label]] = fmt(amount(amt))
    for flag in filter(None, re.split(r"[，、,]", m.get("flags") or "")):
        flag = flag.strip()
        if flag == "异地就医":
            fields["remote"] = True
        elif flag == "不使用个人账户":
            fields["acct_used_flag"] = False
        else:
            fields["exclusion"] = lookup(EXCLUSION_NAMES, flag, "flag (异地就医, 不使用个人账户, or an exclusion)", codes=False)
    return fields


@when(parsers.re(_VISIT.pattern))
def when_visit(world: World, date: str, facility: str, med: str, dise: str | None, mode: str, total: str,
               parts: str | None, flags: str | None) -> None:
    m = {"date": date, "facility": facility, "med": med, "dise": dise, "total": total, "parts": parts, "flags": flags}
    world.settle(_visit_fields(m), presettle=mode == "预结算")


@when(parsers.re(_VISIT.pattern.replace("(?P<mode>预结算|结算)", "(?P<mode>结算)").replace("参保人于", "参保人尝试于")))
def when_visit_may_be_refused(world: World, date: str, facility: str, med: str, dise: str | None, mode: str,
                              total: str, parts: str | None, flags: str | None) -> None:
    """A settlement the scenario expects may be refused (then 那么 结算被拒绝), or one a text lets the system
    either refuse or settle (then 那么 结算 "V1" 被拒绝的／未被拒绝的，各次结算结果为：, `then_table_if`)."""
    m = {"date": date, "facility": facility, "med": med, "dise": dise, "total": total, "parts": parts, "flags": flags}
    world.settle(_visit_fields(m), expect_refusal=True)


def _table(datatable: list[list[str]], columns: dict[str, str]) -> list[dict[str, str]]:
    header = [h.strip() for h in datatable[0]]
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise ScenarioError(f"unknown column(s) {', '.join(unknown)}; known: {', '.join(columns)}")
    return [{columns[h]: c.strip() for h, c in zip(header, row) if c.strip() != ""} for row in datatable[1:]]


@when("依次结算以下就诊：")
def when_visits(world: World, datatable: list[list[str]]) -> None:
    for row in _table(datatable, VISIT_COLUMNS):
        op = row.pop("op", "结算")
        if op == "撤销":
            world.reverse(row["id"])
            continue
        fields: dict = {"date": row["date"], "facility": lookup(FACILITY_NAMES, row["facility"], "facility"),
                        "med_type": lookup(MED_TYPE_NAMES, row.get("med_type", "普通门诊"), "med_type"),
                        "medfee_sumamt": fmt(amount(row["medfee_sumamt"]))}
        if "id" in row:
            fields["id"] = row["id"]
            world.counter += 1
        for k in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt"):
            if k in row:
                fields[k] = fmt(amount(row[k]))
        if "dise_codg" in row:
            fields["dise_codg"] = row["dise_codg"]
        if row.get("remote") in ("是", "异地"):
            fields["remote"] = True
        if "exclusion" in row:
            fields["exclusion"] = lookup(EXCLUSION_NAMES, row["exclusion"], "exclusion", codes=False)
        world.settle(fields, presettle=op == "预结算")


@when(parsers.parse('撤销结算 "{setl_id}"'))
def when_reverse(world: World, setl_id: str) -> None:
    world.reverse(setl_id)


@when(parsers.parse('尝试撤销结算 "{setl_id}"'))
def when_reverse_may_be_refused(world: World, setl_id: str) -> None:
    """A reversal the scenario expects refused (then 那么 结算被拒绝): a second 2208 of a settlement already
    reversed. It moves nothing: the year's totals and the balance checked after it are those after the first."""
    world.reverse(setl_id, expect_refusal=True)


# =========================================================================== 那么: settlement figures

_FIELD_RE = "|".join(k for k in SETTLEMENT_FIELDS if k != "支付比例")


@then(parsers.re(rf'(?:结算 "(?P<sid>[^"]+)" 的)?(?P<label>{_FIELD_RE})为 (?P<amt>{AMT}) 元'))
def then_field(world: World, label: str, amt: str, sid: str | None = None) -> None:
    world.expect_fields(sid, {SETTLEMENT_FIELDS[label]: amount(amt)})


@then(parsers.re(r'(?:结算 "(?P<sid>[^"]+)" 的)?支付比例为 (?P<pct>\d+(?:\.\d+)?%)'))
def then_ratio(world: World, pct: str, sid: str | None = None) -> None:
    world.expect_fields(sid, {"pool_prop_selfpay": ratio(pct)})


@then(parsers.re(r'结算 "(?P<sid>[^"]+)" 的各项金额与其预结算（2206）答复相同'))
def then_as_presettled(world: World, sid: str) -> None:
    """The 2207 of a visit answers every figure its 2206 answered (`World.expect_as_presettled`): a pre-settlement
    of the very same request, whatever the rules pay, so a failure here rests on no reading."""
    world.expect_as_presettled(sid)


@then("各次结算结果为：")
def then_table(world: World, datatable: list[list[str]]) -> None:
    columns = {"编号": "id", **SETTLEMENT_FIELDS}
    errors: list[Mismatch] = []
    trace: list[dict] = []
    traces: dict[str, list[dict]] = {}  # each settlement's own trace: a failing row is blamed on its own clause
    for row in _table(datatable, columns):
        sid = row.pop("id", None)
        if sid is None:
            raise ScenarioError("the results table needs a 编号 column")
        expected = {k: (ratio(v) if k == "pool_prop_selfpay" else amount(v)) for k, v in row.items()}
        try:
            world.expect_fields(sid, expected)
        except MismatchError as e:
            errors.extend(e.mismatches)
            trace = trace or e.trace
            for m in e.mismatches:
                traces.setdefault(m.item, e.traces.get(m.item, e.trace))
    if errors:
        raise MismatchError(errors, trace, traces)


@then(parsers.re(r'结算 "(?P<sid>[^"]+)" (?P<branch>被拒绝|未被拒绝)的，各次结算结果为：'))
def then_table_if(world: World, request: pytest.FixtureRequest, sid: str, branch: str,
                  datatable: list[list[str]]) -> None:
    """Figures under one of two lawful answers to a settlement asked with 参保人尝试于 … (`World.refused`): the
    table is judged only when the system gave that answer. For a text allowing both (吉林 三: an unfiled remote
    visit 不能联网结算 and is settled by the 参保地 agency on receipts, which a 2207 cannot be told from), the
    scenario writes each branch's figures; a refusal is noted, never failed for itself."""
    if sid not in world.settlements:
        raise ScenarioError(f"no settlement {sid!r}; a branch on its refusal follows 参保人尝试于 …")
    refused = sid in world.refused
    if refused and branch == "未被拒绝":
        shown = " ".join(world.refused[sid].split())[:120]
        note(request, f"被测系统拒绝了结算 {sid}（“{shown}”），场景允许拒绝，其结算金额不作判定 the system refused {sid}, "
                      "which the scenario allows: the figures of a settlement are not judged")
    if refused == (branch == "被拒绝"):
        then_table(world, datatable)


def _wording(request: pytest.FixtureRequest, reason: str | None, said: str, what: str) -> None:
    """`原因包含 "…"`: what the reference's refusal mentions (the article, the missing parameter, conform's own
    key such as chronic.M009). No text prescribes what a refusal says, so the refusal (infcode ≠ 0) is what is
    checked: an err_msg in the system's own words passes, and the check's note says what the reference's
    refusal mentions and that the wording is not judged."""
    if reason and reason not in said:
        shown = " ".join(said.split())
        shown = shown if len(shown) <= 120 else shown[:120] + "…"
        note(request, f"{what}被拒绝，符合预期；参考实现的拒绝原因提及“{reason}”，被测系统的拒绝原因（err_msg）未提及："
                      f"“{shown}”。文件未规定拒绝原因的措辞，不作判定 refused as expected; the reference's refusal "
                      f"mentions “{reason}”, the system's err_msg does not — no text prescribes the wording of a "
                      "refusal, so it is not judged")
        run_note(request, WORDING_NOTE)


WORDING_NOTE = ("拒绝原因的措辞不作判定 refusal wording not judged：有的检查期望拒绝，被测系统拒绝了，但拒绝原因（err_msg）"
                "未提及参考实现的拒绝原因所提及的条款或参数；文件未规定拒绝原因的措辞，这些检查按拒绝本身判为通过，"
                "各检查的说明见 JSON 和 xlsx 报告 — refusals whose err_msg does not mention what the reference's does "
                "passed on the refusal itself; each such check's note is in the JSON and xlsx reports")


@then(parsers.re(r'结算被拒绝(?:，原因包含 "(?P<reason>[^"]+)")?'))
def then_refused(world: World, request: pytest.FixtureRequest, reason: str | None = None) -> None:
    """The settlement refused (infcode ≠ 0); the reason's wording is advisory (`_wording`). A system that
    settles it fails on infcode, and where the reference refuses it only by a named reading (a visit before
    the document takes effect or after it expires: the earlier or later rules are not in the text,
    A-BEFORE-VALIDITY) the failure rests on that reading, not on an article (`World.refusal_readings`) —
    unless the system paid a visit before the start exactly as this document pays on its first day in force:
    then it applied the document early, and fails on the validity article alone (`World.document_figures`)."""
    if world.refusal is None:
        sid = world.last_id or ""
        got = world.results.get(sid, {})
        named, trace = world.refusal_readings(sid, FIELD_STEPS["infcode"], got)
        raise MismatchError([Mismatch("infcode", "拒绝结算", f"结算成功（统筹基金支付 {got.get('hifp_pay', '?')}）",
                                      sid)], trace, readings=named)
    _wording(request, reason, world.refusal.message, "结算")


# A figure the system did not return, as a mismatch's actual: never the Python word "None".
NOT_RETURNED = "(未返回 missing)"


@then(parsers.re(rf"(?P<year>\d{{4}}) 年度累计(?P<label>{'|'.join(YTD_FIELDS)})为 (?P<amt>{AMT}) 元"))
def then_ytd(world: World, year: str, label: str, amt: str) -> None:
    """A year-to-date total. A wrong one fails with the reference's working of that total (`World.ytd_trace`):
    the steps of the year's settlements that added to it and the reversals that took a part out, so that it
    is blamed, and its cause's 依据 given, as a settlement's figure is — on A-REVERSAL where a reversal
    changed the total, on the articles otherwise."""
    out = world.ytd(int(year))
    name = YTD_FIELDS[label]
    want = amount(amt)
    got = out.get(name) if isinstance(out, dict) else None
    try:
        same = got is not None and Decimal(str(got)) == want
    except ArithmeticError:  # not a figure (the system's answer is untrusted): a mismatch showing it
        same = False
    if not same:
        shown = NOT_RETURNED if got is None else str(got)
        raise MismatchError([Mismatch(name, fmt(want), shown, f"{year}年度累计", label)],
                            world.ytd_trace(int(year), name, label))


@then(parsers.re(rf'(?P<year>\d{{4}}) 年度累计(?P<label>{"|".join(YTD_DISEASE_FIELDS)})（病种 "(?P<dise>[^"]+)"）'
                 rf'为 (?P<amt>{AMT}) 元'))
def then_ytd_disease(world: World, year: str, label: str, dise: str, amt: str) -> None:
    """A disease's own year-to-date total (5206 chronic_dedc / chronic_pay, by dise_codg: 南昌 四（二）2 各病种分别设定
    年度限额, 攀枝花 第十条). Optional on 5206: an answer leaving the object out (or null) is not compared, and the
    scenario is not applicable at its end unless another step fails (World.conclude); an object given without the
    disease has counted nothing for it (`{}`: docs/connect-your-system.md §2 5206), so it fails a total above 0.00.
    A wrong total fails with the reference's working of it (`World.disease_ytd_trace`)."""
    out = world.ytd(int(year))
    name = YTD_DISEASE_FIELDS[label]
    want = amount(amt)
    per = out.get(name) if isinstance(out, dict) else None
    if per is None:
        world.unreported_totals.append(f"{year} {name}[{dise}]")
        return
    got = per.get(dise) if isinstance(per, dict) else per
    try:
        same = Decimal(str(got if got is not None else "0.00")) == want
    except ArithmeticError:  # not a figure (the system's answer is untrusted): a mismatch showing it
        same = False
    if not same:
        shown = NOT_RETURNED if got is None else str(got)
        raise MismatchError([Mismatch(name, fmt(want), shown, f"{year}年度累计", f"{label}（病种 {dise}）")],
                            world.disease_ytd_trace(int(year), name, dise, label))


# =========================================================================== personal accounts


@when(parsers.re(rf'为 "(?P<month>\d{{4}}-\d{{2}})" 计入个人账户(?:（(?P<what>缴费基数|个人缴费) (?P<amt>{AMT}) 元）)?'))
def when_credit(world: World, month: str, what: str | None = None, amt: str | None = None) -> None:
    base = amount(amt) if what == "缴费基数" else None
    contribution = amount(amt) if what == "个人缴费" else None
    world.credit(month, base, contribution, expect_refusal=True)


@then(parsers.re(rf'(?:"(?P<month>\d{{4}}-\d{{2}})" )?个人账户计入 (?P<amt>{AMT}) 元'))
def then_credit(world: World, amt: str, month: str | None = None) -> None:
    month = month or world.last_credit
    if month is None or month not in world.credits:
        if world.refusal is not None:
            raise MismatchError([Mismatch("amount", fmt(amount(amt)), f"拒绝：{world.refusal.message}", month or "")],
                                list((world.oracle_credits.get(month or "") or {}).get("trace", [])))
        raise ScenarioError(f"no account credit for {month!r}")
    got = world.credits[month]["amount"]
    if Decimal(str(got)) != amount(amt):
        # the reference's trace (the system's own, when the reference is the system under test)
        oracle = world.oracle_credits.get(month) if world.oracle is not None else world.credits[month]
        raise MismatchError([Mismatch("amount", fmt(amount(amt)), str(got), month, "个人账户计入")],
                            list((oracle or {}).get("trace", [])))


@then(parsers.re(rf'(?:"(?P<month>\d{{4}}-\d{{2}})" )?个人账户计入 (?P<amt>{AMT}) 元，或被拒绝'))
def then_credit_or_refused(world: World, amt: str, month: str | None = None) -> None:
    """Either answer a text leaves open: the amount, or the credit refused (攀枝花 第四条 and a person with no
    account: nothing to credit to, A-PZH-NO-ACCOUNT-CREDIT). Any other amount still fails."""
    if world.refusal is not None and (month or world.last_credit) not in world.credits:
        return
    then_credit(world, amt, month)


@then(parsers.re(r'个人账户计入被拒绝(?:，原因包含 "(?P<reason>[^"]+)")?'))
def then_credit_refused(world: World, request: pytest.FixtureRequest, reason: str | None = None) -> None:
    """The month's credit refused, as `then_refused`: the wording advisory, a credit the reference refuses
    only by a named reading (a month outside the document's validity, A-BEFORE-VALIDITY) resting on it, but
    a month before the start credited as the document credits its first month failing on the validity article."""
    if world.refusal is None:
        month = world.last_credit or ""
        named, trace = world.refusal_readings(month, FIELD_STEPS["amount"], world.credits.get(month))
        raise MismatchError([Mismatch("infcode", "拒绝计入", "计入成功", month)], trace, readings=named)
    _wording(request, reason, world.refusal.message, "个人账户计入")


@when(parsers.re(rf'个人账户(?:于 "(?P<day>[^"]*)" )?为 "(?P<relation>[^"]+)" 支付 "(?P<purpose>[^"]+)"'
                 rf'(?: (?P<amt>{AMT}) 元)?'))
def when_use(world: World, relation: str, purpose: str, amt: str | None = None, day: str | None = None) -> None:
    """One account use, undated or (`个人账户于 "2028-01-01" 为 …`) on the day given. A use outside the
    rules' validity is refused as a credit of that month is; the reference (and so the sample system)
    refuses it as a request (infcode ≠ 0). A refused request is recorded as the decision `refused` with
    its err_msg: `个人账户使用被拒绝` accepts either form, `被允许` fails on it naming the reason."""
    kwargs = {}
    if day is not None:
        try:
            kwargs["date"] = parse_date(day)
        except ValueError as e:
            raise ScenarioError(f'个人账户于 "{day}": {e}') from None
    relation_code = lookup(RELATION_NAMES, relation, "relation")
    purpose_code = lookup(PURPOSE_NAMES, purpose, "purpose")
    world.ensure_person()
    world.adapter.require("check_account_use")
    if kwargs and not takes_use_date(world.adapter):
        raise UseDateNotApplicable(world.adapter.name)
    args = (world.psn_no, relation_code, purpose_code, fmt(amount(amt)) if amt else None)
    try:
        world.last_use = world.adapter.check_account_use(*args, **kwargs)
    except SettlementRefused as e:
        world.last_use = {"decision": "refused", "clause": None, "err_msg": e.message}
    world.oracle_use = None
    if world.oracle is not None:  # the reference's answer: what a wrong decision rests on
        try:
            world.oracle_use = world.oracle.check_account_use(*args, **kwargs)
        except SettlementRefused as e:
            world.oracle_use = {"decision": "refused", "clause": None, "err_msg": e.message,
                                "by_reading": validity_refusal(e)}
    world.use_purpose = purpose_code
    # kept for the balance's working: a balance wrong because of this use is blamed on its clause (World.balance_trace)
    world.record_use({"relation": relation, "purpose": purpose, "code": purpose_code, "amount": args[3],
                      "date": kwargs.get("date")},
                     world.last_use, world.oracle_use)


def _use_basis(world: World) -> tuple[list[dict], list[str]]:
    """(trace, readings) of the reference's decision on the last use: its clause with the reading the use's
    rule rests on (the policy file's `assumption:` on it, `accounts.use_clause`), or the readings its refusal
    gives (a use outside the document's validity, A-BEFORE-VALIDITY). A system deciding otherwise disagrees
    with that reading, and the report says so."""
    from ..properties.accounts import use_clause

    ref = world.oracle_use if world.oracle is not None else world.last_use
    if not ref:
        return [], []
    if "err_msg" in ref:  # refused as a request: outside the validity its reading, else the articles it cites
        said = str(ref["err_msg"])
        clause = ("A-BEFORE-VALIDITY" if ref.get("by_reading")
                  else articles_in(said, world.policy or ""))
        detail = f"参考实现拒绝 the reference refuses: {ref['err_msg']}"
    else:
        try:
            rules = bind_cached(world.policy or "", world.region, world.params or None)
        except Exception:  # noqa: BLE001 - rules that do not bind: the answer's clause alone
            rules = None
        clause = str(ref.get("clause") or "")
        if rules is not None and world.use_purpose:
            clause = use_clause(rules, world.use_purpose, clause, world.person.get("has_account"))
        detail = str(ref.get("reason") or "")
    trace = [{"step": FIELD_STEPS["decision"], "detail": detail, "clause": clause, "value": str(ref.get("decision"))}]
    return trace, list(dict.fromkeys(A_ID.findall(clause)))


def _use_answer(use: dict) -> str:
    """The system's answer as a mismatch shows it: the decision, or the refused request and its reason."""
    if "err_msg" in use:
        return f"拒绝（infcode ≠ 0）：{use['err_msg']}"
    return str(use.get("decision"))


ANSWERS = {"allowed": "允许", "refused": "拒绝", "undetermined": "未作规定"}


@then(parsers.re(r'个人账户使用(?P<decision>被允许|被拒绝|未作规定|有条件允许)(?:，依据 "(?P<clause>[^"]+)")?'
                 r'(?:，限 "(?P<condition>[^"]+)")?'))
def then_use(world: World, request: pytest.FixtureRequest, decision: str, clause: str | None = None,
             condition: str | None = None) -> None:
    """The decision the text makes. Where it makes none (未作规定), a settlement system can only allow or
    refuse: any of the three answers is accepted (anything else fails), and the check says that the text
    does not decide it and what the system answered — a pass of "a permissible answer", not of "the right one".

    `有条件允许，依据 "…"，限 "…"`: the cited clause allows the use on a condition the request cannot carry
    (南昌 四（三）2 备案的商业补充医疗保险, 浙江 二（四）本省, 北京（四）相衔接的本市产品). The text is not
    silent, but whether the condition holds is beyond the request (T003 has the relation, the purpose and the
    amount only): allowing (it holds) and refusing (it cannot be confirmed) are both within the text, so any
    of the three answers passes and the check's note says so. A clause the answer carries must be the cited
    one, as on the other branches: the use is the cited article's either way, the allowance and the refusal
    for want of the condition alike. An answer without a clause is not failed for it: a system refusing for
    want of what the request cannot say may well cite nothing, and the note says that none was given. On the
    other branches `clause` is optional too (openapi UseOutput): an answer without one is not compared on it,
    and the scenario, unless a step fails, is not applicable at its end (its 依据 unchecked, World.conclude).

    A use refused as a request (infcode ≠ 0) is the refusal `被拒绝` expects, and its err_msg must name the
    cited clause, as an answer's `clause` must: the scenario's `依据` tells the reasons apart (浙江 二（三）
    before the account reform, 二（四）out of scope), so a refusal for the wrong one fails in either form
    (rclose7 D4). This is the use's 依据, not a refusal's `原因包含` wording, which stays a note (`_wording`).
    A wrong decision rests on the reading the reference's decision rests on (`_use_basis`)."""
    if world.last_use is None:
        raise ScenarioError("no account use checked yet")
    conditional = decision == "有条件允许"
    if conditional and not (clause and condition):
        raise ScenarioError('个人账户使用有条件允许 needs the clause allowing the use and its condition: '
                            '有条件允许，依据 "…"，限 "…"')
    if condition and not conditional:
        raise ScenarioError(f'，限 "{condition}" names the condition of a use the text allows on it: write '
                            f'个人账户使用有条件允许，依据 "…"，限 "{condition}" (未作规定 is for a text that is silent)')
    want = "undetermined" if conditional else DECISION_NAMES[decision]
    got = world.last_use.get("decision")
    if want == "undetermined":
        if got not in ANSWERS:
            raise MismatchError([Mismatch("decision", "allowed、refused 或 undetermined", str(got), "个人账户使用",
                                          "使用决定")])
        if conditional:
            cited = world.last_use.get("clause")
            if cited not in (None, "") and clause not in str(cited):
                raise MismatchError([Mismatch("clause", clause, str(cited), "个人账户使用", "依据条款")])
            note(request, f"依据 {clause} 在满足“{condition}”的条件下可以使用；请求无法表明是否满足，任何答复均接受："
                          f"被测系统答复“{ANSWERS[got]}”（{got}）"
                          + (f"，依据“{cited}”" if cited not in (None, "") else "，未给出依据条款")
                          + f" — the text ({clause}) allows this use on a condition the request cannot show; "
                          "any answer is accepted")
        else:
            note(request, f"文件未作规定，不作判定 the text does not decide this use: 被测系统答复“{ANSWERS[got]}”"
                          f"（{got}），文件既未列入可用范围也未明令禁止，允许或拒绝均不违反文件")
        return
    errors = []
    if got != want:
        errors.append(Mismatch("decision", want, _use_answer(world.last_use), "个人账户使用", "使用决定"))
    if "err_msg" in world.last_use:  # a refused request: its err_msg must name the 依据, as an answer's clause
        said = str(world.last_use["err_msg"])
        if got == want and clause and clause not in said:
            errors.append(Mismatch("clause", clause, f"拒绝：{' '.join(said.split())[:120]}", "个人账户使用", "依据条款"))
    elif clause and world.last_use.get("clause") in (None, ""):
        # clause is optional (openapi UseOutput: left out or null counts as absent): not compared, and the
        # scenario, unless another step fails, is not applicable at its end (World.conclude), as for an
        # unreported route-split figure: never 通过 without its 依据, never 不合格 for an optional field
        world.unreported_clause = clause
    elif clause and clause not in str(world.last_use["clause"]):
        errors.append(Mismatch("clause", clause, str(world.last_use["clause"]), "个人账户使用", "依据条款"))
    if errors:
        trace, readings = _use_basis(world) if got != want else ([], [])
        raise MismatchError(errors, trace, readings=readings)


@then(parsers.re(rf"个人账户余额为 (?P<amt>{AMT}) 元(?:（使用被拒绝），或为 (?P<alt>{AMT}) 元（以余额为限支付）)?"))
def then_balance(world: World, request: pytest.FixtureRequest, amt: str, alt: str | None = None) -> None:
    """The balance. With an alternative, the last use asked more than the balance and the text is silent on
    such a use: a refusal that leaves `amt`, or a payment up to the balance that leaves `alt`, is accepted;
    any other answer (an overdraft among them) fails.

    Straight after an account use, the use's own answer (T003 `acct_balance`, the balance after it; optional on the
    wire) must give that balance too, where it gives one, as a settlement's `balc` is compared where given: a use
    answering the balance before its debit fails here, on the use's working (`balance_trace`)."""
    last = world.account_events[-1] if world.account_events else None
    use_item = last[1] if last is not None and last[0] == "use" else None
    said = world.last_use.get("acct_balance") if use_item is not None and world.last_use else None
    out = world.ytd(int(world.person.get("ytd", {}).get("year", 2023)))
    got = out.get("acct_balance")
    want = amount(amt)
    if alt is not None:
        if world.last_use is None:
            raise ScenarioError("no account use checked yet")
        decision = world.last_use.get("decision")
        if decision not in ("allowed", "refused"):
            raise MismatchError([Mismatch("decision", "refused 或 allowed（以余额为限）", str(decision), "个人账户使用",
                                          "使用决定")])
        if decision == "allowed":
            want = amount(alt)
        if got is not None and Decimal(str(got)) == want:
            note(request, f"文件未规定超过余额的使用，不作判定 the text is silent on a use over the balance: 被测系统"
                          f"{'拒绝，余额不变' if decision == 'refused' else '以余额为限支付'}，余额 {fmt(want)} 元，未透支")
    errors = []
    if said is not None and not _same_amount(said, want):
        errors.append(Mismatch("acct_balance", fmt(want), str(said), use_item, "使用后个人账户余额（T003 应答）"))
    if got is None and out.get(BALANCE_UNASKED) and not errors:   # never asked (platform without 1101): unjudged
        raise UnaskedBalance(world.adapter.name, str(out[BALANCE_UNASKED]))
    if (got is None and not out.get(BALANCE_UNASKED)) or (got is not None and not _same_amount(got, want)):
        errors.append(Mismatch("acct_balance", fmt(want), NOT_RETURNED if got is None else str(got), "个人账户",
                               "个人账户余额"))
    if errors:
        raise MismatchError(errors, world.balance_trace(want))


def _same_amount(got: object, want: Decimal) -> bool:
    try:
        return Decimal(str(got)) == want
    except ArithmeticError:
        return False


# =========================================================================== region configurations


@when("校验地区配置")
def when_validate_region(world: World) -> None:
    """Check the scenario's region file and parameters against the framework (harness-side)."""
    if world.policy is None:
        raise ScenarioError("no policy")
    try:
        bind(world.policy, world.region, world.params)
        world.region_error = None
    except PolicyError as e:
        world.region_error = str(e)


@then(parsers.re(r'地区配置被拒绝，原因引用 "(?P<clause>[^"]+)"'))
def then_region_refused(world: World, clause: str) -> None:
    if world.region_error is None:
        raise MismatchError([Mismatch("region", f"拒绝（{clause}）", "配置有效")])
    label = load_policy(world.policy or "").short
    if clause not in world.region_error:
        raise MismatchError([Mismatch("region", f"引用 {label} {clause}", world.region_error)])


@then("地区配置有效")
def then_region_valid(world: World) -> None:
    if world.region_error is not None:
        raise MismatchError([Mismatch("region", "配置有效", world.region_error)])

