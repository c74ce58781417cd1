"""More attacks of a hostile system under test (conform/fixtures/hostile_server, its own process on loopback),
each contained as the http profile contains the others (tests/test_hardening_hostile.py):

- the platform profile gets what the http profile makes of a refused answer (a lone surrogate, an
  answer nested 100 000 deep): a `malformed` error of the system, every report written, exit 3;
- a system refusing every 5206 ends a property's search at once (the shrink budget), not after
  Hypothesis's own five minutes;
- a secret the system echoes is masked before any message or evidence is cut, so no head of it is
  left where the cut fell;
- a redirect to `javascript:` / `mailto:` / `http://[::1` is the system's malformed answer naming its
  Location (exit 3), never a conform bug (exit 4) nor a dropped connection towards "unreachable".
"""
from __future__ import annotations

import json
import time
import tomllib
from decimal import Decimal

import pytest
from click.testing import CliRunner
from test_hardening_hostile import Hostile, settle_against, visit

from conform.fixtures.sample_system.platform import sample_config
from conform.harness import evidence
from conform.harness.adapters import SettlementRefused, Subject, SutError
from conform.harness.adapters.http import EVIDENCE_BODY_LIMIT, HttpAdapter
from conform.harness.adapters.platform import PlatformAdapter, messages
from conform.harness.adapters.platform.config import PlatformConfig
from conform.harness.adapters.wire import WireError
from conform.harness.config import AdapterConfig, parse_adapter_config
from conform.harness.properties.runner import Budget, GuardedAdapter
from conform.harness.run import CONFORMANCE, execute_detailed, run_command
from conform.reference.case import parse_person

KEY = "K3Y-abcdef-123456-SECRETVALUE"
HEADS = [KEY[:n] for n in range(6, len(KEY))]   # any head of the key long enough to mean something
PERSON = parse_person({"psn_no": "H1", "psn_type": "1101"}, "t")


def platform_adapter(url: str, tmp_path, headers: dict | None = None, **table) -> PlatformAdapter:
    data = tomllib.loads(sample_config(url, hooks=True))
    data["adapter"]["timeout"] = 5
    if headers:
        data["adapter"]["headers"] = headers
    data["adapter"]["platform"].update(table)
    return PlatformAdapter(url, parse_adapter_config(data, str(tmp_path / "conform.toml"), {}))


def no_head_of_the_key(text: str) -> None:
    assert not any(h in text for h in HEADS), [h for h in HEADS if h in text][-1:]


@pytest.fixture
def key():
    evidence.register_secret(KEY)
    yield KEY
    evidence._secrets.discard(KEY)  # noqa: SLF001 - the registry has no public removal


# ---------------------------------------------------------------------------- platform: 1 and 2
def test_platform_lone_surrogate_is_malformed_and_every_report_is_written(tmp_path):
    """rsecure 1: the refused body was decoded again and its lone surrogate stored as evidence, so the
    first report writer died (UnicodeEncodeError, exit 4) and not one report was written."""
    with Hostile("lone_surrogate") as server:
        a = platform_adapter(server.url, tmp_path)
        evidence.begin()
        try:
            with pytest.raises(SutError) as e:
                a.prepare_person(Subject("panzhihua", PERSON))
        finally:
            a.stop()
        kept = evidence.take()
        assert e.value.kind == "malformed" and "lone surrogate" in e.value.message
        for entry in [*kept, e.value.evidence]:   # what reaches the reports encodes as UTF-8
            json.dumps(entry, ensure_ascii=False).encode("utf-8")

        cfg = tmp_path / "platform.toml"
        cfg.write_text(sample_config(server.url, hooks=True), encoding="utf-8")
        out = tmp_path / "out"
        result = CliRunner().invoke(run_command, ["--config", str(cfg), "--article", "panzhihua-7",
                                                  "--out", str(out), "--no-progress"])
    assert result.exit_code == 3, result.output[-2000:]
    assert {"report.html", "report.xlsx", "junit.xml", "results.json"} <= {p.name for p in out.iterdir()}
    checks = json.loads((out / "results.json").read_text(encoding="utf-8"))["checks"]
    errors = [c for c in checks if c["status"] == "error"]
    assert errors and all(c["status"] in ("error", "not_applicable", "skipped") for c in checks)
    assert any("lone surrogate" in c["message"] for c in errors)


