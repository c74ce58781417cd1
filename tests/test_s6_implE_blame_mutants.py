"""Tests for the blame behaviour that 11 of the reviewer rmut4's mutants changed unnoticed (M04, M05, M10, M20,
M21, M25, M30, M39, M43, M44, M47), plus the matrix's two guards M34 and M35, which each hid the other.

Each test asserts documented behaviour (the docstrings of conform.harness.report.causes, model, xlsx, terminal,
conform.harness.properties.clauses, conform.harness.steps.library) with figures worked by hand. The mutants are in
/work/notes/s6/rmut4/mutants.py; the mutant named beside each test makes it fail.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from conform.harness.adapters import SettlementRefused
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError, _blame_scenario
from conform.harness.report import causes
from conform.harness.results import CheckResult, Mismatch, RunResult
from conform.harness.steps.world import World


class Refusing(ReferenceAdapter):
    def settle(self, psn_no, s):
        raise SettlementRefused("2207: infcode -1: 不予结算")


def test_a_refused_payable_settlement_fails_its_articles_and_rests_on_no_reading_it_uses():  # M04
    # 南昌 在职 定点零售药店 1000.01 (nanchang-example: pharmacy 58%): 起付线 600.00 (四（二）1); (1000.01 − 600.00) × 58%
    # = 232.0058 → 232.01 at the ratio step (四（四）；A-NC-PHARMACY；A-ROUND-FEN); cap 1800.00 (四（二）1). The system
    # refused the whole settlement: every article of its trace, and none of the readings — it disagrees with no reading
    w = World(Refusing())
    w.policy, w.region = "nanchang", "nanchang-example"
    w.set_person(psn_no="R1", psn_type="1101")
    with pytest.raises(MismatchError) as e:
        w.settle({"date": "2023-03-01", "facility": "pharmacy", "med_type": "41", "medfee_sumamt": "1000.01"})
    assert any("A-NC-PHARMACY" in t.get("clause", "") for t in e.value.trace)  # the premise: the trace names readings
    ch = CheckResult("n", "scenario", "s", policy="nanchang", articles=["nanchang-4.2.1"])
    _blame_scenario(ch, e.value)
    assert ch.failed_articles == ["nanchang-4.2.1", "nanchang-4.4"] and "rests_on" not in ch.extra


def test_the_root_is_the_earliest_settlement_then_its_earliest_field():  # M05
    # V1's payment and V2's deductible differ: V2, settled after V1, cannot have moved V1's payment, so V1's is the
    # root (probe s22 E, F3: the earliest settlement that differs, then the first-computed field within it)
    ms = [{"field": "hifp_pay", "expected": "100.00", "actual": "90.00", "item": "V1"},
          {"field": "act_pay_dedc", "expected": "200.00", "actual": "0.00", "item": "V2"}]
    root = causes.root_mismatch(ms)
    assert (root["field"], root["item"]) == ("hifp_pay", "V1")


def test_a_persons_part_equal_to_the_deductible_is_not_put_at_the_deductible_step():  # M10
    # 攀枝花 三级 200.00: deductible min(200.00, 200.00) = 200.00, fund (200.00 − 200.00) × 50% = 0.00, the person
    # pays 200.00. The base and deductible steps show 200.00 too, but no step computes the person's part: it is
    # put at its usual step (个人负担) with the trace's clauses, not at the deductible answered right (_step_of)
    trace = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "200.00"},
             {"step": "起付线", "clause": "攀枝花 第七条", "value": "200.00"},
             {"step": "支付比例", "clause": "攀枝花 第七条", "value": "0.00"},
             {"step": "年度最高支付限额", "clause": "攀枝花 第七条", "value": "0.00"}]
    m = {"field": "psn_part_amt", "expected": "200.00", "actual": "150.00", "item": "V1"}
    assert causes._step(m, trace) == ("个人负担", "攀枝花 第七条")


def test_every_article_a_refusal_reason_names_is_cited():  # M25
    reason = "settlement V1: needs flex_tier (攀枝花 第四条, 攀枝花 第七条)"
    assert causes.articles_in(reason, "panzhihua") == "攀枝花 第四条；攀枝花 第七条"


def _failed(i: int, field: str, figure: str) -> dict:
    return {"id": f"c{i}", "status": "failed", "kind": "scenario", "document": "攀枝花", "articles": ["panzhihua-7"],
            "path": "features/panzhihua/x.feature", "message": "", "extra": {},
            "trace": [{"step": "起付线", "clause": "攀枝花 第七条", "value": figure}],
            "mismatches": [{"field": field, "expected": figure, "actual": "1.00", "item": "V1", "label": field}]}


def test_causes_come_largest_first():  # M20
    # two checks share the base's cause, one the deductible's: the base's (2) is read first, though the
    # deductible comes first in the computation order (group: "The causes, largest first")
    checks = [_failed(1, "act_pay_dedc", "200.00"), _failed(2, "inscp_scp_amt", "500.00"),
              _failed(3, "inscp_scp_amt", "500.00")]
    assert [(k["field"], k["count"]) for k in causes.group(checks, {})] == [("inscp_scp_amt", 2), ("act_pay_dedc", 1)]


def test_a_passing_check_with_a_note_is_no_cause():  # M21
    note = {**_failed(1, "act_pay_dedc", "200.00"), "status": "passed", "mismatches": [],
            "message": "文件未作规定；被测系统答复“允许”"}
    assert causes.group([note], {}) == []


def test_a_field_the_clause_map_does_not_know_blames_every_tagged_article():  # M43
    from conform.harness.properties.clauses import blamed

    # "all tagged ones when a field is unknown": a known field beside it does not narrow the blame
    tagged = ("4.2.1", "4.3.2")
    assert blamed(["ordinary_pay", "something_new"], "nanchang", tagged) == tagged


def test_every_reading_a_step_cites_is_named():  # M47
    # 北京（三）70周岁(含)以上的按110元/月: the month of the 70th birthday (A-BJ-AGE70), a flexible worker's type
    # (A-PERSON-TYPES); a rounding reading (A-ACCOUNT-MONTH) is named only within a fen (test_s25_causes_readings)
    trace = [{"step": "退休人员定额", "clause": "北京 (三)；A-BJ-AGE70；A-PERSON-TYPES", "value": "110.00"}]
    m = {"field": "amount", "expected": "110.00", "actual": "100.00", "item": "2023-05"}
    assert causes.blame([m], {"": trace}, "beijing") == (["beijing-3"], ["A-BJ-AGE70", "A-PERSON-TYPES"])


def _run_with_blame() -> RunResult:
    # 攀枝花 三级 680.00: (680.00 − 200.00) × 50% = 240.00 under the cap: a system paying 220.00 fails 第七条; the
    # check is also tagged 第五条, which it does not find broken
    ch = CheckResult(nodeid="t.py::t", kind="scenario", name="比例", policy="panzhihua",
                     articles=["panzhihua-5", "panzhihua-7"], status="failed", feature_file="features/panzhihua/x.feature",
                     line=3, mismatches=[Mismatch("hifp_pay", "240.00", "220.00", "V1", "统筹基金支付")],
                     trace=[{"step": "年度最高支付限额", "clause": "攀枝花 第七条", "value": "240.00"}],
                     failed_articles=["panzhihua-7"])
    return RunResult(policies=["panzhihua"], checks=[ch])


def test_the_workbook_names_the_violated_article_not_the_first_tag():  # M30
    from conform.harness.report import model, xlsx

    wb = xlsx.render(model.build(_run_with_blame()))
    for sheet in ("场景明细", "失败详情"):
        ws = wb[sheet]
        col = [c.value for c in ws[1]].index("条款 Article")
        [first] = [r[col] for r in ws.iter_rows(min_row=2, max_row=2, values_only=True)]
        assert first.endswith("第七条"), (sheet, first)


def test_the_terminal_cause_names_the_violated_article():  # M44
    from conform.harness.report.terminal import cause_lines

    [line] = cause_lines(_run_with_blame())
    assert "第七条" in line and "第五条" not in line, line


def test_an_article_row_is_not_failed_by_a_check_failing_another_article():  # M34
    from conform.harness.report.model import _row

    check = {"id": "c0001", "kind": "scenario", "status": "failed", "failed_articles": ["panzhihua-7"]}
    five = _row("panzhihua", "攀枝花", "panzhihua-5", "5", "第五条", "", "covered", "", [check])
    seven = _row("panzhihua", "攀枝花", "panzhihua-7", "7", "第七条", "", "covered", "", [check])
    assert (five["result"], seven["result"]) == ("passed", "failed")


def test_the_matrix_files_a_failed_check_under_the_articles_it_fails_only():  # M35
    from conform.harness.report.model import build

    rows = {r["tag"]: r for r in build(_run_with_blame())["matrix"]}
    assert rows["panzhihua-7"]["result"] == "failed" and rows["panzhihua-7"]["checks"] == ["c0001"]
    assert rows["panzhihua-5"]["result"] != "failed" and rows["panzhihua-5"]["checks"] == []


class AllowsEveryUse(ReferenceAdapter):
    def check_account_use(self, psn_no, relation, purpose, amount=None, date=None):
        return {"decision": "allowed", "clause": "攀枝花 第五条", "reason": "允许"}


def test_a_use_the_reference_refuses_outside_the_validity_rests_on_that_reading():  # M39
    # 攀枝花 is in force from 2023-01-01 (第十九条): a use dated 2022-12-31 is refused for want of the earlier rules
    # (A-BEFORE-VALIDITY), not by 第五条; a system allowing it disagrees with that reading (_use_basis)
    from conform.harness.steps.library import then_use, when_use

    w = World(AllowsEveryUse())
    w.policy = "panzhihua"
    w.set_person(psn_no="P1", psn_type="1101")
    when_use(w, "本人", "就医个人负担医疗费", day="2022-12-31")
    with pytest.raises(MismatchError) as e:
        then_use(w, SimpleNamespace(node=SimpleNamespace(user_properties=[])), "被拒绝")
    assert e.value.readings == ["A-BEFORE-VALIDITY"]
