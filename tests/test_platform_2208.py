"""A 2208 (and the reversal that restores a pool person) goes under the institution and 就医地 of the 2207
it reverses: a platform lets only the 本机构 that settled reverse, and the sample system checks it as one
does. Figures worked by hand in the comments (攀枝花 第七条: 在职 deductible 200, 二级及以下 60%; 南昌 4.2.1:
600, 一级 60%)."""
from __future__ import annotations

import datetime as dt

from test_platform_2207 import LINES, SPLIT, Direct
from test_platform_units import env_of, in_process, prepare

from conform.harness.adapters import Subject
from conform.reference.case import parse_person, parse_settlement

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")


def test_the_sample_system_lets_only_the_settling_institution_reverse_in_its_area():
    s = Direct()
    md, data = s.visit(LINES)
    setl_id = s.ask("2207", {"data": {**data, **SPLIT}})["output"]["setlinfo"]["setl_id"]
    ask = {"data": {"setl_id": setl_id, "mdtrt_id": md, "psn_no": "PPANN1101"}}
    other = s.ask("2208", ask, code="H00000000001")
    assert other["infcode"] == -1 and "本机构" in other["err_msg"]
    elsewhere = s.ask("2208", ask, area="990000")
    assert elsewhere["infcode"] == -1 and "就医地" in elsewhere["err_msg"]
    assert s.ask("2208", ask)["infcode"] == 0                           # still there after both refusals


def test_a_reversal_goes_under_the_institution_and_area_that_settled():
    a, sent = in_process(hooks=True)
    person = parse_person({"psn_no": "T0001", "psn_type": "1101", "remote_filing": "1"}, "t")
    prepare(a, Subject("panzhihua", person))
    s = parse_settlement({"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "primary", "remote": "1",
                          "medfee_sumamt": "500.00"}, "t", 0, person)
    # 异地备案 → 市内 standard (第七条): 一级 60%; (500 − 200) × 60% = 180.00
    assert a.settle("T0001", s)["hifp_pay"] == "180.00"
    back = a.reverse("T0001", "V1")                  # the strict sample refuses another institution or area
    assert back["hifp_pay"] == "-180.00"
    settled, reversed_ = env_of(sent, "2207"), env_of(sent, "2208")
    keys = ("fixmedins_code", "fixmedins_name", "mdtrtarea_admvs", "insuplc_admdvs")
    assert [reversed_[k] for k in keys] == [settled[k] for k in keys] == ["H00000000001", "样例一级医院", "990000",
                                                                           "510400"]


def test_a_pool_persons_leftovers_are_reversed_by_the_institution_that_settled():
    a, sent = in_process(hooks=False)
    subject = Subject("nanchang", PERSON)
    prepare(a, subject)
    s = parse_settlement({"id": "V1", "date": f"{dt.date.today().year}-01-02", "med_type": "11",
                          "facility": "primary", "medfee_sumamt": "1000.00"}, "t", 0, PERSON)
    # 南昌 4.2.1, settled today at the primary test institution: (1000 − 600) × 60% = 240.00
    assert a.settle("T0001", s)["hifp_pay"] == "240.00"
    prepare(a, subject)                             # the next scenario: V1 is reversed first, then 5206
    assert [e["infno"] for e in sent][-2:] == ["2208", "5206"]
    assert env_of(sent, "2208")["fixmedins_code"] == env_of(sent, "2207")["fixmedins_code"] == "H00000000001"
    assert env_of(sent, "5206")["fixmedins_code"] == "H00000000003"   # a call outside a visit: the top-level one
    year = dt.date.today().year
    assert a.query_ytd("T0001", year)["ordinary_dedc"] == "0.00"      # back to the opening totals
