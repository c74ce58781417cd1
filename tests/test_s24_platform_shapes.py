"""Platform answers in shapes the platform's own field definitions allow (probe s24 V): 2204's pric /
pric_uplmt_amt are 数值型 16,6 (F1); 2204's 全自费 / 超限价 / 先行自付 parts are optional (F2); 5206 rows may
leave year and cum_ym out (F9) or give cum_ym as a number (F7); 2203 carries a diagnosis name and doctor (F3);
a wrong number reads as its digits (F4). Figures: 攀枝花 第七条, 在职 deductible 200, 三级 50%."""
from __future__ import annotations

import copy

from decimal import Decimal as D

import pytest
from test_platform_units import in_process, prepare, visit

from conform.harness.adapters import Subject, SutError, schema
from conform.harness.adapters.platform import messages
from conform.harness.adapters.platform.config import PlatformConfig, PlatformConfigError, parse_platform
from conform.harness.adapters.wire import WireError
from conform.harness.plugin import MismatchError
from conform.reference.case import parse_person

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")
# 500 = 全自费 50 + 先行自付 20 (a 200 line at 10%) + scope 430; (430 − 200) × 50% = 115.00
PARTS = {"fulamt_ownpay_amt": "50.00", "preselfpay_amt": "20.00"}


def run_visit(edit):
    a, sent = in_process(hooks=True, edit=edit)
    prepare(a, Subject("panzhihua", PERSON))
    return a.settle("T0001", visit("V1", "2023-03-01", "500.00", **PARTS)), a, sent


def edit_2204(change):
    def edit(env, answer):
        if env["infno"] == "2204":
            answer = copy.deepcopy(answer)   # the sample system's own lines stay as it keeps them
            for row in answer["output"]["result"]:
                change(row)
        return answer
    return edit


# ---------------------------------------------------------------- F1: pric / pric_uplmt_amt are 数值型 16,6

def _six(row):
    row["pric"] = f"{D(str(row['pric'])):.6f}"                  # "200.000000"
    row["pric_uplmt_amt"] = "50.000000"


def test_2204_prices_as_six_decimal_text_are_read_not_refused():
    got, _, _ = run_visit(edit_2204(_six))
    assert got["hifp_pay"] == "115.00" and got["inscp_scp_amt"] == "430.00"


def test_price_type_allows_six_decimals_text_or_number_and_no_more():
    row = {"feedetl_sn": "1", "det_item_fee_sumamt": D("10.00"), "pric": "10.000000", "pric_uplmt_amt": D("9.123456")}
    assert schema.validate("Platform2204Output", {"result": [row]}) is None
    bad = schema.validate("Platform2204Output", {"result": [{**row, "pric": "10.0000001"}]})
    assert bad is not None and bad[1] == "output.result[0].pric"
    # the two-decimal amounts keep their rule: det_item_fee_sumamt with six decimals is still wrong
    bad = schema.validate("Platform2204Output", {"result": [{**row, "det_item_fee_sumamt": "10.000000"}]})
    assert bad is not None and bad[1] == "output.result[0].det_item_fee_sumamt"


# ---------------------------------------------------------------- F2: optional 2204 parts read as 0.00

@pytest.mark.parametrize("how", ["left out", "null", '""'])
def test_2204_rows_leaving_a_zero_part_unset_settle(how):
    def change(row):
        for name in ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt"):
            if row[name] == 0:
                if how == "left out":
                    del row[name]
                else:
                    row[name] = None if how == "null" else ""
    got, _, _ = run_visit(edit_2204(change))
    assert got["hifp_pay"] == "115.00"


def test_an_unset_part_that_should_not_be_zero_fails_naming_the_line():
    # the 全自费 line (50.00) answered without its fulamt_ownpay_amt: read as 0.00, a difference, not an error
    def change(row):
        if row.get("fulamt_ownpay_amt") not in (0, None):
            del row["fulamt_ownpay_amt"]
    with pytest.raises(MismatchError) as e:
        run_visit(edit_2204(change))
    m = e.value.mismatches[0]
    assert (m.field, m.expected, m.actual) == ("fulamt_ownpay_amt", "50.00", "0.00")


def test_a_part_that_is_not_an_amount_is_still_refused():
    row = {"feedetl_sn": "1", "det_item_fee_sumamt": D("10"), "fulamt_ownpay_amt": "abc"}
    assert schema.validate("Platform2204Output", {"result": [row]})[0] == "wrong_type"
    with pytest.raises(WireError, match=r"output.result\[0\].fulamt_ownpay_amt"):
        messages.read_fee_results({"result": [row]})
    with pytest.raises(WireError, match=r"det_item_fee_sumamt"):   # the line's amount stays required
        messages.read_fee_results({"result": [{"feedetl_sn": "1"}]})


# ---------------------------------------------------------------- F9 / F7: 5206 rows without year / numeric cum_ym

CFG = PlatformConfig(cum_type_code={"Z0101": "ordinary_dedc", "Z0102": "ordinary_pay"})


def test_cuminfo_rows_without_year_and_cum_ym_are_of_the_year_asked():
    rows = [{"cum_type_code": "Z0101", "cum": D("200.00")}, {"cum_type_code": "Z0102", "cum": "115.00"}]
    got = messages.read_cuminfo({"cuminfo": rows}, 2023, CFG, "202303")
    assert (got["ordinary_dedc"], got["ordinary_pay"]) == ("200.00", "115.00")
    assert schema.validate("Platform5206Output", {"cuminfo": rows}) is None
    # another year's row is still not this year's
    other = [{"year": "2022", "cum_type_code": "Z0101", "cum": D("300.00")}, *rows]
    assert messages.read_cuminfo({"cuminfo": other}, 2023, CFG, "202303")["ordinary_dedc"] == "200.00"


