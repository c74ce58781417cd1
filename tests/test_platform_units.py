"""The platform profile's parts, without a server: config, exact amounts, fee lines, readers, the description.

Figures are worked by hand in the comments. The whole visit flow runs here
in-process against the sample system's platform mode through an
httpx.MockTransport (the same bytes a socket would carry).
"""
from __future__ import annotations

import json
from decimal import Decimal as D

import httpx
import pytest

from conform.harness.adapters import AdapterSpecError, Subject, make_adapter
from conform.harness.adapters import schema
from conform.harness.adapters.platform import PlatformAdapter, amounts, messages
from conform.harness.adapters.platform.config import CatalogueItem, PlatformConfig, parse_platform
from conform.harness.adapters.platform.fees import CannotCompose, compose, preselfpay_base
from conform.harness.adapters.platform.pool import Inapplicable
from conform.harness.adapters.wire import WireError
from conform.harness.config import ConfigError, parse_adapter_config
from conform.harness.plugin import MismatchError
from conform.reference.case import parse_person, parse_settlement

CATALOGUE = (CatalogueItem("A", "covered"), CatalogueItem("S", "selfpay"),
             CatalogueItem("L", "over_limit", pric_uplmt_amt=D("50.00")),
             CatalogueItem("P10", "preselfpay", selfpay_prop=D("0.10")))


# --------------------------------------------------------------------------- exact amounts

def test_numbers_are_decoded_as_decimals_never_floats():
    got = amounts.decode('{"a": 0.1, "b": 115.50, "c": 3, "d": "2.30"}')
    assert got == {"a": D("0.1"), "b": D("115.50"), "c": 3, "d": "2.30"} and isinstance(got["a"], D)
    assert amounts.amount(got["b"]) == D("115.50") and amounts.amount(got["d"]) == D("2.30")
    assert amounts.amount(D("1.005")) is None          # three decimals is not an amount
    assert amounts.amount(0.1) is None                  # a float here means an inexact decoder: refused
    assert amounts.amount(True) is None and amounts.amount("x") is None
    # 0.1 + 0.2 read exactly is 0.3 (in binary floating point it is 0.30000000000000004)
    assert amounts.decode("[0.1, 0.2]")[0] + amounts.decode("[0.1, 0.2]")[1] == D("0.3")


def test_requests_carry_decimals_as_json_numbers_with_their_digits():
    text = amounts.dumps({"medfee_sumamt": D("500.00"), "x": [D("-0.10")], "s": "\u0000quoted"})
    assert '"medfee_sumamt": 500.00' in text and "[-0.10]" in text
    assert json.loads(text)["s"] == "\u0000quoted"


# --------------------------------------------------------------------------- fee lines

def parts(lines):
    return (sum(ln.amount for ln in lines), sum(ln.fulamt_ownpay_amt for ln in lines),
            sum(ln.overlmt_amt for ln in lines), sum(ln.preselfpay_amt for ln in lines),
            sum(ln.inscp_scp_amt for ln in lines))


def test_fee_lines_yield_the_scenarios_parts_exactly():
    # 攀枝花 第七条 example: 500 total, 全自费 50, 先行自付 20 at 10%:
    # lines 50 (selfpay), 200 (200 × 10% = 20 先行自付, 180 in scope), 250 covered; scope 180 + 250 = 430
    lines = compose(D("500.00"), D("50.00"), D("0.00"), D("20.00"), CATALOGUE)
    assert [ln.amount for ln in lines] == [D("50.00"), D("200.00"), D("250.00")]
    assert parts(lines) == (D("500.00"), D("50.00"), D("0"), D("20.00"), D("430.00"))
    # 1000 total, 全自费 100, 超限价 30 (cap 50 → one line of 80), 先行自付 15 (line 150):
    # covered 1000 − 100 − 80 − 150 = 670; scope 50 + 135 + 670 = 855 = 1000 − 100 − 30 − 15
    lines = compose(D("1000.00"), D("100.00"), D("30.00"), D("15.00"), CATALOGUE)
    assert [ln.amount for ln in lines] == [D("100.00"), D("80.00"), D("150.00"), D("670.00")]
    assert parts(lines) == (D("1000.00"), D("100.00"), D("30.00"), D("15.00"), D("855.00"))


def test_preselfpay_base_is_moved_to_the_fen_that_rounds_exactly():
    # 0.07 ÷ 0.15 = 0.4666… → 0.47; 0.47 × 0.15 = 0.0705 → 0.07 half up
    assert preselfpay_base(D("0.07"), D("0.15")) == D("0.47")
    # 20 ÷ 0.10 = 200 exactly
    assert preselfpay_base(D("20.00"), D("0.10")) == D("200.00")


