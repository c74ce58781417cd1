"""2207 as a strict national platform takes it, and the sample system's setlinfo split.

2207 carries the visit's split (fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt, each
required), copied from the 2206 answer as a HIS does; 2204 names the visit's doctor; the sample system's
setlinfo gives the 2204 batch's split, and the parts add up to medfee_sumamt. The sample platform system
refuses a 2207 without the split, so the adapter's flow is proved against it. Figures are worked by hand
in the comments (攀枝花 第七条: 在职 deductible 200, 三级 50%; 南昌 4.2.1: 600, 三级 50%).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from test_platform_units import data_of, env_of, in_process, prepare, visit

from conform.fixtures.sample_system.platform import PlatformSystem
from conform.harness.adapters import Subject, SutError, schema
from conform.harness.adapters.platform import amounts
from conform.reference.case import parse_person

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")
PARTS = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")


# --------------------------------------------------------------------------- the sample system, spoken to directly

class Direct:
    """The sample platform system spoken to as a HIS would, envelope by envelope (no harness in between)."""

    def __init__(self) -> None:
        self.system = PlatformSystem(hooks=True)
        self.sign = ""
        self.sign = self.ask("9001", {"signIn": {"opter_no": "001", "mac": "", "ip": ""}})["output"]["signinoutb"][
            "sign_no"]

    def ask(self, infno: str, inp: dict, code: str = "H00000000003", area: str = "510400") -> dict:
        env = {"infno": infno, "msgid": f"{code}202303010900000001", "fixmedins_code": code, "fixmedins_name": "",
               "mdtrtarea_admvs": area, "insuplc_admdvs": "510400", "sign_no": self.sign, "input": inp}
        return amounts.decode(amounts.dumps(self.system.handle(amounts.decode(amounts.dumps(env)))))

    def visit(self, lines: list[tuple[str, str]], psn: str = "PPANN1101") -> tuple[str, dict]:
        """2201 + 2204 at the tertiary test institution; returns mdtrt_id and the 2206/2207 data (no split)."""
        got = self.ask("2201", {"data": {"psn_no": psn, "insutype": "310", "begntime": "2023-03-01 09:00:00",
                                         "mdtrt_cert_type": "02", "mdtrt_cert_no": psn, "ipt_otp_no": "MZ1"}})
        md = got["output"]["data"]["mdtrt_id"]
        rows = [{"feedetl_sn": str(i), "mdtrt_id": md, "psn_no": psn, "chrg_bchno": "CB1", "med_list_codg": code,
                 "det_item_fee_sumamt": D(amt), "cnt": 1, "pric": D(amt)} for i, (code, amt) in enumerate(lines, 1)]
        assert self.ask("2204", {"feedetail": rows})["infcode"] == 0
        total = sum((D(a) for _, a in lines), D("0.00"))
        return md, {"psn_no": psn, "mdtrt_cert_type": "02", "mdtrt_cert_no": psn, "med_type": "11",
                    "medfee_sumamt": total, "psn_setlway": "01", "mdtrt_id": md, "chrg_bchno": "CB1",
                    "acct_used_flag": "1", "insutype": "310"}


# 300 covered + 50 全自费 + 100 at 先行自付 10% + 80 over a 50.00 cap = 530:
# 全自费 50, 超限价 80 − 50 = 30, 先行自付 100 × 10% = 10, scope 300 + 90 + 50 = 440; 50 + 30 + 10 + 440 = 530.
# 第七条 三级 在职: (440 − 200) × 50% = 120.00.
LINES = [("XA01AAA0001", "300.00"), ("XZ99ZZZ0001", "50.00"), ("XB01BBB0001", "100.00"), ("C00000000001", "80.00")]


SPLIT = {"fulamt_ownpay_amt": D("50.00"), "overlmt_selfpay": D("30.00"), "preselfpay_amt": D("10.00"),
         "inscp_scp_amt": D("440.00")}


def test_the_sample_setlinfo_gives_the_batchs_split_and_it_adds_up():
    s = Direct()
    md, data = s.visit(LINES)
    pre = s.ask("2206", {"data": data})["output"]["setlinfo"]
    assert {k: pre[k] for k in PARTS} == SPLIT and pre["hifp_pay"] == D("120.00")
    done = s.ask("2207", {"data": {**data, **SPLIT}})["output"]["setlinfo"]
    assert {k: done[k] for k in PARTS} == SPLIT
    assert sum((done[k] for k in PARTS), D("0")) == done["medfee_sumamt"] == D("530.00")
    back = s.ask("2208", {"data": {"setl_id": done["setl_id"], "mdtrt_id": md, "psn_no": "PPANN1101"}})
    back = back["output"]["setlinfo"]
    # the reversal gives the split negated: −50 − 30 − 10 − 440 = −530
    assert {k: back[k] for k in PARTS} == {k: -v for k, v in SPLIT.items()} and back["medfee_sumamt"] == D("-530.00")


def test_the_sample_system_refuses_a_2207_without_the_split_or_with_another_one():
    s = Direct()
    _, data = s.visit(LINES)
    bare = s.ask("2207", {"data": data})
    assert bare["infcode"] == -1 and "不能为空" in bare["err_msg"] and "inscp_scp_amt" in bare["err_msg"]
    blank = s.ask("2207", {"data": {**data, **SPLIT, "overlmt_selfpay": ""}})
    assert blank["infcode"] == -1 and "overlmt_selfpay" in blank["err_msg"]
    other = s.ask("2207", {"data": {**data, **SPLIT, "preselfpay_amt": D("11.00")}})
    assert other["infcode"] == -1 and "不符" in other["err_msg"]
    assert s.ask("2207", {"data": {**data, **SPLIT}})["infcode"] == 0


# --------------------------------------------------------------------------- 2207 carries the split

def test_2207_carries_the_split_of_the_2206_answer_with_the_hooks():
    answers: list[dict] = []
    a, sent = in_process(hooks=True, answers=answers)
    prepare(a, Subject("panzhihua", PERSON))
    got = a.settle("T0001", visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00", preselfpay_amt="20.00"))
    # 500 − 全自费 50 − 先行自付 20 = scope 430; (430 − 200) × 50% = 115.00, settled by the strict sample system
    assert got["hifp_pay"] == "115.00"
    assert [e["infno"] for e in sent][-2:] == ["2206", "2207"]
    pre = answers[[e["infno"] for e in sent].index("2206")]["output"]["setlinfo"]
    data = data_of(sent, "2207")
    assert {k: data[k] for k in PARTS} == {k: pre[k] for k in PARTS} == {
        "fulamt_ownpay_amt": D("50.00"), "overlmt_selfpay": D("0.00"), "preselfpay_amt": D("20.00"),
        "inscp_scp_amt": D("430.00")}
    assert data["invono"] == "" and all(isinstance(data[k], D) for k in PARTS)   # JSON numbers on the wire
    assert "invono" not in data_of(sent, "2206") and "inscp_scp_amt" not in data_of(sent, "2206")


def test_2207_carries_the_split_without_the_hooks_on_a_pool_person():
    # 南昌 (no end date: settled today, the figures hold any year): 1000 − 全自费 100 = scope 900, the split the
    # composed lines yield 100 / 0 / 0 / 900; 4.2.1 三级 在职: (900 − 600) × 50% = 150.00
    a, sent = in_process(hooks=False)
    prepare(a, Subject("nanchang", PERSON))
    got = a.settle("T0001", visit("V1", f"{dt.date.today().year}-01-02", "1000.00", fulamt_ownpay_amt="100.00"))
    data = data_of(sent, "2207")
    assert data["psn_no"] == "PNANN1101" and [data[k] for k in PARTS] == [D("100.00"), D("0.00"), D("0.00"),
                                                                          D("900.00")]
    assert got["hifp_pay"] == "150.00"


def test_2207_without_2201_to_2204_carries_the_scenarios_split_and_its_scope():
    a, sent = in_process(hooks=True, transactions=["9001", "2206", "2207", "2208", "5206"])
    prepare(a, Subject("panzhihua", PERSON))
    # 1000 − 全自费 100 − 超限价 30 − 先行自付 15 = scope 855; (855 − 200) × 50% = 327.50
    got = a.settle("T0001", visit("V1", "2023-03-01", "1000.00", fulamt_ownpay_amt="100.00",
                                  overlmt_selfpay="30.00", preselfpay_amt="15.00"))
    assert got["hifp_pay"] == "327.50" and [e["infno"] for e in sent] == ["9001", "T001", "2207"]
    data = data_of(sent, "2207")
    assert [data[k] for k in PARTS] == [D("100.00"), D("30.00"), D("15.00"), D("855.00")]


def test_a_figure_the_2206_answer_leaves_out_is_the_lines_sum_and_a_given_one_is_copied():
    def edit(env, answer):
        if env["infno"] == "2206":
            info = answer["output"]["setlinfo"]
            info.pop("fulamt_ownpay_amt")
            info["overlmt_selfpay"] = ""            # unset, as real answers give it
            info["preselfpay_amt"] = D("21.00")      # a 2206 that derived 21.00 (the lines say 20.00)
        return answer

    a, sent = in_process(hooks=True, edit=edit)
    prepare(a, Subject("panzhihua", PERSON))
    with pytest.raises(SutError, match="不符"):    # the strict sample refuses the copied 21.00
        a.settle("T0001", visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00", preselfpay_amt="20.00"))
    data = data_of(sent, "2207")
    # fulamt 50 and overlmt 0 from the lines; preselfpay 21 copied as a HIS copies it; scope 430 from the answer
    assert [data[k] for k in PARTS] == [D("50.00"), D("0.00"), D("21.00"), D("430.00")]


def test_2204_names_the_visits_doctor():
    a, sent = in_process(hooks=True)
    prepare(a, Subject("panzhihua", PERSON))
    a.settle("T0001", visit("V1", "2023-03-01", "100.00"))
    reg = data_of(sent, "2201")
    rows = env_of(sent, "2204")["input"]["feedetail"]
    assert reg["atddr_no"] == "CONFORM01" and reg["dr_name"] == "一致性测试"
    assert all((r["bilg_dr_codg"], r["bilg_dr_name"]) == (reg["atddr_no"], reg["dr_name"]) for r in rows)


def test_every_request_matches_its_component_of_the_description():
    """What the adapter sends is what docs/openapi.yaml says (2207 with its split: Platform2207Request)."""
    from jsonschema import Draft202012Validator

    doc = schema.description()
    body = doc["paths"]["/platform"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    mapping = body["discriminator"]["mapping"]
    assert mapping["2207"].endswith("/Platform2207Request")
    a, sent = in_process(hooks=True)
    prepare(a, Subject("panzhihua", PERSON))
    a.settle("T0001", visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00"))
    a.reverse("T0001", "V1")
    a.query_ytd("T0001", 2023)
    checked = set()
    for env in sent:
        if env["infno"] in mapping:
            ref = {"$ref": mapping[env["infno"]], "components": doc["components"]}
            errors = list(Draft202012Validator(ref).iter_errors(env))
            assert not errors, (env["infno"], errors[0].message)
            checked.add(env["infno"])
    assert checked >= {"9001", "2201", "2203", "2204", "2206", "2207", "2208", "5206"}
    bare = {**env_of(sent, "2207"), "input": {"data": {k: v for k, v in data_of(sent, "2207").items()
                                                       if k != "inscp_scp_amt"}}}
    ref = {"$ref": mapping["2207"], "components": doc["components"]}
    assert any(e.validator == "required" for e in Draft202012Validator(ref).iter_errors(bare))
