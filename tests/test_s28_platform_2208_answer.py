"""In the platform profile a 2208 answer is held to the request as in the http profile (docs/connect-your-system.md
§2 2208, §3 table, §8.1 item 6): its setlinfo.setl_id is the reversal's own, never the setl_id it was asked to
reverse; its psn_no and mdtrt_id, where given, are the ones sent (s28 probeH4 F1). Figures: 攀枝花 第七条, scope 430,
deductible 200, (430 − 200) × 50% = 115 pooled; the reversal gives −115."""
from __future__ import annotations

import pytest
from test_platform_units import in_process, prepare, visit

from conform.harness.adapters import Subject
from conform.harness.plugin import MismatchError
from conform.reference.case import parse_person

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")


def settled(change=None):
    """A settled V1 whose 2208 answer's setlinfo is edited by `change(setlinfo, request_data)`."""
    def edit(env, answer):
        if change is not None and env["infno"] == "2208" and answer.get("infcode") == 0:
            change(answer["output"]["setlinfo"], env["input"]["data"])
        return answer
    a, sent = in_process(hooks=True, edit=edit)
    prepare(a, Subject("panzhihua", PERSON))
    assert a.settle("T0001", visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00",
                                   preselfpay_amt="20.00"))["hifp_pay"] == "115.00"
    return a, sent


def test_a_right_2208_answer_passes():
    a, _ = settled()
    assert a.reverse("T0001", "V1")["hifp_pay"] == "-115.00"


def test_a_2208_answer_giving_back_the_reversed_setl_id_fails_on_setl_id():
    def echo(info, data):
        info["setl_id"] = data["setl_id"]
    a, sent = settled(echo)
    with pytest.raises(MismatchError) as e:
        a.reverse("T0001", "V1")
    [m] = e.value.mismatches
    reversed_id = sent[-1]["input"]["data"]["setl_id"]
    assert (m.field, m.actual, m.item) == ("setl_id", reversed_id, "V1 2208")
    assert "撤销" in m.expected and reversed_id in m.expected


@pytest.mark.parametrize("field,value", [("mdtrt_id", "MD999999999999"), ("psn_no", "PPOTHER0001")])
def test_a_2208_answer_about_another_visit_or_person_fails_on_that_field(field, value):
    def other(info, data):
        info[field] = value
    a, sent = settled(other)
    with pytest.raises(MismatchError) as e:
        a.reverse("T0001", "V1")
    [m] = e.value.mismatches
    assert (m.field, m.expected, m.actual) == (field, sent[-1]["input"]["data"][field], value)


def test_a_failed_2208_answer_still_counts_the_settlement_as_reversed():
    """The system said it reversed: the harness does not reverse it again (a second 2208 would be refused)."""
    def echo(info, data):
        info["setl_id"] = data["setl_id"]
    a, _ = settled(echo)
    with pytest.raises(MismatchError):
        a.reverse("T0001", "V1")
    st = a._scenarios["T0001"]
    assert "V1" in st.reversed and "V1" not in st.settled