def test_a_split_the_catalogue_cannot_yield_is_refused_with_the_reason():
    # 先行自付 20 at 10% needs a 200 line, more than the 100 total
    with pytest.raises(CannotCompose, match="need 200.00 yuan"):
        compose(D("100.00"), D("0.00"), D("0.00"), D("20.00"), CATALOGUE)
    with pytest.raises(CannotCompose, match="no selfpay item"):
        compose(D("100.00"), D("10.00"), D("0.00"), D("0.00"), (CatalogueItem("A", "covered"),))
    # with a 100% item the same split composes: lines 20 (all 先行自付) + 80 covered
    full = (*CATALOGUE, CatalogueItem("P100", "preselfpay", selfpay_prop=D("1")))
    assert parts(compose(D("100.00"), D("0.00"), D("0.00"), D("20.00"), full))[3:] == (D("20.00"), D("80.00"))


# --------------------------------------------------------------------------- config

def cfg(table: dict):
    return parse_adapter_config({"adapter": {"url": "http://127.0.0.1:1/", "profile": "platform", "platform": table}},
                                "conform.toml", {})


def test_config_parses_and_names_the_key_at_fault():
    c = cfg({"catalogue": [{"med_list_codg": "X", "kind": "over_limit", "pric_uplmt_amt": "1.50"}],
             "fund_pay_type": {"390100": "other"}, "cum_type_code": {"Q0000": "ordinary_dedc"}})
    assert c.profile == "platform" and c.platform.catalogue[0].pric_uplmt_amt == D("1.50")
    assert c.platform.fund_pay_type["310100"].route == "ordinary_pay"     # the default stays
    with pytest.raises(ConfigError, match=r"adapter\.platform\.catalogue\[0\]\.pric_uplmt_amt: write amounts"):
        cfg({"catalogue": [{"med_list_codg": "X", "kind": "over_limit", "pric_uplmt_amt": 1.5}]})
    with pytest.raises(ConfigError, match=r"adapter\.platform\.catalogue\[0\]\.kind"):
        cfg({"catalogue": [{"med_list_codg": "X", "kind": "free"}]})
    with pytest.raises(ConfigError, match=r"adapter\.platform\.fund_pay_type\.310100"):
        cfg({"fund_pay_type": {"310100": "pooling"}})
    with pytest.raises(ConfigError, match=r"adapter\.platform\.pool\[0\]\.psn_type"):
        cfg({"pool": [{"psn_no": "P1", "policy": "panzhihua", "psn_type": "9999"}]})
    with pytest.raises(ConfigError, match=r"adapter\.platform\.hooks: unknown 'time_travel'"):
        cfg({"hooks": ["time_travel"]})
    with pytest.raises(ConfigError, match=r"adapter\.profile"):
        parse_adapter_config({"adapter": {"profile": "soap"}}, "conform.toml", {})


def test_platform_is_chosen_by_the_url_prefix_or_the_profile():
    hooks = cfg({"hooks": ["person_reset"]})   # without test persons the profile is refused (below)
    assert isinstance(make_adapter("platform+http://127.0.0.1:9/fsi", hooks), PlatformAdapter)
    c = parse_adapter_config({"adapter": {"url": "platform+http://127.0.0.1:9/",
                                          "platform": {"hooks": ["person_reset"]}}}, "conform.toml", {})
    assert c.profile == "platform" and isinstance(make_adapter(None, c), PlatformAdapter)
    with pytest.raises(AdapterSpecError, match=r"without --config has no test persons.*adapter\.platform\.pool"):
        make_adapter("platform+http://127.0.0.1:9/fsi")   # nothing could reach the system: never certified
    with pytest.raises(AdapterSpecError, match="after platform\\+"):
        make_adapter("platform+ftp://x")


# --------------------------------------------------------------------------- readers

