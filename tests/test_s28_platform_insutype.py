"""A 2206/2207/2208 answer's setlinfo.insutype, where it gives one, is the 职工基本医疗保险 (310) the harness sends: a
settlement the system says it made under the resident scheme (390) is an answer about another request and fails on
`insutype` (s28 probeH4 F6). Figures: 攀枝花 第七条, scope 430, deductible 200, (430 − 200) × 50% = 115."""
from __future__ import annotations

import pytest
from test_platform_units import in_process, prepare, visit

from conform.harness.adapters import Subject
from conform.harness.plugin import MismatchError
from conform.reference.case import parse_person

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")
V1 = visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00", preselfpay_amt="20.00")


def adapter(infnos, value):
    def edit(env, answer):
        if env["infno"] in infnos and answer.get("infcode") == 0:
            answer["output"]["setlinfo"]["insutype"] = value
        return answer
    a, _ = in_process(hooks=True, edit=edit)
    prepare(a, Subject("panzhihua", PERSON))
    return a


@pytest.mark.parametrize("infno", ["2206", "2207"])
def test_a_settlement_answer_under_another_insutype_fails_on_insutype(infno):
    a = adapter({infno}, "390")
    with pytest.raises(MismatchError) as e:
        a.settle("T0001", V1)
    [m] = e.value.mismatches
    assert (m.field, m.expected, m.actual, m.item) == ("insutype", "310", "390", f"V1 {infno}")


def test_a_reversal_answer_under_another_insutype_fails_on_insutype():
    a = adapter({"2208"}, "390")
    assert a.settle("T0001", V1)["hifp_pay"] == "115.00"
    with pytest.raises(MismatchError) as e:
        a.reverse("T0001", "V1")
    assert [(m.field, m.actual) for m in e.value.mismatches] == [("insutype", "390")]


@pytest.mark.parametrize("value", ["310", 310, "", None])
def test_insutype_310_or_left_out_passes(value):
    a = adapter({"2206", "2207", "2208"}, value)
    assert a.settle("T0001", V1)["hifp_pay"] == "115.00"
    assert a.reverse("T0001", "V1")["hifp_pay"] == "-115.00"
