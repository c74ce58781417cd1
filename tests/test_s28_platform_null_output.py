"""A successful answer to a message whose `output` the harness reads nothing from (2203 就诊信息上传: the national
spec gives it no 输出; the T001 test hook) may give `output` null, "" or leave it out (s28 probeP F3); an answer the
harness reads (2201, 2206, 2207, …) still needs its object. Figures: 攀枝花 第七条, scope 430, deductible 200,
(430 − 200) × 50% = 115.00."""
from __future__ import annotations

import json

import pytest
from test_platform_units import in_process, prepare, visit

from conform.harness.adapters import Subject
from conform.harness.adapters.base import SutError
from conform.reference.case import parse_person

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")
NONE = object()   # output left out


def output_of(infnos, value):
    def edit(env, answer):
        if env["infno"] in infnos and answer.get("infcode") == 0:
            if value is NONE:
                answer.pop("output", None)
            else:
                answer["output"] = value
        return answer
    return edit


def settle(edit):
    a, sent = in_process(hooks=True, edit=edit)
    prepare(a, Subject("panzhihua", PERSON))
    return a.settle("T0001", visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00", preselfpay_amt="20.00"))


@pytest.mark.parametrize("value", [None, NONE, ""], ids=["null", "absent", "empty text"])
def test_2203_and_t001_without_output_are_no_error(value):
    got = settle(output_of(("2203", "T001"), value))
    assert got["hifp_pay"] == "115.00"


def test_the_evidence_shows_the_2203_answer_as_it_came():
    a, sent = in_process(hooks=True, edit=output_of(("2203",), None))
    prepare(a, Subject("panzhihua", PERSON))
    from conform.harness import evidence
    evidence.begin()
    a.settle("T0001", visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00", preselfpay_amt="20.00"))
    got = evidence.take()
    answer = next(e for e in got if e["operation"].startswith("2203"))["response"]
    assert "output" in answer and answer["output"] is None, json.dumps(answer, ensure_ascii=False)


@pytest.mark.parametrize("infno", ["2201", "2207"])
def test_a_message_whose_output_is_read_still_needs_it(infno):
    with pytest.raises(SutError, match=rf"{infno}: output: missing"):
        settle(output_of((infno,), None))


def test_a_2203_output_of_another_kind_is_still_wrong():
    with pytest.raises(SutError, match=r"2203: output: expected an object"):
        settle(output_of(("2203",), [1]))
