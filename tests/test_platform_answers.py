"""Reading a platform settlement answer as real ones come: setlinfo figures the platform leaves optional
(act_pay_dedc, psn_part_amt) may be absent, an unset optional amount may be "", and a ratio has at most
four decimals (数值型 5,4), refused as the wrong type rather than rounded. Figures worked by hand in the
comments (攀枝花 第七条: 在职 deductible 200, 三级 50%)."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from test_platform_units import in_process, prepare, visit

from conform.harness.adapters import Subject, SutError, schema
from conform.harness.adapters.platform import messages
from conform.harness.adapters.platform.config import PlatformConfig
from conform.harness.adapters.wire import WireError
from conform.reference.case import parse_person

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")

# 350 = 全自费 50 + scope 300; (300 − 200) × 50% = 50.00; personal part 350 − 50 = 300.00
SETLINFO = {"setl_id": "S1", "medfee_sumamt": D("350.00"), "fulamt_ownpay_amt": D("50.00"), "inscp_scp_amt": D("300"),
            "act_pay_dedc": D("200.00"), "hifp_pay": D("50.00"), "pool_prop_selfpay": D("0.5000"),
            "fund_pay_sumamt": D("50.00"), "psn_part_amt": D("300.00"), "acct_pay": D("0"),
            "psn_cash_pay": D("300.00"), "balc": D("0.00")}


def read(info: dict) -> dict:
    out = {"setlinfo": info, "setldetail": [{"fund_pay_type": "310100", "fund_payamt": D("50.00")}]}
    bad = schema.validate("PlatformSettleOutput", out)
    if bad is not None:
        raise WireError(*bad)
    return messages.read_settlement(out, "2207", "11", PlatformConfig())


@pytest.mark.parametrize("name", ["act_pay_dedc", "psn_part_amt"])
@pytest.mark.parametrize("absent", ["left out", '""'])
def test_a_setlinfo_without_act_pay_dedc_or_psn_part_amt_leaves_that_figure_unassessed(name, absent):
    info = {k: v for k, v in SETLINFO.items() if k != name} if absent == "left out" else {**SETLINFO, name: ""}
    got = read(info)
    assert name not in got                       # not reported: not compared, and no error of the exchange
    assert got["hifp_pay"] == "50.00" and got["inscp_scp_amt"] == "300.00"
    required = schema.description()["components"]["schemas"]["PlatformSetlinfo"]["required"]
    assert name not in required and "hifp_pay" in required


def test_a_settlement_answer_without_them_settles_through_the_adapter():
    def edit(env, answer):
        if env["infno"] == "2207":
            answer["output"]["setlinfo"].pop("act_pay_dedc")
            answer["output"]["setlinfo"]["psn_part_amt"] = ""
        return answer

    a, _ = in_process(hooks=True, edit=edit)
    prepare(a, Subject("panzhihua", PERSON))
    got = a.settle("T0001", visit("V1", "2023-03-01", "500.00"))
    # (500 − 200) × 50% = 150.00; the deductible and the personal part are not reported
    assert got["hifp_pay"] == "150.00" and "act_pay_dedc" not in got and "psn_part_amt" not in got


def test_an_optional_amount_given_as_empty_text_counts_as_absent():
    got = read({**SETLINFO, "balc": ""})
    assert "balc" not in got and got["psn_cash_pay"] == "300.00"
    assert messages.read_balance({"insuinfo": [{"insutype": "310", "balc": ""}]}) is None
    row = {"feedetl_sn": "1", "det_item_fee_sumamt": D("10"), "fulamt_ownpay_amt": 0, "overlmt_amt": 0,
           "preselfpay_amt": 0, "inscp_scp_amt": ""}
    assert schema.validate("Platform2204Output", {"result": [row]}) is None
    assert messages.read_fee_results({"result": [row]})["1"]["inscp_scp_amt"] is None   # not checked
    # a required amount given as "" is still the wrong type
    with pytest.raises(WireError, match="hifp_pay"):
        read({**SETLINFO, "hifp_pay": ""})


@pytest.mark.parametrize("ratio", [D("0.12345"), "0.12345", D("0.50001")])
def test_a_ratio_with_more_than_four_decimals_is_the_wrong_type(ratio):
    out = {"setlinfo": {**SETLINFO, "pool_prop_selfpay": ratio}}
    with pytest.raises(WireError) as e:
        messages.read_settlement(out, "2207", "11", PlatformConfig())
    assert e.value.kind == "wrong_type" and "four decimals" in str(e.value)
    if isinstance(ratio, str):
        assert schema.validate("PlatformSettleOutput", out)[0] == "wrong_type"
    # four decimals (or fewer) are read as they are
    assert read({**SETLINFO, "pool_prop_selfpay": D("0.1234")})["pool_prop_selfpay"] == "0.1234"
    assert read({**SETLINFO, "pool_prop_selfpay": "0.5"})["pool_prop_selfpay"] == "0.5000"


def test_a_ratio_with_five_decimals_is_an_error_of_the_exchange_not_rounded():
    def edit(env, answer):
        if env["infno"] == "2207":
            answer["output"]["setlinfo"]["pool_prop_selfpay"] = D("0.49995")
        return answer

    a, _ = in_process(hooks=True, edit=edit)
    prepare(a, Subject("panzhihua", PERSON))
    with pytest.raises(SutError) as e:
        a.settle("T0001", visit("V1", "2023-03-01", "500.00"))
    assert e.value.kind == "wrong_type" and "pool_prop_selfpay" in e.value.message
