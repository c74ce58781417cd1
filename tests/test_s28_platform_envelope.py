"""The platform envelope as a real gateway needs it (s28 probeP F5, F6).

F5: with no `mdtrtarea_admvs` configured (the sample's --print-config and the documented default: the same as
insuplc_admdvs), 9001 签到 went out with 就医地 and 参保地 empty; it now carries those of the message that needs the
sign-in, as that message's envelope does. F6: 2201's 门诊号 ipt_otp_no restarted at CF00000001 every run; it now
carries the run's start, so a second run registers no 门诊号 the first did."""
from __future__ import annotations

import re

from test_platform_units import data_of, env_of, in_process, prepare, visit

from conform.harness.adapters import Subject
from conform.reference.case import parse_person

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")


def one_visit(**table):
    a, sent = in_process(hooks=True, **table)
    prepare(a, Subject("panzhihua", PERSON))
    a.settle("T0001", visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00", preselfpay_amt="20.00"))
    return a, sent


def test_the_sign_in_envelope_names_the_area_of_the_message_that_needs_it():
    a, sent = one_visit()
    assert not a.pc.mdtrtarea_admvs    # the sample's configuration leaves it to the documented default
    sign, first = sent[0], sent[1]
    assert (sign["infno"], first["infno"]) == ("9001", "T001")
    # 攀枝花's 医保区划 510400 (§8.1: the policy's, the pool entry's, or [adapter] insuplc_admdvs)
    assert (sign["insuplc_admdvs"], sign["mdtrtarea_admvs"]) == ("510400", "510400")
    assert (first["insuplc_admdvs"], first["mdtrtarea_admvs"]) == ("510400", "510400")


def test_a_configured_area_goes_in_the_sign_in_too():
    a, sent = in_process(hooks=True, mdtrtarea_admvs="510499")
    prepare(a, Subject("panzhihua", PERSON))
    assert (sent[0]["infno"], sent[0]["mdtrtarea_admvs"], sent[0]["insuplc_admdvs"]) == ("9001", "510499", "510400")


def test_the_pool_modes_sign_in_names_the_pool_persons_area():
    a, sent = in_process(hooks=False)
    prepare(a, Subject("nanchang", PERSON))
    assert [e["infno"] for e in sent][:2] == ["9001", "5206"]
    assert sent[0]["mdtrtarea_admvs"] == sent[0]["insuplc_admdvs"] == "360100"    # 南昌


def test_ipt_otp_no_differs_between_runs_and_fits_the_field():
    _, first = one_visit()
    _, second = one_visit()
    a, b = data_of(first, "2201")["ipt_otp_no"], data_of(second, "2201")["ipt_otp_no"]
    assert a != b
    for no in (a, b):   # CF + yyMMddHHmmssSSS + the visit's sequence: 23 of the platform's 30 characters
        assert re.fullmatch(r"CF\d{15}000001", no) and len(no) <= 30, no
    assert env_of(first, "2204")["input"]["feedetail"][0]["chrg_bchno"] == "CB00000001"   # per mdtrt_id: unchanged