def test_platform_answer_nested_100000_deep_is_malformed_not_a_recursion_error(tmp_path):
    """rsecure 2: RecursionError escaped from re-decoding the refused body (it is not a ValueError), so
    every check was a harness_error and the verdict said nothing reached the system."""
    with Hostile("nested") as server:
        a = platform_adapter(server.url, tmp_path, sign_in=False)
        try:
            with pytest.raises(SutError) as e:
                a.prepare_person(Subject("panzhihua", PERSON))
        finally:
            a.stop()
    assert type(e.value) is SutError and e.value.kind == "malformed", e.value
    assert "nested more than 32 levels" in e.value.message


# ---------------------------------------------------------------------------- 3: a refused 5206
def test_a_refused_5206_is_a_fault_that_ends_the_search(tmp_path):
    """rsecure 3: the guard let every refusal through, but no story records a refused 5206: it became an
    unbudgeted error that Hypothesis shrank until its own 300-second limit (24 min for one document)."""
    with Hostile("refuse_5206") as server:
        budget = Budget(2.0)
        guarded = GuardedAdapter(HttpAdapter(server.url, AdapterConfig(timeout=5)), budget)
        assert guarded.settle("H1", visit())["hifp_pay"] == "115.00"   # the system answers the visit …
        assert budget.fault is None
        with pytest.raises(SettlementRefused):
            guarded.query_ytd("H1", 2023)             # … and refuses the year's totals
        assert budget.fault is not None and "5206" in budget.fault.message

    with Hostile("refuse_5206") as server:
        cfg = tmp_path / "http.toml"
        cfg.write_text(f'[adapter]\nurl = "{server.url}"\ntimeout = 5\n', encoding="utf-8")
        started = time.monotonic()
        ex = execute_detailed(config=str(cfg), articles=("panzhihua-7",), paths=(CONFORMANCE / "test_properties.py",),
                              extra_args=("-k", "money_identities", "--conform-seed", "3"))
        wall = time.monotonic() - started
    [check] = [c for c in ex.run.checks if c.kind == "property"]
    assert check.status == "error" and "5206" in check.message, (check.status, check.message[:300])
    # the search ended at the first refusal: no example after it asked the system again (the shrinking
    # against a real, slower system took Hypothesis's 300 s)
    assert "(refusal #1)" in check.message, check.message[:300]
    assert wall < 60, wall


# ---------------------------------------------------------------------------- 4: mask, then cut
def test_an_echoed_key_across_the_err_msg_quote_leaves_no_head(key):
    with Hostile("echo_key_err_msg") as server:
        err, _, _ = settle_against(server.url, timeout=5, headers={"X-Api-Key": key})
    assert isinstance(err, SettlementRefused)
    assert "x" * 400 in err.message
    no_head_of_the_key(err.message)


def test_an_echoed_key_across_the_quote_of_a_wrong_amount_leaves_no_head(key):
    with Hostile("echo_key_amount") as server:
        err, _, _ = settle_against(server.url, timeout=5, headers={"X-Api-Key": key})
    assert err.kind == "wrong_type" and "hifp_pay" in err.message and "y" * 80 in err.message
    no_head_of_the_key(err.message)


def test_an_echoed_key_across_the_schema_message_leaves_no_head_in_the_platform_profile(key, tmp_path):
    with Hostile("echo_key_schema") as server:
        a = platform_adapter(server.url, tmp_path, {"X-Api-Key": key}, sign_in=False,
                             transactions=["2207", "2208", "5206"])
        try:
            a.prepare_person(Subject("panzhihua", PERSON))
            with pytest.raises(SutError) as e:
                a.settle("H1", visit())
        finally:
            a.stop()
    assert e.value.kind == "wrong_type" and "hifp_pay" in e.value.message and "y" * 200 in e.value.message
    no_head_of_the_key(e.value.message)


def test_an_echoed_key_across_the_64_kb_evidence_cut_leaves_no_head(key):
    with Hostile("echo_key_body") as server:
        err, _, [entry] = settle_against(server.url, timeout=5, headers={"X-Api-Key": key})
    assert isinstance(err, SettlementRefused)
    assert entry["response_bytes"] > EVIDENCE_BODY_LIMIT and "truncated" in entry["response"]
    no_head_of_the_key(entry["response"])
    no_head_of_the_key(err.evidence["response"])


