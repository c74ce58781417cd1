"""`[adapter.platform.med_type]` may give each kind of registered disease (T001 chronic_diseases kind: chronic,
special, two_disease) its own 医疗类别: "14:two_disease" = "1404", with the plain "14" as the fallback (s28 probeP F4;
a 江苏 HIS maps 140104 门诊慢病, 140201 门诊特病, 1404 两病). The code chosen goes in 2203/2206/2207 and routes the
fund by med_type (`by = "med_type"`). The test environment here speaks those codes: a wrapper maps them back to the
national 14 for the sample system, which computes every figure."""
from __future__ import annotations

import httpx
import pytest
from test_platform_units import in_process, prepare

from conform.harness.config import ConfigError
from conform.harness.adapters import Subject
from conform.harness.adapters.platform import amounts
from conform.reference.case import parse_person, parse_settlement

REGION = {"1404": "14", "140104": "14"}   # the region's codes → the national one
TABLE = {"med_type": {"14:two_disease": "1404", "14": "140104"},
         "fund_pay_type": {"310100": {"by": "med_type", "map": {"1404": "chronic_pay", "140104": "chronic_pay",
                                                               "11": "ordinary_pay"}}}}
PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101",
                       "chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"},
                                            {"dise_codg": "M03900", "kind": "two_disease"}]}, "t")


def regional(a):
    """The envelopes as they went (the region's codes); the sample system is handed the national 14."""
    real = a.transport.inner.handler
    wire: list[dict] = []

    def handle(request: httpx.Request) -> httpx.Response:
        wire.append(amounts.decode(request.content))
        env = amounts.decode(request.content)
        for part in ("mdtrtinfo", "data"):
            inp = env.get("input", {}).get(part)
            if isinstance(inp, dict) and inp.get("med_type") in REGION:
                inp["med_type"] = REGION[inp["med_type"]]
        return real(httpx.Request("POST", request.url, content=amounts.dumps(env).encode()))

    a.transport.inner.handler = handle
    return wire


def chronic_visit(sid, dise):
    return parse_settlement({"id": sid, "date": "2023-03-01", "med_type": "14", "dise_codg": dise,
                             "facility": "tertiary", "medfee_sumamt": "500.00"}, "t", 0, PERSON)


def sent_med_types(sent, infno):
    return [e["input"]["mdtrtinfo" if infno == "2203" else "data"]["med_type"] for e in sent if e["infno"] == infno]


def test_each_kind_goes_as_its_own_code_and_routes_by_it():
    a, _ = in_process(hooks=True, **TABLE)
    sent = regional(a)
    prepare(a, Subject("panzhihua", PERSON, region="panzhihua-example"))
    two = a.settle("T0001", chronic_visit("V1", "M03900"))     # 两病: "14:two_disease"
    slow = a.settle("T0001", chronic_visit("V2", "M00500"))    # 慢病: no per-kind key, the plain "14"
    assert sent_med_types(sent, "2203") == ["1404", "140104"]
    assert sent_med_types(sent, "2206") == sent_med_types(sent, "2207") == ["1404", "140104"]
    # panzhihua-example: 两病 M03900 deductible 0, 50%: 500 × 50% = 250.00 (cap 300); 慢病 M00500 deductible 300,
    # 80%: (500 − 300) × 80% = 160.00. Routed by the code sent, the pooling is all chronic_pay.
    assert (two["hifp_pay"], two["chronic_pay"], two["ordinary_pay"]) == ("250.00", "250.00", "0.00"), two
    assert (slow["hifp_pay"], slow["chronic_pay"], slow["ordinary_pay"]) == ("160.00", "160.00", "0.00"), slow


def test_a_kind_without_its_key_falls_back_to_the_plain_code_and_without_either_to_the_national_one():
    a, sent = in_process(hooks=True, med_type={"14:special": "140201"})
    prepare(a, Subject("panzhihua", PERSON, region="panzhihua-example"))
    a.settle("T0001", chronic_visit("V1", "M03900"))
    assert sent_med_types(sent, "2207") == ["14"]


@pytest.mark.parametrize("key", ["14:twodisease", ":chronic"])
def test_an_unknown_kind_is_refused_naming_the_key(key):
    want = rf"adapter\.platform\.med_type\.{key}: .*kinds: chronic, special, two_disease"
    with pytest.raises(ConfigError, match=want):
        in_process(hooks=True, med_type={key: "1404"})
