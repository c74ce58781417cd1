"""The `http` adapter against the sample system running as its own process.

Figures are worked by hand from 攀枝花 第七条 (在职: 起付线 200, 三级/药店 50%, 二级及以下 60%, 限额 1000)
and 南昌 四（二）1 (起付线 600, 三级 50%, 限额 1800).
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest
from click.testing import CliRunner
from sample_server import SampleServer

from conform.harness import evidence
from conform.harness.adapters import SettlementRefused, Subject, for_each_person, make_adapter
from conform.harness.adapters.http import HttpAdapter
from conform.harness.cli import main as cli
from conform.harness.config import AdapterConfig, ConfigError, load_adapter_config
from conform.harness.run import execute
from conform.reference.case import CreditRequest, Person, Settlement

D = Decimal


@pytest.fixture(scope="module")
def server():
    with SampleServer() as s:
        yield s


@pytest.fixture
def http(server):
    a = make_adapter(server.url)
    a.start()
    yield a
    a.stop()


def visit(vid: str, date: str, total: str, facility: str = "tertiary", med_type: str = "11", **parts: str) -> Settlement:
    return Settlement(id=vid, date=dt.date.fromisoformat(date), med_type=med_type, facility=facility,
                      medfee_sumamt=D(total), **{k: D(v) for k, v in parts.items()})


def pzh(psn_no: str, psn_type: str = "1101", **person) -> Subject:
    return Subject("panzhihua", Person(psn_no=psn_no, psn_type=psn_type, **person))


def test_the_whole_feature_suite_passes_against_the_correct_sample_server(server):
    # Every scenario over HTTP; the properties over HTTP are tests/test_properties_meta.py's.
    run, _ = execute(adapter=server.url, tag="not conform_property")
    counts = run.counts()
    assert counts["passed"] > 600 and {c.kind for c in run.checks} == {"scenario"}, counts
    bad = [f"{c.status} {c.feature_file} {c.name}: {c.message[:200]}" for c in run.checks
           if c.status not in ("passed", "not_applicable")]
    assert bad == []
    assert run.adapter["adapter"] == "http" and run.adapter["system"] == server.url
    # Every scenario that reached the system carries its own requests and responses as evidence.
    settled = [c for c in run.checks if any(e.get("infno") == "2207" for e in c.evidence)]
    assert len(settled) > 50
    for c in settled[:20]:
        psn = {e["request"]["input"]["data"].get("psn_no") or e["request"]["input"]["data"]["person"]["psn_no"]
               for e in c.evidence if e.get("infno")}
        assert len(psn) == 1, f"{c.name}: evidence of other scenarios mixed in: {psn}"


def test_envelope_and_setlinfo_follow_the_protocol(http):
    http.prepare_person(pzh("HTTP-1"))
    evidence.begin()
    # 政策范围内 = 500 − 50 − 0 − 20 = 430；起付线 200；(430 − 200) × 50% = 115.00；个人负担 500 − 115 = 385.00
    info = http.settle("HTTP-1", visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00",
                                       preselfpay_amt="20.00"))
    assert info["inscp_scp_amt"] == "430.00"
    assert info["act_pay_dedc"] == "200.00"
    assert info["hifp_pay"] == "115.00"
    assert info["pool_prop_selfpay"] == "0.5000"
    assert info["psn_part_amt"] == "385.00"
    assert info["psn_cash_pay"] == "385.00"
    assert info["setl_id"].startswith("SETL")       # the system's own id, not the scenario's "V1"
    [entry] = evidence.take()
    req = entry["request"]
    assert req["infno"] == "2207"
    assert len(req["msgid"]) == 30 and req["msgid"].startswith("CONFORM")
    assert req["insuplc_admdvs"] == "510400"         # 攀枝花
    data = req["input"]["data"]
    assert data["mdtrt_id"] == "V1" and data["med_type"] == "11" and data["medfee_sumamt"] == "500.00"
    assert all(isinstance(v, str) for v in data.values()), data
    assert entry["response"]["infcode"] == 0 and entry["http_status"] == 200


def test_reversal_uses_the_setl_id_the_system_issued_and_restores_the_year(http):
    http.prepare_person(pzh("HTTP-2"))
    # (1000 − 200) × 50% = 400
    first = http.settle("HTTP-2", visit("V1", "2023-03-01", "1000.00"))
    assert first["hifp_pay"] == "400.00"
    evidence.begin()
    rev = http.reverse("HTTP-2", "V1")
    [entry] = evidence.take()
    assert entry["request"]["input"]["data"] == {"psn_no": "HTTP-2", "setl_id": first["setl_id"], "mdtrt_id": "V1"}
    assert rev["hifp_pay"] == "-400.00" and rev["act_pay_dedc"] == "-200.00"
    ytd = http.query_ytd("HTTP-2", 2023)
    assert ytd["year"] == 2023 and ytd["ordinary_dedc"] == "0.00" and ytd["ordinary_pay"] == "0.00"
    # Reversing again: the system refuses (infcode -1), surfaced as a refusal, not a crash.
    with pytest.raises(SettlementRefused, match="2208"):
        http.reverse("HTTP-2", "V1")


def test_presettlement_is_not_recorded(http):
    http.prepare_person(pzh("HTTP-3", ytd=None))
    # 二级 300：起付线 200，(300 − 200) × 60% = 60；预结算不计入年度累计
    info = http.presettle("HTTP-3", visit("P1", "2023-04-01", "300.00", facility="secondary"))
    assert info["hifp_pay"] == "60.00" and "setl_id" not in info
    assert http.query_ytd("HTTP-3", 2023)["ordinary_dedc"] == "0.00"


def test_person_with_year_to_date_totals_and_account(http):
    from conform.reference.case import YearToDate

    http.prepare_person(pzh("HTTP-4", ytd=YearToDate(2023, ordinary_dedc=D("200.00"), ordinary_pay=D("900.00")),
                            acct_balance=D("50.00")))
    # 起付线已满；一级 500 × 60% = 300 > 余 1000 − 900 = 100 → 100；个人负担 400，账户付 50，现金 350
    info = http.settle("HTTP-4", visit("V1", "2023-05-01", "500.00", facility="primary"))
    assert (info["act_pay_dedc"], info["hifp_pay"], info["acct_pay"], info["psn_cash_pay"]) == \
        ("0.00", "100.00", "50.00", "350.00")
    assert http.query_ytd("HTTP-4", 2023)["ordinary_pay"] == "1000.00"


def test_account_credit_and_use_go_through_the_test_only_transactions(http):
    http.prepare_person(Subject("beijing", Person(psn_no="HTTP-5", psn_type="1101")))
    # 北京 在职：缴费基数 10000 × 2% = 200.00
    credit = http.credit_month("HTTP-5", CreditRequest("2023-03", base=D("10000.00")))
    assert credit["amount"] == "200.00"
    use = http.check_account_use("HTTP-5", "other", "medical_selfpay", "10.00")
    assert use["decision"] == "refused"


def test_refusal_by_the_rules_is_a_settlement_refused(http):
    http.prepare_person(pzh("HTTP-6"))
    http.settle("HTTP-6", visit("V1", "2023-03-01", "100.00"))
    with pytest.raises(SettlementRefused) as e:   # same visit id twice
        http.settle("HTTP-6", visit("V1", "2023-03-02", "100.00"))
    assert e.value.kind == "infcode" and "already settled" in e.value.message
    assert e.value.evidence["response"]["infcode"] == -1


def test_independent_persons_settle_concurrently_with_their_own_figures(server):
    a = make_adapter(server.url, AdapterConfig(concurrency=8))
    a.start()
    try:
        def one(i: int) -> tuple[str, str]:
            psn = f"HTTP-C{i}"
            a.prepare_person(pzh(psn))
            total = D(300 + 100 * i)
            a.settle(psn, visit("V1", "2023-03-01", f"{total}.00", facility="secondary"))
            # second visit after the deductible: 二级 100 × 60% = 60 each time
            second = a.settle(psn, visit("V2", "2023-03-02", "100.00", facility="secondary"))
            return a.query_ytd(psn, 2023)["ordinary_pay"], second["hifp_pay"]

        results = for_each_person(a, one, range(16))
    finally:
        a.stop()
    # V1: (300 + 100i − 200) × 60% = 60 + 60i, clamped to the cap 1000；
    # V2: 100 × 60% = 60, clamped to what is left (i = 15: V1 960, V2 40)；累计 V1 + V2
    for i, (paid, second) in enumerate(results):
        v1 = min(D(60 + 60 * i), D(1000))
        v2 = min(D(60), D(1000) - v1)
        assert (D(second), D(paid)) == (v2, v1 + v2), i
    assert results[15] == ("1000.00", "40.00")


# ------------------------------------------------------------------ config and secrets


def write(tmp_path, text: str):
    p = tmp_path / "conform.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_config_reads_endpoint_timeouts_concurrency_and_secret_header(tmp_path, monkeypatch):
    monkeypatch.setenv("CONFORM_TEST_KEY", "k-7f3a9c")
    cfg = load_adapter_config(write(tmp_path, """