@pytest.mark.parametrize("read, value", [
    (lambda v: messages.read_settlement({"setlinfo": {f: Decimal("1") for f in messages.SETLINFO_AMOUNTS}
                                         | {"hifp_pay": v}}, "2206", "11", PlatformConfig()),
     "y" * 100 + KEY),                                         # _amount's message, cut at 200 before
    (lambda v: messages.read_sign_no({"signinoutb": {"sign_no": [v]}}), "z" * 140 + KEY),   # _text
    (lambda v: messages.read_settlement({"setlinfo": {f: Decimal("1") for f in messages.SETLINFO_AMOUNTS}
                                         | {"pool_prop_selfpay": v}}, "2206", "11", PlatformConfig()),
     "r" * 120 + KEY),                                         # _ratio
])
def test_the_platform_readers_mask_a_value_before_quoting_it_short(key, read, value):
    with pytest.raises(WireError) as e:
        read(value)
    no_head_of_the_key(evidence.mask(str(e.value)))   # as the adapter masks a reader's message
    assert len(str(e.value)) < 300


# ---------------------------------------------------------------------------- 5: a redirect nowhere
@pytest.mark.parametrize("mode, shown", [("redirect_javascript", "javascript:alert(1)"),
                                         ("redirect_mailto", "mailto:x@example.com"),
                                         ("redirect_bad_ipv6", "(an invalid Location)")])
def test_a_redirect_to_no_http_url_is_malformed_naming_it_and_never_unreachable(mode, shown):
    """rsecure 5: httpx built the redirect's request even with redirects off: InvalidURL (not an
    httpx.HTTPError) escaped as a conform bug, and `http://[::1` counted as a dropped connection."""
    with Hostile(mode) as server:
        a = HttpAdapter(server.url, AdapterConfig(timeout=5, consecutive_failures=2))
        try:
            for _ in range(3):   # two connection failures in a row would declare it unreachable
                with pytest.raises(SutError) as e:
                    a.settle("H1", visit())
                assert type(e.value) is SutError and e.value.kind == "malformed", (type(e.value), e.value)
        finally:
            a.stop()
    assert f"HTTP 302 Found → {shown}" in e.value.message and "not an http(s) URL" in e.value.message
    assert e.value.evidence["location"] == shown and e.value.evidence["http_status"] == 302
    assert a.unreachable is None


def test_conform_run_against_a_javascript_redirect_is_exit_3_not_a_harness_error(tmp_path):
    with Hostile("redirect_javascript") as server:
        cfg = tmp_path / "http.toml"
        cfg.write_text(f'[adapter]\nurl = "{server.url}"\ntimeout = 5\n', encoding="utf-8")
        out = tmp_path / "out"
        result = CliRunner().invoke(run_command, ["--config", str(cfg), "--article", "panzhihua-7",
                                                  "--out", str(out), "--no-progress", "--format", "json"])
    assert result.exit_code == 3, result.output[-2000:]
    checks = json.loads((out / "results.json").read_text(encoding="utf-8"))["checks"]
    assert not [c for c in checks if c["status"] == "harness_error"]
    assert any("javascript:alert(1)" in c["message"] for c in checks)


# ---------------------------------------------------------------------------- 7: a deep baseline
def test_a_baseline_nested_100000_deep_is_exit_2_naming_the_file(tmp_path):
    deep = tmp_path / "b.json"
    d = 100_000
    deep.write_text('{"schema": "conform-results", "x": ' + "[" * d + "]" * d + "}", encoding="utf-8")
    result = CliRunner().invoke(run_command, ["--baseline", str(deep), "--policy", "panzhihua", "--article",
                                              "panzhihua-7", "--out", str(tmp_path / "out"), "--no-progress"])
    assert result.exit_code == 2, result.output[-2000:]
    assert str(deep) in result.output and "nested too deeply" in result.output
    assert "Traceback" not in result.output


def test_an_in_process_system_with_a_lone_surrogate_still_gets_every_report_and_its_summary(tmp_path):
    """A python: plugin's strings reach conform unchecked: a lone surrogate in its message and evidence
    stopped the report writers (atomic.write_text, the workbook) and the terminal summary, exit 4."""
    out = tmp_path / "out"
    result = CliRunner().invoke(run_command, ["--adapter", "python:conform.fixtures.hostile_server.plugin:LoneSurrogate",
                                              "--article", "panzhihua-7", "--out", str(out), "--no-progress"])
    assert result.exit_code == 3, result.output[-2000:]
    assert "bad \\ud800 text" in result.output
    assert {"report.html", "report.xlsx", "junit.xml", "results.json"} <= {p.name for p in out.iterdir()}
    # shown as its escape, whatever secrets this process registered before (in the text the JSON decodes to)
    def texts(o):
        return [o] if isinstance(o, str) else [t for v in (o.values() if isinstance(o, dict) else o)
                                                for t in texts(v)] if isinstance(o, (dict, list)) else []
    assert any("bad \\ud800 text" in t for t in texts(json.loads((out / "results.json").read_text(encoding="utf-8"))))
