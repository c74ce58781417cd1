"""A refusal sent as infcode 0 with err_msg set and no output is still the system's error (missing output, exit 3,
docs/connect-your-system.md §3: output is required when infcode is 0), but its one line says the system's own err_msg
and that a refusal needs infcode ≠ 0, bounded and masked (s28 probeH4 F7: it read "2206: output: missing" only)."""
from __future__ import annotations

import json

import pytest
from test_platform_units import in_process, prepare, visit

from conform.harness import evidence
from conform.harness.adapters import Subject
from conform.harness.adapters.base import SutError
from conform.harness.adapters.http import ERR_MSG_LIMIT, AnswerError, read_answer
from conform.reference.case import parse_person

REASON = "the month ends before the personal-account reform"


def test_the_http_profile_names_the_err_msg_of_an_infcode_0_answer_without_output():
    body = json.dumps({"infcode": 0, "err_msg": f"  {REASON}\n"}).encode()
    with pytest.raises(AnswerError) as e:
        read_answer("2207", body)
    assert e.value.kind == "missing_field"
    msg = e.value.message
    assert msg.startswith("2207: output: missing") and repr(REASON) in msg and "infcode ≠ 0" in msg


def test_without_err_msg_the_line_is_as_before():
    with pytest.raises(AnswerError) as e:
        read_answer("2207", json.dumps({"infcode": 0, "err_msg": " "}).encode())
    assert e.value.message == "2207: output: missing"


def test_a_long_err_msg_is_bounded_and_a_secret_in_it_masked():
    secret = "sk-LIVE-abcdefghijklmnop0123"
    evidence.register_secret(secret)
    try:
        body = json.dumps({"infcode": 0, "err_msg": f"token {secret} " + "x" * 5000}).encode()
        with pytest.raises(AnswerError) as e:
            read_answer("2206", body)
    finally:
        evidence._secrets.discard(secret)
    msg = e.value.message
    assert "err_msg says 'token *** xxx" in msg and secret not in msg
    assert len(msg) < ERR_MSG_LIMIT + 150


def test_the_platform_profile_says_it_too():
    def refuse_as_zero(env, answer):
        if env["infno"] == "2206":
            return {"infcode": 0, "err_msg": REASON}
        return answer
    a, _ = in_process(hooks=True, edit=refuse_as_zero)
    prepare(a, Subject("panzhihua", parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")))
    with pytest.raises(SutError) as e:
        a.settle("T0001", visit("V1", "2023-03-01", "500.00"))
    assert e.value.kind == "missing_field"
    assert "2206: output: missing" in e.value.message and REASON in e.value.message