def test_setldetail_rows_become_routes_through_the_mapping():
    out = {"setlinfo": {"setl_id": "S1", "medfee_sumamt": 500, "inscp_scp_amt": "430.00", "act_pay_dedc": D("200"),
                        "hifp_pay": D("115.5"), "pool_prop_selfpay": D("0.5"), "fund_pay_sumamt": D("115.50"),
                        "psn_part_amt": D("384.50"), "acct_pay": 0, "psn_cash_pay": D("384.5")},
           "setldetail": [{"fund_pay_type": "310100", "fund_payamt": D("100.5"), "setl_proc_info": "门诊慢特病统筹"},
                          {"fund_pay_type": "310100", "fund_payamt": D("15"), "setl_proc_info": "普通门诊统筹"},
                          {"fund_pay_type": "330100", "fund_payamt": D("9.99")}]}
    pc = parse_platform({"fund_pay_type": {"310100": {"by": "setl_proc_info",
                                                      "map": {"普通门诊": "ordinary_pay", "慢特病": "chronic_pay"}}}})
    got = messages.read_settlement(out, "2207", "14", pc)
    assert (got["hifp_pay"], got["chronic_pay"], got["ordinary_pay"], got["inpatient_pay"]) == (
        "115.50", "100.50", "15.00", "0.00")
    assert got["pool_prop_selfpay"] == "0.5000" and got["medfee_sumamt"] == "500.00"
    # by default 310100 is ordinary pooling: both rows, 330100 (大额) is no route
    assert messages.read_settlement(out, "2207", "14", PlatformConfig())["ordinary_pay"] == "115.50"
    bad = {**out, "setlinfo": {**out["setlinfo"], "hifp_pay": D("115.505")}}
    with pytest.raises(WireError, match="hifp_pay: expected an amount"):
        messages.read_settlement(bad, "2207", "11", pc)


def test_cuminfo_rows_become_totals_through_the_mapping():
    rows = [{"year": "2026", "cum_ym": "202603", "cum_type_code": "Q0000", "cum": D("100")},
            {"year": "2026", "cum_ym": "202605", "cum_type_code": "Q0000", "cum": D("150")},
            {"year": "2026", "cum_ym": "202605", "cum_type_code": "MTB-PAY-M00500", "cum": D("40.10")},
            {"year": "2025", "cum_ym": "202512", "cum_type_code": "Q0000", "cum": D("999")}]
    pc = parse_platform({"cum_type_code": {"Q0000": "ordinary_dedc", "MTB-PAY-*": "chronic_pay"}})
    got = messages.read_cuminfo({"cuminfo": rows}, 2026, pc)
    assert got["ordinary_dedc"] == "150.00"            # total rows: the latest cum_ym
    assert got["chronic_pay"] == {"M00500": "40.10"} and got["ordinary_pay"] == "0.00"
    pc.cum_rows = "monthly"
    assert messages.read_cuminfo({"cuminfo": rows}, 2026, pc)["ordinary_dedc"] == "250.00"   # 100 + 150


# --------------------------------------------------------------------------- the published description

def test_every_field_the_reader_takes_is_described():
    assert schema.undescribed_reads(messages.READS) == []


def test_a_field_added_to_the_reader_but_not_the_description_is_caught(monkeypatch):
    monkeypatch.setitem(messages.READS, "PlatformSetlinfo", (*messages.READS["PlatformSetlinfo"], "hifes_pay_new"))
    assert schema.undescribed_reads(messages.READS) == ["PlatformSetlinfo.hifes_pay_new"]


def test_answers_are_validated_against_the_description_for_both_profiles():
    assert schema.validate("PlatformSettleOutput", {"setlinfo": {"hifp_pay": D("1")}})[0] == "missing_field"
    kind, path, _ = schema.validate("Platform5206Output", {"cuminfo": [{"cum_type_code": "Q", "cum": {"x": 1}}]})
    assert (kind, path) == ("wrong_type", "output.cuminfo[0].cum")
    assert schema.validate("Platform5206Output", {"cuminfo": [{"cum_type_code": "Q", "cum": D("1.50")}]}) is None
    # the http profile's components: amounts are strings there
    good = {"setlinfo": {"setl_id": "S", **{k: "1.00" for k in ("medfee_sumamt", "inscp_scp_amt", "act_pay_dedc",
            "hifp_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay")}, "pool_prop_selfpay": "0.5000"}}
    assert schema.validate(schema.output_component("http", "2207"), good) is None
    good["setlinfo"]["hifp_pay"] = 1
    assert schema.validate(schema.output_component("http", "2207"), good)[0] == "wrong_type"


# --------------------------------------------------------------------------- the flow, in-process

