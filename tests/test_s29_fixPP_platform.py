"""s29 probeP2 findings on the platform profile (F1, F4, F5, F6, F7), against the sample system's platform mode,
in-process, its answers rewritten into shapes real platforms and gateways send. Figures: 攀枝花 第七条, a visit of 500
with 50 全自费 and 20 先行自付: scope 430, deductible 200, (430 − 200) × 50% = 115.00; the account balance is the
T001 person's acct_balance 400.00 (攀枝花 第五条 only reads it)."""
from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from test_platform_units import prepare, visit

from conform.harness.adapters import Subject
from conform.harness.adapters.base import SutError
from conform.harness.adapters.platform import PlatformAdapter, amounts
from conform.harness.adapters.platform.config import PlatformConfigError, parse_platform
from conform.harness.config import parse_adapter_config
from conform.harness.plugin import MismatchError
from conform.reference.case import parse_person

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101", "acct_balance": "400.00"}, "t")
SUBJECT = Subject("panzhihua", PERSON)
HTML = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
        b"</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


def platform(hooks=True, body=None, edit=None, ask=None, **table):
    """The adapter on the sample system. `edit(env, answer)` changes an answer; `body(env, answer)` may return the
    raw bytes (and content type) sent instead; `ask(env)` changes the envelope the system reads."""
    from conform.fixtures.sample_system.platform import PlatformSystem, sample_config
    import tomllib

    system = PlatformSystem(hooks=hooks)
    sent: list[dict] = []

    def handle(request: httpx.Request) -> httpx.Response:
        env = amounts.decode(request.content)
        sent.append(env)
        answer = system.handle(ask(env) if ask else env)
        if edit is not None:
            answer = edit(env, answer)
        raw = body(env, answer) if body is not None else None
        if raw is None:
            return httpx.Response(200, content=amounts.dumps(answer).encode())
        content, ctype = raw
        return httpx.Response(200, content=content, headers={"content-type": ctype})

    data = tomllib.loads(sample_config("http://sample/", hooks=hooks))
    data["adapter"]["platform"].update(table)
    c = parse_adapter_config(data, "sample.toml", {})
    return PlatformAdapter("http://sample/", c, inner=httpx.MockTransport(handle)), sent


def ytd(**kw):
    a, sent = platform(**kw)
    prepare(a, SUBJECT)
    return a.query_ytd("T0001", dt.date.today().year), sent


def rows_1101(rows):
    def edit(env, answer):
        if env["infno"] == "1101" and answer.get("infcode") == 0:
            answer["output"]["insuinfo"] = rows(answer["output"]["insuinfo"])
        return answer
    return edit


# --------------------------------------------------------------------------- F1: which insuinfo row is the account

OLD_BEIJING = {"insutype": "310", "balc": "0.00", "psn_insu_stas": "4", "paus_insu_date": "2020-12-31",
               "insuplc_admdvs": "110000"}


def test_a_terminated_310_row_before_the_one_in_force_is_not_read_as_the_account():
    got, _ = ytd(edit=rows_1101(lambda rows: [OLD_BEIJING, *rows]))
    assert got["acct_balance"] == "400.00"


def test_a_310_row_in_force_of_another_insured_place_is_not_this_runs_account():
    other = {"insutype": "310", "balc": "9.00", "psn_insu_stas": "1", "insuplc_admdvs": "110000"}
    got, sent = ytd(edit=rows_1101(lambda rows: [other, *rows]))
    assert sent[-1]["insuplc_admdvs"] != "110000" and got["acct_balance"] == "400.00"


def test_rows_without_status_or_place_are_still_read():
    got, _ = ytd(edit=rows_1101(lambda rows: [{"insutype": "390", "balc": "1.00"},
                                              {"insutype": "310", "balc": "400.00"}]))
    assert got["acct_balance"] == "400.00"


def test_no_310_row_in_force_is_the_exchanges_error_saying_what_arrived_not_a_missing_balance():
    with pytest.raises(SutError) as e:
        ytd(edit=rows_1101(lambda rows: [{"insutype": "390", "balc": "1.00", "psn_insu_stas": "1"}, OLD_BEIJING]))
    assert e.value.kind == "missing_field"
    assert "1101: output.insuinfo: lists no 职工基本医疗保险 (insutype 310)" in e.value.message
    assert "insutype '390'" in e.value.message and "psn_insu_stas '4'" in e.value.message
    assert "T0001" in e.value.message   # the person asked about


def test_two_310_rows_in_force_with_different_balances_are_malformed():
    second = {"insutype": "310", "balc": "12.00", "psn_insu_stas": "1"}
    with pytest.raises(SutError, match=r"different balc: insuinfo\[0\] 400\.00 and insuinfo\[1\] 12\.00") as e:
        ytd(edit=rows_1101(lambda rows: [*rows, second]))
    assert e.value.kind == "malformed"


def test_a_1101_about_another_person_fails_on_psn_no():
    def other(env, answer):
        if env["infno"] == "1101":
            answer["output"]["baseinfo"]["psn_no"] = "OTHER-PERSON-0001"
        return answer
    with pytest.raises(MismatchError) as e:
        ytd(edit=other)
    [m] = e.value.mismatches
    assert (m.field, m.expected, m.actual) == ("psn_no", "T0001", "OTHER-PERSON-0001") and "1101" in m.item


# --------------------------------------------------------------------------- F5: gateway answers


def settle(**kw):
    a, sent = platform(**kw)
    prepare(a, Subject("panzhihua", PERSON))
    return a.settle("T0001", visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00",
                                   preselfpay_amt="20.00")), sent


