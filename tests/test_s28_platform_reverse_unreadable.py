"""A 2208 that went out and whose answer cannot be read (a required figure missing, "n/a", a timeout) is never
sent again: the system may have reversed, and a second 2208 of a reversed settlement is rightly refused ("结算 … 不存在"),
which the pool mode then blamed on the system and wrote the pool person off (s28 probeP F2). As for a 2207 whose answer
cannot be read, the next restore asks 5206 instead; only totals not back blame the system, citing the unreadable
answer. Figures: 南昌 4.2.1, one visit of 1000 at the primary institution: (1000 − 600) × 60% = 240.00 pooled."""
from __future__ import annotations

import datetime as dt

import httpx
import pytest
from test_platform_units import in_process, prepare

from conform.harness.adapters import Subject
from conform.harness.adapters.base import SutError
from conform.harness.adapters.platform import amounts
from conform.reference.case import parse_person, parse_settlement

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")
SUBJECT = Subject("nanchang", PERSON)


def visit(sid="V1"):
    return parse_settlement({"id": sid, "date": f"{dt.date.today().year}-01-02", "med_type": "11",
                             "facility": "primary", "medfee_sumamt": "1000.00"}, "t", 0, PERSON)


def unreadable_2208(env, answer):
    """The system's 2208 answer (the reversal made) without its required 统筹基金支出."""
    if env["infno"] == "2208" and answer.get("infcode") == 0:
        del answer["output"]["setlinfo"]["hifp_pay"]
    return answer


def infnos(sent):
    return [e["infno"] for e in sent]


def test_a_reversal_whose_answer_cannot_be_read_is_not_sent_again_and_5206_clears_the_person():
    a, sent = in_process(hooks=False, edit=unreadable_2208)
    prepare(a, SUBJECT)
    assert a.settle("T0001", visit())["hifp_pay"] == "240.00"
    with pytest.raises(SutError, match=r"2208: output\.setlinfo\.hifp_pay: missing") as e:   # that check's error
        a.reverse("T0001", "V1")
    assert e.value.kind == "missing_field"
    prepare(a, SUBJECT)                 # the next scenario: no second 2208 (it would be refused), 5206 is back
    assert infnos(sent).count("2208") == 1 and infnos(sent)[-1] == "5206"
    assert a.query_ytd("T0001", dt.date.today().year)["ordinary_dedc"] == "0.00"


def test_a_restore_whose_2208_answer_cannot_be_read_is_not_sent_again():
    a, sent = in_process(hooks=False, edit=unreadable_2208)
    prepare(a, SUBJECT)
    a.settle("T0001", visit())
    prepare(a, SUBJECT)                 # restores V1: the 2208 answer cannot be read, 5206 shows it was made
    prepare(a, SUBJECT)                 # and the scenario after it: nothing left to send
    assert infnos(sent).count("2208") == 1
    assert a.unrestored == {} and not a._occupants["PNANN1101"].pending()


def test_an_unreadable_2208_that_did_not_reverse_is_the_systems_error_naming_it():
    a, sent = in_process(hooks=False)
    prepare(a, SUBJECT)
    setl_id = a.settle("T0001", visit())["setl_id"]
    real = a.transport.inner.handler

    def garbage_without_reversing(request: httpx.Request) -> httpx.Response:
        env = amounts.decode(request.content)
        if env["infno"] == "2208":      # answered, unreadably, and nothing reversed
            sent.append(env)
            return httpx.Response(200, content=b'{"infcode": 0, "output": {"setlinfo": "?"}}')
        return real(request)

    a.transport.inner.handler = garbage_without_reversing
    with pytest.raises(SutError) as e:
        prepare(a, SUBJECT)             # 5206 still holds V1: the system's error, citing the unreadable answer
    assert infnos(sent).count("2208") == 1
    msg = e.value.message
    assert "pool person PNANN1101 cannot be restored" in msg and f"2208 门诊结算撤销 of settlement {setl_id}" in msg
    assert "whose answer could not be read" in msg and "2208: output.setlinfo" in msg
    with pytest.raises(SutError, match="failed to restore PNANN1101"):
        prepare(a, SUBJECT)             # the person is written off, and no 2208 is sent again
    assert infnos(sent).count("2208") == 1