def test_5206_without_year_reads_the_totals_through_the_adapter():
    def edit(env, answer):
        if env["infno"] == "5206":
            answer = copy.deepcopy(answer)
            for row in answer["output"]["cuminfo"]:
                row.pop("year", None)
                row.pop("cum_ym", None)
        return answer
    a, _ = in_process(hooks=True, edit=edit)
    prepare(a, Subject("panzhihua", PERSON))
    a.settle("T0001", visit("V1", "2023-03-01", "500.00", **PARTS))
    ytd = a.query_ytd("T0001", 2023)
    assert (ytd["ordinary_dedc"], ytd["ordinary_pay"]) == ("200.00", "115.00")


def test_numeric_cum_ym_is_accepted_as_numeric_year_is():
    rows = [{"cum_ym": 202303, "cum_type_code": "Z0101", "cum": D("200.00")},
            {"year": 2023, "cum_ym": 202302, "cum_type_code": "Z0102", "cum": D("50.00")}]
    assert schema.validate("Platform5206Output", {"cuminfo": rows}) is None
    got = messages.read_cuminfo({"cuminfo": rows}, 2023, CFG, "202303")
    assert (got["ordinary_dedc"], got["ordinary_pay"]) == ("200.00", "50.00")


# ---------------------------------------------------------------- F3: 2203's diagnosis name and doctor

def test_2203_sends_a_diagnosis_name_and_doctor_by_default():
    cfg = PlatformConfig(opter="D01", opter_name="王医生")
    msg = messages.visit_info("M1", "P1", "11", "2023-03-01 09:00:00", None, cfg)
    diag = msg["diseinfo"][0]
    assert (diag["diag_code"], diag["diag_name"]) == ("Z00.000", "一般性医学检查")
    assert (diag["dise_dor_no"], diag["dise_dor_name"]) == ("D01", "王医生")


def test_2203_diagnosis_keys_are_configurable_and_checked():
    cfg = parse_platform({"diag_code": "J06.900", "diag_name": "急性上呼吸道感染", "dise_dor_no": "DR9",
                          "dise_dor_name": "李医生", "dise_names": {"M00500": "高血压"}})
    diag = messages.visit_info("M1", "P1", "11", "t", None, cfg)["diseinfo"][0]
    assert (diag["diag_code"], diag["diag_name"], diag["dise_dor_no"], diag["dise_dor_name"]) == (
        "J06.900", "急性上呼吸道感染", "DR9", "李医生")
    msg = messages.visit_info("M1", "P1", "14", "t", "M00500", cfg)
    assert msg["mdtrtinfo"]["dise_name"] == "高血压" and msg["diseinfo"][0]["diag_name"] == "高血压"
    assert messages.visit_info("M1", "P1", "14", "t", "M09999", cfg)["diseinfo"][0]["diag_name"] == "M09999"
    with pytest.raises(PlatformConfigError) as e:
        parse_platform({"diag_name": ""})
    assert e.value.key == "diag_name"
    with pytest.raises(PlatformConfigError) as e:
        parse_platform({"dise_names": {"M00500": ""}})
    assert e.value.key == "dise_names"


def test_the_adapter_sends_the_configured_diagnosis():
    a, sent = in_process(hooks=True, diag_name="健康查体", dise_dor_no="DR9")
    prepare(a, Subject("panzhihua", PERSON))
    a.settle("T0001", visit("V1", "2023-03-01", "500.00", **PARTS))
    diag = next(e for e in sent if e["infno"] == "2203")["input"]["diseinfo"][0]
    assert (diag["diag_name"], diag["dise_dor_no"], diag["dise_dor_name"]) == ("健康查体", "DR9", "一致性测试")


# ---------------------------------------------------------------- F4 / infcode: messages and the description

def test_a_wrong_ratio_reads_as_its_digits():
    with pytest.raises(WireError) as e:
        messages._ratio({"r": D("-0.5000")}, "r", "output.setlinfo")
    assert "got the number -0.5000" in str(e.value) and "Decimal" not in str(e.value)
    with pytest.raises(WireError) as e:
        messages._amount({"a": D("115.505")}, "a", "output.setlinfo")
    assert "got the number 115.505" in str(e.value) and "Decimal" not in str(e.value)


def test_the_description_says_infcode_may_be_digit_text():
    infcode = schema.description()["components"]["schemas"]["PlatformResponse"]["properties"]["infcode"]
    assert "string" in infcode["type"] and "integer" in infcode["type"]


def test_a_sutError_is_still_raised_for_a_non_amount_part_through_the_adapter():
    with pytest.raises(SutError) as e:
        run_visit(edit_2204(lambda row: row.update(overlmt_amt="n/a")))
    assert "overlmt_amt" in e.value.message


# ---------------------------------------------------------------- F6: one story about med_type 28

def test_readme_and_connect_doc_agree_28_is_a_national_code():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for name in ("README.md", "docs/connect-your-system.md"):
        for line in (root / name).read_text(encoding="utf-8").splitlines():
            if "日间手术" in line and "28" in line:
                assert "harness's own code" not in line and "varies by region" not in line, (name, line)