def in_process(hooks: bool, defect: str | None = None, answers: list | None = None, edit=None, **table):
    """The platform adapter on the sample system's platform mode, in-process. `sent` collects the request
    envelopes; `answers` (if given) the answers; `edit(envelope, answer)` may change an answer first."""
    from conform.fixtures.sample_system.platform import PlatformSystem, sample_config
    import tomllib

    system = PlatformSystem(hooks=hooks, defect=defect)
    sent: list[dict] = []

    def handle(request: httpx.Request) -> httpx.Response:
        env = amounts.decode(request.content)
        sent.append(env)
        answer = system.handle(env)
        if edit is not None:
            answer = edit(env, answer)
        if answers is not None:
            answers.append(answer)
        return httpx.Response(200, content=amounts.dumps(answer).encode())

    data = tomllib.loads(sample_config("http://sample/", hooks=hooks))
    data["adapter"]["platform"].update(table)
    c = parse_adapter_config(data, "sample.toml", {})
    return PlatformAdapter("http://sample/", c, inner=httpx.MockTransport(handle)), sent


def prepare(adapter, subject: Subject) -> None:
    """prepare_person, where not applicable (a SkipTest) is a failure: the scenario must run."""
    try:
        adapter.prepare_person(subject)
    except Inapplicable as e:
        pytest.fail(f"not applicable: {e.reason}")


def env_of(sent: list[dict], infno: str) -> dict:
    """The last envelope sent with this infno."""
    return next(e for e in reversed(sent) if e["infno"] == infno)


def data_of(sent: list[dict], infno: str) -> dict:
    return env_of(sent, infno)["input"]["data"]


def visit(sid: str, date: str, total: str, **parts):
    person = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")
    return parse_settlement({"id": sid, "date": date, "med_type": "11", "facility": "tertiary",
                             "medfee_sumamt": total, **parts}, "t", 0, person)


