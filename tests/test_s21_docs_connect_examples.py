"""docs/connect-your-system.md §2's examples are one case, and the sample system answers them as the page says.

The page's T001 created PZH-0001 with a balance of 100.00 and 50.00 of the deductible counted, while its 2207
answer showed a deductible of 200.00, 115.00 paid and nothing from the account (a person with neither), and its
5206 the same (s21 probe Q). Here the page's own requests (its ```json blocks, in the order its §2 states) are
posted to a fresh sample system, and every field of every answer the page shows must be what comes back; the
openapi document's 2207 example must be the page's.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import httpx
import pytest
import yaml
from sample_server import SampleServer

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "connect-your-system.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^\s*```json\n(.*?)^\s*```", re.S | re.M)
ANY = "…"  # a value the page leaves to the system (`"reason": "…"`); as a key, the envelope's other fields


def _section(number: int) -> str:
    start = PAGE.index(f"\n## {number}. ")
    return PAGE[start:PAGE.index(f"\n## {number + 1}. ", start)]


def _blocks(text: str) -> list[dict]:
    return [json.loads(b) for b in BLOCK.findall(text)]


ENVELOPE = json.loads(BLOCK.search(_section(1)).group(1))  # §1's request envelope: msgid, insuplc_admdvs, inf_time
SECTION = _section(2)
ORDER = [w.strip() for w in re.search(r"sent in this\s+order:\s*([^.]+)\.", SECTION).group(1).split(",")]


def _examples() -> tuple[dict[str, dict], dict[str, dict]]:
    """The page's requests and answers by transaction: an answer follows its request."""
    requests: dict[str, dict] = {}
    answers: dict[str, dict] = {}
    last = None
    for block in _blocks(SECTION):
        if "infno" in block:
            assert block["infno"] not in requests, f"two {block['infno']} requests in §2"
            requests[last := block["infno"]] = block
        elif "infcode" in block:
            assert last is not None and last not in answers, f"an answer without its request: {block}"
            answers[last] = block
    return requests, answers


REQUESTS, ANSWERS = _examples()


def _envelope(request: dict, seq: int) -> dict:
    env = {k: v for k, v in request.items() if k != ANY}
    assert set(request) - set(env) <= {ANY}
    for key in ("msgid", "insuplc_admdvs", "inf_time"):
        env.setdefault(key, ENVELOPE[key])
    env["msgid"] = env["msgid"][:-4] + f"{seq:04d}"
    return env


def _shown_in(shown: object, got: object, where: str) -> list[str]:
    """Where `got` differs from what the page shows (the page may leave fields out; `…` is any text)."""
    if shown == ANY:
        return [] if isinstance(got, str) and got else [f"{where}: expected some text, got {got!r}"]
    if isinstance(shown, dict):
        if not isinstance(got, dict):
            return [f"{where}: expected an object, got {got!r}"]
        out = []
        for k, v in shown.items():
            out += _shown_in(v, got[k], f"{where}.{k}") if k in got else [f"{where}.{k}: not in the answer"]
        return out
    return [] if shown == got else [f"{where}: the page shows {shown!r}, the sample system answers {got!r}"]


def test_the_page_states_its_order_and_has_a_request_for_each_call():
    assert ORDER == ["T001", "2207", "5206", "2208", "T002", "T003"]
    assert sorted(REQUESTS) == sorted(ORDER)
    assert set(ANSWERS) == {"2207", "2208", "5206", "T002", "T003"}


@pytest.fixture(scope="module")
def answered():
    """Every call of §2 posted in the page's order to a fresh sample system (its setl_ids start at 1), with a
    2206 of the 2207's data just before it."""
    got: dict[str, dict] = {}
    with SampleServer() as server, httpx.Client(timeout=30) as client:
        seq = 0
        for infno in ORDER:
            calls = [infno] if infno != "2207" else ["2206", "2207"]
            for sent in calls:
                seq += 1
                request = copy.deepcopy(REQUESTS[infno])
                request["infno"] = sent
                r = client.post(server.url, json=_envelope(request, seq))
                assert r.status_code == 200, (sent, r.status_code, r.text)
                got[sent] = r.json()
                assert got[sent]["infcode"] == 0, (sent, got[sent])
    return got


@pytest.mark.parametrize("infno", ["2207", "5206", "2208", "T002", "T003"])
def test_the_sample_system_answers_what_the_page_shows(answered, infno):
    problems = _shown_in(ANSWERS[infno], answered[infno], infno)
    assert not problems, "\n".join(problems)


def test_a_2206_answers_the_2207s_figures_and_records_nothing(answered):
    # §2: "A 2206 with the same data answers the same figures with no setl_id, and balc stays 100.00"
    pre, shown = answered["2206"]["output"]["setlinfo"], ANSWERS["2207"]["output"]["setlinfo"]
    assert "setl_id" not in pre and pre["balc"] == "100.00"
    assert {k: v for k, v in shown.items() if k not in ("setl_id", "balc")} == \
        {k: pre[k] for k in shown if k not in ("setl_id", "balc")}
    assert re.search(r"no `setl_id`, and `balc`\s+stays 100\.00", SECTION)


def test_the_page_works_out_the_2207_figures_it_shows():
    # the hand working beside the answer ends on the figures the answer shows
    info = ANSWERS["2207"]["output"]["setlinfo"]
    for field, figure in (("inscp_scp_amt", "430.00"), ("act_pay_dedc", "150.00"), ("hifp_pay", "140.00"),
                          ("psn_part_amt", "360.00"), ("acct_pay", "100.00"), ("psn_cash_pay", "260.00"),
                          ("balc", "0.00")):
        assert info[field] == figure and re.search(rf"`{field}`[^`]*= {re.escape(figure)}", SECTION), field
    person = REQUESTS["T001"]["input"]["data"]["person"]
    assert (person["acct_balance"], person["ytd"]["ordinary_dedc"]) == ("100.00", "50.00")


def test_the_openapi_2207_example_is_the_pages():
    doc = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    post = doc["paths"]["/"]["post"]
    request = post["requestBody"]["content"]["application/json"]["examples"]["settle"]["value"]
    answer = post["responses"]["200"]["content"]["application/json"]["examples"]["settled"]["value"]
    assert request["input"] == REQUESTS["2207"]["input"]
    assert answer["output"] == ANSWERS["2207"]["output"]