def test_an_html_page_with_http_200_is_named_as_one():
    def page(env, answer):
        return (HTML, "text/html") if env["infno"] == "2207" else None
    with pytest.raises(SutError) as e:
        settle(body=page)
    msg = e.value.message
    assert msg.startswith("2207: an HTML page, not the platform's JSON: a gateway's error page?"), msg
    assert "'502 Bad Gateway'" in msg and "text/html" in msg and "first bytes '<html> <head>" in msg
    assert e.value.kind == "malformed"


def test_a_gateways_json_without_infcode_quotes_its_own_words():
    def gateway(env, answer):
        if env["infno"] == "2206":
            return {"code": "500", "msg": "服务调用超时", "success": False}
        return answer
    with pytest.raises(SutError) as e:
        settle(edit=gateway)
    msg = e.value.message
    assert msg.startswith("2206: infcode: missing — the answer is JSON but not the platform's envelope"), msg
    assert "code '500'" in msg and "msg '服务调用超时'" in msg and "success False" in msg


def test_a_byte_order_mark_before_the_json_is_ignored():
    def bom(env, answer):
        return b"\xef\xbb\xbf" + amounts.dumps(answer).encode(), "application/json; charset=utf-8"
    got, _ = settle(body=bom)
    assert got["hifp_pay"] == "115.00"


def test_output_sent_as_json_text_is_refused_saying_so():
    def twice(env, answer):
        if env["infno"] == "9001":
            answer["output"] = json.dumps(answer["output"])
        return answer
    with pytest.raises(SutError) as e:
        settle(edit=twice)
    assert e.value.message.startswith("9001: output is JSON text holding an object, not the object"), e.value.message


# --------------------------------------------------------------------------- F7: an unreadable 2207 names itself


def test_an_unreadable_2207_names_its_msgid_mdtrt_id_and_psn_no_there_and_in_the_restore():
    def page(env, answer):
        return (HTML, "text/html") if env["infno"] == "2207" else None
    a, sent = platform(hooks=False, body=page)
    pool_subject = Subject("panzhihua", parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t"))
    prepare(a, pool_subject)
    with pytest.raises(SutError) as e:
        a.settle("T0001", visit("V1", f"{dt.date.today().year}-03-01", "500.00"))
    the2207 = next(x for x in sent if x["infno"] == "2207")
    mdtrt_id = the2207["input"]["data"]["mdtrt_id"]
    named = f"msgid {the2207['msgid']}, mdtrt_id {mdtrt_id}, psn_no PPANN1101"
    assert named in e.value.message and "2601 冲正" in e.value.message
    with pytest.raises(SutError) as later:   # the system settled it: the restore cannot, and says which 2207
        prepare(a, pool_subject)
    assert "cannot be restored" in later.value.message and named in later.value.message


# --------------------------------------------------------------------------- F4: 2203A


def as_2203(env):
    return {**env, "infno": "2203"} if env["infno"] == "2203A" else env


def test_2203a_can_be_declared_and_is_sent_with_2203s_input():
    tx = ["9001", "1101", "2201", "2203A", "2204", "2206", "2207", "2208", "5206"]
    got, sent = settle(ask=as_2203, transactions=tx)
    assert got["hifp_pay"] == "115.00"
    assert [e["infno"] for e in sent][2:5] == ["2201", "2203A", "2204"]
    info = next(e for e in sent if e["infno"] == "2203A")["input"]
    assert set(info) == {"mdtrtinfo", "diseinfo"} and info["mdtrtinfo"]["med_type"] == "11"


def test_2203_and_2203a_together_are_refused_and_neither_is_left_out_when_one_is_declared():
    with pytest.raises(PlatformConfigError, match="declare 2203 or 2203A"):
        parse_platform({"transactions": ["2201", "2203", "2203A", "2204", "2207"]})
    a, _ = platform()
    assert "2203A" not in a.describe()["transactions_left_out"]


# --------------------------------------------------------------------------- F6: 就诊凭证 of a pool person


def test_a_pool_entry_without_its_cert_number_under_a_national_cert_type_is_refused_naming_it():
    from test_platform_units import cfg
    from conform.harness.config import ConfigError

    entry = {"psn_no": "P1", "policy": "panzhihua", "psn_type": "1101"}
    with pytest.raises(ConfigError, match=r"adapter\.platform\.pool\[1\]\.mdtrt_cert_no: missing for pool person "
                                          r"'P1': mdtrt_cert_type = '02' sends the person's 居民身份证号"):
        cfg({"mdtrt_cert_type": "02", "pool": [{**entry, "psn_no": "P0", "mdtrt_cert_no": "X"}, entry]})
    with pytest.raises(ConfigError, match=r"pool\[0\]\.mdtrt_cert_no"):   # the default type is 02
        cfg({"pool": [entry]})
    # a test environment's own type (one taking the 人员编号): the psn_no may stand in
    assert cfg({"mdtrt_cert_type": "99", "pool": [entry]}).platform.pool[0].mdtrt_cert_no is None


def test_a_pool_person_is_sent_by_its_cert_number_not_its_psn_no():
    a, sent = platform(hooks=False)
    prepare(a, Subject("panzhihua", parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")))
    a.query_ytd("T0001", dt.date.today().year)
    a.settle("T0001", visit("V1", f"{dt.date.today().year}-03-01", "500.00"))
    for infno in ("1101", "2201", "2206", "2207"):
        data = next(e for e in sent if e["infno"] == infno)["input"]["data"]
        assert (data["mdtrt_cert_type"], data["mdtrt_cert_no"]) == ("02", "990000199001010001"), infno