[adapter]
url = "http://127.0.0.1:9/api"
timeout = 2.5
concurrency = 8
consecutive_failures = 3
[adapter.headers]
X-Api-Key = { env = "CONFORM_TEST_KEY" }
X-Vendor = "acme"
"""))
    assert (cfg.spec, cfg.timeout, cfg.concurrency, cfg.consecutive_failures) == ("http://127.0.0.1:9/api", 2.5, 8, 3)
    assert cfg.headers == {"X-Api-Key": "k-7f3a9c", "X-Vendor": "acme"}
    assert cfg.public_headers() == {"X-Api-Key": "***", "X-Vendor": "acme"}
    a = make_adapter(None, cfg)
    assert isinstance(a, HttpAdapter) and a.concurrency == 8 and a.max_failures == 3
    assert "k-7f3a9c" not in json.dumps(a.describe())
    assert evidence.mask({"h": "Bearer k-7f3a9c"}) == {"h": "Bearer ***"}


@pytest.mark.parametrize("text, key", [
    ('[adapter]\nurl = "ftp://x"', "adapter.url"),
    ('[adapter]\nurl = "http://x"\ntimeout = -1', "adapter.timeout"),
    ('[adapter]\nurl = "http://x"\ntimeout = "10"', "adapter.timeout"),
    ('[adapter]\nconcurrency = 0', "adapter.concurrency"),
    ('[adapter]\nconsecutive_failures = 2.5', "adapter.consecutive_failures"),
    ('[adapter]\nurll = "http://x"', "adapter.urll"),
    ('[adapter]\nsupports = ["settle", "fly"]', "adapter.supports"),
    ('[adapter.headers]\nX-Api-Key = { env = "CONFORM_SURELY_UNSET_VAR" }', "adapter.headers.X-Api-Key"),
    ('[adapter.headers]\nX-Api-Key = { file = "/etc/key" }', "adapter.headers.X-Api-Key"),
    ('[adapterr]\nurl = "http://x"', "adapterr"),
    ('[adapter]\nurl = "http://x"\nname = "reference"', "adapter.url"),
])
def test_bad_config_names_the_file_and_the_key(tmp_path, text, key):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_adapter_config(p)
    assert str(p) in str(e.value) and f"key {key}:" in str(e.value)


def test_conform_run_with_bad_config_exits_2_with_the_message(tmp_path):
    p = write(tmp_path, '[adapter]\nurl = "http://x"\ntimeout = 0')
    result = CliRunner().invoke(cli, ["run", "--config", str(p), "--out", str(tmp_path / "reports")])
    assert result.exit_code == 2
    assert f"{p}: key adapter.timeout" in result.output
    assert "Traceback" not in result.output
    malformed = write(tmp_path, "[adapter\n")
    result = CliRunner().invoke(cli, ["run", "--config", str(malformed), "--out", str(tmp_path / "reports")])
    assert result.exit_code == 2 and "malformed TOML" in result.output


def test_conform_run_with_unknown_adapter_exits_2(tmp_path):
    result = CliRunner().invoke(cli, ["run", "--adapter", "no-such-plugin", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown adapter 'no-such-plugin'" in result.output


def test_api_key_from_the_environment_is_sent_and_never_reported(tmp_path, monkeypatch):
    secret = "s3cr3t-KEY-51a2"
    monkeypatch.setenv("CONFORM_TEST_KEY", secret)
    import os
    with SampleServer(api_key_env="CONFORM_TEST_KEY", env=dict(os.environ)) as s:
        good = write(tmp_path, f'[adapter]\nurl = "{s.url}"\n[adapter.headers]\nX-Api-Key = {{ env = "CONFORM_TEST_KEY" }}\n')
        # One article's scenarios and properties: every request carries the key (else 401, an error).
        # The key's plumbing, not the properties' power, is checked: a few examples per property do.
        run, _ = execute(config=str(good), articles=("panzhihua-7",), extra_args=("--conform-examples", "3"))
        assert run.counts()["passed"] > 0 and run.counts()["error"] == 0
        assert {c.kind for c in run.checks} == {"scenario", "property"}
        assert secret not in json.dumps(run.to_dict(), ensure_ascii=False, default=str)
        # The command line and the run without the key: the scenarios show it (the properties ran above).
        result = CliRunner().invoke(cli, ["run", "--config", str(good), "--article", "panzhihua-7",
                                          "--tag", "not conform_property", "--out", str(tmp_path / "reports")])
        assert result.exit_code == 0, result.output
        assert secret not in result.output
        # Without the header the system answers 401: every scenario is an error, never a failure.
        (tmp_path / "nokey.toml").write_text(f'[adapter]\nurl = "{s.url}"\n', encoding="utf-8")
        run, _ = execute(config=str(tmp_path / "nokey.toml"), articles=("panzhihua-7",), tag="not conform_property")
        assert {c.status for c in run.checks} == {"error"}
        assert all("HTTP 401" in c.message for c in run.checks)


# ------------------------------------------------------------------ the sample system's own input checks


def test_sample_system_refuses_bad_requests_with_a_reason(server):
    import httpx

    with httpx.Client(timeout=5) as c:
        r = c.post(server.url, content=b"{not json")
        assert r.status_code == 400 and r.json()["infcode"] == -1
        r = c.post(server.url, json={"infno": "9999", "input": {"data": {}}})
        assert r.json()["infcode"] == -1 and "9999" in r.json()["err_msg"]
        r = c.post(server.url, json={"infno": "2207", "input": {}})
        assert r.json()["infcode"] == -1 and "input.data" in r.json()["err_msg"]
        r = c.post(server.url, json={"infno": "2207", "input": {"data": {"psn_no": "NOBODY-X"}}})
        assert r.json()["infcode"] == -1 and "NOBODY-X" in r.json()["err_msg"]
        r = c.post(server.url, json={"infno": "T001", "input": {"data": {"policy": "panzhihua",
                                                                        "person": {"psn_no": "B1", "psn_type": "9999"}}}})
        assert r.json()["infcode"] == -1 and "psn_type" in r.json()["err_msg"]


# ------------------------------------------------------------------ the published protocol matches the code


def test_openapi_document_matches_the_wire_format():
    from pathlib import Path

    import yaml

    from conform.harness.adapters import wire
    from conform.reference.case import EXCLUSIONS, FACILITIES, MED_TYPES, PERSON_FIELDS, PSN_TYPES, PURPOSES, RELATIONS

    root = Path(__file__).resolve().parent.parent
    doc = yaml.safe_load((root / "docs/openapi.yaml").read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.1")
    schemas = doc["components"]["schemas"]
    setl = schemas["Setlinfo"]
    settled = schemas["SettleOutput"]["properties"]["setlinfo"]["allOf"]  # 2207/2208: Setlinfo plus setl_id
    assert set(setl["required"]) | set(settled[1]["required"]) == set(wire.SETTLEMENT_REQUIRED)
    assert "setl_id" not in setl["required"]  # 2206 (PresettleOutput) needs none
    assert set(wire.SETTLEMENT_OPTIONAL) <= set(setl["properties"])
    visit = schemas["Visit"]["properties"]
    visit_wire = wire.settlement_to_wire("P", Settlement(
        "V1", dt.date(2023, 1, 2), "14", "tertiary", D("1.00"), dise_codg="M1", exclusion="other_fund"))
    assert set(visit_wire) == set(visit) and set(schemas["Visit"]["required"]) <= set(visit_wire)
    # Every field a case file's settlement can carry crosses the wire (renamed where the platform names it).
    from conform.reference.case import SETTLEMENT_FIELDS
    renamed = {"id": "mdtrt_id", "setl_id": "mdtrt_id", "date": "setl_date", "remote": "remote_flag"}
    assert {renamed.get(f, f) for f in SETTLEMENT_FIELDS} | {"psn_no", "insutype"} == set(visit)
    assert set(visit["med_type"]["enum"]) == set(MED_TYPES)
    assert set(visit["facility"]["enum"]) == set(FACILITIES)
    assert set(visit["exclusion"]["enum"]) == set(EXCLUSIONS)
    assert set(schemas["Person"]["properties"]) == PERSON_FIELDS
    assert set(schemas["Person"]["properties"]["psn_type"]["enum"]) == set(PSN_TYPES)
    use = schemas["UseRequest"]["allOf"][1]["properties"]["input"]["properties"]["data"]["properties"]
    assert set(use["relation"]["enum"]) == set(RELATIONS) and set(use["purpose"]["enum"]) == set(PURPOSES)
    assert set(schemas["UseOutput"]["properties"]["decision"]["enum"]) == set(wire.USE_DECISIONS)
    assert set(schemas["YtdOutput"]["properties"]["cuminfo"]["required"]) == set(wire.CUMINFO_REQUIRED)
    mapping = doc["paths"]["/"]["post"]["requestBody"]["content"]["application/json"]["schema"]["discriminator"]["mapping"]
    assert set(mapping) == set(wire.TRANSACTIONS)
    page = (root / "docs/connect-your-system.md").read_text(encoding="utf-8")
    for name in [*wire.TRANSACTIONS, *wire.SETTLEMENT_REQUIRED, *wire.CUMINFO_REQUIRED, *visit]:
        assert f"`{name}`" in page or f"### {name}" in page, f"{name} is not documented in connect-your-system.md"


def test_a_secret_echoed_by_the_system_is_masked_in_messages_and_evidence(monkeypatch):
    import httpx

    from conform.harness.adapters import SutError
    from conform.harness.config import parse_adapter_config

    secret = "echo-me-9d41"
    monkeypatch.setenv("CONFORM_ECHO_KEY", secret)
    cfg = parse_adapter_config({"adapter": {"url": "http://sut.test/", "headers": {"X-Api-Key": {"env": "CONFORM_ECHO_KEY"}}}})

    def careless_system(request: httpx.Request) -> httpx.Response:
        key = request.headers["X-Api-Key"]          # the header really is sent …
        if json.loads(request.content)["infno"] == "T001":
            return httpx.Response(200, json={"infcode": -1, "err_msg": f"key {key} not allowed for T001"})
        info = {name: "0.00" for name in ("medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "fund_pay_sumamt",
                                          "psn_part_amt", "acct_pay", "psn_cash_pay")}
        info.update(setl_id="S1", pool_prop_selfpay="0.5000", hifp_pay=key)
        return httpx.Response(200, json={"infcode": 0, "output": {"setlinfo": info}})

    a = HttpAdapter("http://sut.test/", cfg, transport=httpx.MockTransport(careless_system))
    evidence.begin()
    with pytest.raises(SettlementRefused) as refused:
        a.prepare_person(pzh("M1"))
    with pytest.raises(SutError) as wrong:
        a.settle("M1", visit("V1", "2023-01-05", "10.00"))
    kept = evidence.take()
    a.stop()
    assert wrong.value.kind == "wrong_type"      # "echo-me-9d41" is no amount
    # … and never shown: not in the messages, not in the evidence.
    for text in (str(refused.value), str(wrong.value), json.dumps(kept, ensure_ascii=False),
                 json.dumps(refused.value.evidence, ensure_ascii=False)):
        assert secret not in text and "***" in text


def test_answers_are_validated_against_the_published_description():
    """An answer the reader accepts but docs/openapi.yaml does not describe is an error, not a pass."""
    from conform.harness.adapters import wire
    from conform.harness.adapters.base import SutError
    from conform.harness.adapters.http import HttpAdapter

    info = {name: "0.00" for name in wire.SETLINFO_FIELDS}
    info["pool_prop_selfpay"] = "0.5000"
    ok = HttpAdapter._checked("2206", ({"setlinfo": dict(info)}, {}), wire.read_setlinfo, "2206")
    assert ok["hifp_pay"] == "0.00"  # 2206 needs no setl_id (PresettleOutput)
    with pytest.raises(SutError) as e:  # mdtrt_id is text in the description; the reader never looks at it
        HttpAdapter._checked("2207", ({"setlinfo": {**info, "setl_id": "S1", "mdtrt_id": 7}}, {}),
                             wire.read_setlinfo, "2207")
    assert e.value.kind == "wrong_type" and "mdtrt_id" in e.value.message


def test_transports_share_one_tls_context_that_still_checks_certificates():
    """The CA bundle is loaded once a process (it cost 25 ms at every adapter start), and sharing the
    context does not loosen it: certificates and host names are still checked."""
    import ssl

    from conform.harness.adapters.http import deadline_transport, http_transport

    limits = httpx.Limits(max_connections=2)
    contexts = {id(t._pool._ssl_context) for t in (deadline_transport(limits), deadline_transport(limits),
                                                   http_transport(limits))}
    assert len(contexts) == 1
    ctx = deadline_transport(limits)._pool._ssl_context
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


@pytest.mark.parametrize("url, location, shown", [
    ("http://sut.test/conform", "https://new.example/conform?token=abc123&v=1",
     "https://new.example/conform?token=***&v=1"),
    ("http://vendor:pw-5678@sut.test/api/conform", "/v2/conform", "http://sut.test/v2/conform"),
])
def test_a_redirect_is_not_followed_and_the_error_names_where_it_points(url, location, shown):
    """Reviewer C: a 302 was reported as 'T001: HTTP 302 Found' with nothing to go on (evidence had no
    headers); the message names the Location (masked, resolved against the URL) and what to do."""
    from conform.harness.adapters import SutError

    calls = []

    def moved(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(302, headers={"Location": location})

    a = HttpAdapter(url, AdapterConfig(), transport=httpx.MockTransport(moved))
    with pytest.raises(SutError) as err:
        a.prepare_person(pzh("R1"))
    a.stop()
    assert len(calls) == 1  # not followed
    assert err.value.kind == "http_status"
    assert str(err.value.message) == (f"T001: HTTP 302 Found → {shown}; conform does not follow redirects, "
                                      "use that URL")
    assert err.value.evidence["location"] == shown and err.value.evidence["http_status"] == 302
    assert "abc123" not in json.dumps(err.value.evidence) and "pw-5678" not in json.dumps(err.value.evidence)