def test_a_visit_runs_sign_in_2201_2203_2204_2206_2207_and_reads_numbers_exactly():
    a, sent = in_process(hooks=True)
    a.prepare_person(Subject("panzhihua", parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")))
    got = a.settle("T0001", visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00", preselfpay_amt="20.00"))
    # 攀枝花 第七条: scope 430, deductible 200, (430 − 200) × 50% = 115
    assert (got["inscp_scp_amt"], got["act_pay_dedc"], got["hifp_pay"], got["ordinary_pay"]) == (
        "430.00", "200.00", "115.00", "115.00")
    assert [e["infno"] for e in sent] == ["9001", "T001", "2201", "2203", "2204", "2206", "2207"]
    sign_no = sent[0] and sent[2]["sign_no"]
    assert sign_no and all(e["sign_no"] == sign_no for e in sent[1:])
    assert sent[2]["infver"] == "V1.0" and sent[2]["fixmedins_code"] == "H00000000003"
    assert isinstance(sent[-1]["input"]["data"]["medfee_sumamt"], D)        # a JSON number on the wire
    assert sent[-1]["input"]["data"]["setl_time"].startswith("2023-03-01")   # settle_as_of hook
    ytd = a.query_ytd("T0001", 2023)
    assert (ytd["ordinary_dedc"], ytd["ordinary_pay"]) == ("200.00", "115.00")
    back = a.reverse("T0001", "V1")
    assert back["hifp_pay"] == "-115.00" and a.query_ytd("T0001", 2023)["ordinary_dedc"] == "0.00"


def test_a_2204_result_that_drops_the_preselfpay_part_fails_naming_the_line():
    a, _ = in_process(hooks=True, defect="fee_preselfpay_ignored")
    a.prepare_person(Subject("panzhihua", parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")))
    with pytest.raises(MismatchError) as e:
        a.settle("T0001", visit("V1", "2023-03-01", "500.00", preselfpay_amt="20.00"))
    m = e.value.mismatches
    assert [(x.field, x.expected, x.actual) for x in m] == [("preselfpay_amt", "20.00", "0.00"),
                                                             ("inscp_scp_amt", "180.00", "200.00")]
    assert "2204 feedetl_sn" in m[0].item


def test_without_hooks_a_pool_person_is_used_restored_by_reversal_and_checked_with_5206():
    import datetime as dt

    a, sent = in_process(hooks=False)
    year = dt.date.today().year
    subject = Subject("panzhihua", parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t"))
    a.prepare_person(subject)
    got = a.settle("T0001", visit("V1", "2023-03-01", "500.00"))
    assert got["act_pay_dedc"] == "200.00"                       # settled today on pool person PPANN1101
    assert sent[-1]["input"]["data"]["psn_no"] == "PPANN1101" and "setl_time" not in sent[-1]["input"]["data"]
    with pytest.raises(Inapplicable, match="year boundary"):     # a second visit in another year
        a.settle("T0001", visit("V2", "2024-03-01", "100.00"))
    a.prepare_person(subject)                                    # the next scenario: V1 is reversed first
    infnos = [e["infno"] for e in sent]
    assert infnos[-2:] == ["2208", "5206"] and sent[-1]["input"]["data"]["cum_ym"].startswith(str(year))
    assert a.query_ytd("T0001", 2023)["ordinary_dedc"] == "0.00"
    with pytest.raises(Inapplicable, match="opening totals"):
        a.prepare_person(Subject("panzhihua", parse_person(
            {"psn_no": "T0002", "psn_type": "1101", "ytd": {"year": 2023, "ordinary_dedc": "300.00"}}, "t")))
    with pytest.raises(Inapplicable, match="no pool person matches"):
        a.prepare_person(Subject("panzhihua", parse_person({"psn_no": "T0003", "psn_type": "1101",
                                                            "flex_tier": None, "remote_filing": True}, "t")))
    with pytest.raises(Inapplicable, match="retire_date"):
        a.prepare_person(Subject("panzhihua", parse_person({"psn_no": "T0004", "psn_type": "1101",
                                                            "retire_date": "2023-06-01"}, "t")))


def test_the_http_profiles_answers_match_their_components_too():
    """The sample system's http-profile answers (amounts as text) satisfy the description's components."""
    from conform.fixtures.sample_system.service import SampleSystem

    system = SampleSystem()

    def ask(infno, data):
        answer = system.handle({"infno": infno, "msgid": "M", "input": {"data": data}})
        assert answer["infcode"] == 0, answer
        return answer["output"]

    ask("T001", {"policy": "panzhihua", "person": {"psn_no": "P1", "psn_type": "1101", "acct_balance": "100.00"}})
    settle = {"psn_no": "P1", "mdtrt_id": "V1", "setl_date": "2023-03-01", "med_type": "11", "facility": "tertiary",
              "medfee_sumamt": "500.00", "preselfpay_amt": "20.00"}
    # Found by this check: the http Setlinfo component requires setl_id, while its text (and the reader) says a
    # 2206 answer need not carry one; test_http_adapter pins that required list, so it is left to the lead.
    assert schema.validate("SettleOutput", ask("2206", settle)) == ("missing_field", "output.setlinfo.setl_id",
                                                                    "missing")
    for infno, data in (("2207", settle), ("5206", {"psn_no": "P1", "year": "2023"}),
                        ("T002", {"psn_no": "P1", "month": "2023-03", "contribution": "160.00"}),
                        ("T003", {"psn_no": "P1", "relation": "spouse", "purpose": "medical_selfpay"})):
        assert schema.validate(schema.output_component("http", infno), ask(infno, data)) is None, infno


def test_the_complete_conform_toml_in_the_docs_is_valid():
    """docs/connect-your-system.md §8.6 gives a complete configuration: it must load as it stands."""
    import re
    import tomllib
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "connect-your-system.md").read_text(encoding="utf-8")
    section = page[page.index("### 8.6"):page.index("### 8.7")]
    block = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    c = parse_adapter_config(tomllib.loads(block), "docs §8.6", {})
    pc = c.platform
    assert c.profile == "platform" and pc.sign_in and pc.itemised and "person_reset" in pc.hooks
    assert {i.kind for i in pc.catalogue} == {"covered", "selfpay", "over_limit", "preselfpay"}
    assert pc.fund_pay_type["310100"].by == "setl_proc_info" and pc.cum_type_code["Z0402-*"] == "chronic_pay"
    assert len(pc.pool) == 2 and set(pc.facilities) == {"tertiary", "secondary", "primary", "unrated", "pharmacy"}


def test_med_type_28_is_called_a_national_code_not_a_harness_extension():
    """28 日间手术 is a national 医疗类别 code (as 11, 13, 14, 41), not one of the harness's extensions."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    page = (root / "docs" / "connect-your-system.md").read_text(encoding="utf-8")
    description = (root / "docs" / "openapi.yaml").read_text(encoding="utf-8")
    for text in (page, description):
        for line in text.splitlines():
            if "28 日间手术" in line:
                assert "extension" not in line and "harness's code" not in line, line
    assert "28 日间手术, 41 定点药店购药" in page


def test_every_component_of_the_description_is_a_valid_json_schema():
    from jsonschema import Draft202012Validator

    comps = schema.description()["components"]["schemas"]
    assert sum(name.startswith("Platform") for name in comps) >= 20
    for name, component in comps.items():
        Draft202012Validator.check_schema(component)   # raises SchemaError naming what is wrong
    assert set(schema.OUTPUTS["platform"].values()) <= set(comps) and set(schema.OUTPUTS["http"].values()) <= set(comps)
