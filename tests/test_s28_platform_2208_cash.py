"""A 2208 answer names 个人现金支出 as the national spec's 2208 output does, `pdn_cash_pay` (【2208】门诊结算撤销,
输出 setlinfo field 26; the HIS models docs §8.7 cites: openhis Output_2208.cs, TeaHZ/185 T2208.cs), or as 2206/2207
do, `psn_cash_pay`: either is read as the same figure (s28 probeP F1). Figures: 攀枝花 第七条, scope 430, deductible
200, (430 − 200) × 50% = 115 pooled, 500 − 115 = 385 in cash; the reversal gives them negative."""
from __future__ import annotations

import pytest
from test_platform_units import in_process, prepare, visit

from conform.harness.adapters import Subject
from conform.harness.adapters.base import SutError
from conform.reference.case import parse_person

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")


def settled(edit=None):
    answers: list = []
    a, sent = in_process(hooks=True, answers=answers, edit=edit)
    prepare(a, Subject("panzhihua", PERSON))
    got = a.settle("T0001", visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00", preselfpay_amt="20.00"))
    assert (got["hifp_pay"], got["psn_cash_pay"]) == ("115.00", "385.00")
    return a, answers


def setlinfo_2208(change):
    """An edit of the 2208 answer's setlinfo."""
    def edit(env, answer):
        if env["infno"] == "2208" and answer.get("infcode") == 0:
            change(answer["output"]["setlinfo"])
        return answer
    return edit


def test_the_sample_system_answers_2208_as_the_spec_spells_it_and_the_harness_reads_it():
    a, answers = settled()
    back = a.reverse("T0001", "V1")
    info = answers[-1]["output"]["setlinfo"]
    assert "pdn_cash_pay" in info and "psn_cash_pay" not in info       # the spec's 2208 spelling on the wire
    assert (back["hifp_pay"], back["psn_cash_pay"]) == ("-115.00", "-385.00")


def test_psn_cash_pay_in_a_2208_is_still_read():
    def spell_psn(info):
        info["psn_cash_pay"] = info.pop("pdn_cash_pay")
    a, _ = settled(setlinfo_2208(spell_psn))
    assert a.reverse("T0001", "V1")["psn_cash_pay"] == "-385.00"


def test_both_spellings_agreeing_are_read_once():
    def both(info):
        info["psn_cash_pay"] = info["pdn_cash_pay"]
    a, _ = settled(setlinfo_2208(both))
    assert a.reverse("T0001", "V1")["psn_cash_pay"] == "-385.00"


def test_a_2208_giving_neither_is_missing_naming_both_spellings():
    a, _ = settled(setlinfo_2208(lambda info: info.pop("pdn_cash_pay")))
    with pytest.raises(SutError) as e:
        a.reverse("T0001", "V1")
    assert e.value.kind == "missing_field"
    assert "2208: output.setlinfo.psn_cash_pay: missing" in e.value.message and "pdn_cash_pay" in e.value.message


def test_both_spellings_differing_is_an_error_naming_both_figures():
    def differ(info):
        info["psn_cash_pay"] = info["pdn_cash_pay"] + 1
    a, _ = settled(setlinfo_2208(differ))
    with pytest.raises(SutError) as e:
        a.reverse("T0001", "V1")
    assert e.value.kind == "malformed"
    assert "pdn_cash_pay -385.00" in e.value.message and "psn_cash_pay -384.00" in e.value.message


def test_a_pdn_cash_pay_that_is_no_amount_is_named_under_its_own_name():
    def bad(info):
        info["pdn_cash_pay"] = "n/a"
    a, _ = settled(setlinfo_2208(bad))
    with pytest.raises(SutError) as e:
        a.reverse("T0001", "V1")
    assert e.value.kind == "wrong_type" and "output.setlinfo.pdn_cash_pay" in e.value.message


def test_2207_still_needs_psn_cash_pay():
    # the spec's 2207 output spells it psn_cash_pay: pdn_cash_pay there is no 个人现金支出
    def spell_pdn(env, answer):
        if env["infno"] == "2207" and answer.get("infcode") == 0:
            info = answer["output"]["setlinfo"]
            info["pdn_cash_pay"] = info.pop("psn_cash_pay")
        return answer
    a, _ = in_process(hooks=True, edit=spell_pdn)
    prepare(a, Subject("panzhihua", PERSON))
    with pytest.raises(SutError, match=r"2207: output\.setlinfo\.psn_cash_pay: missing"):
        a.settle("T0001", visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00", preselfpay_amt="20.00"))
