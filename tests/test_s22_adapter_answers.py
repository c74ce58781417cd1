"""Answers a correct system may give, and answers about another request (s22 probe D, findings 1–4).

The sample system (conform/fixtures/sample_system) with one thing of its answers bent, served by this file run as a
script in its own process on a loopback port:

    python tests/test_s22_adapter_answers.py {http|platform} MODE --port-file F

and the harness runs 攀枝花 第七条 (the scenarios) against it over real HTTP, as tests/test_s18_platform_hostile.py.

* platform, `proc_empty` / `no_setldetail` / `unmapped_code`: a correct system whose setldetail does not tell the
  route split (setl_proc_info "" — optional, free text —, no setldetail — optional —, the pooling under a
  fund_pay_type the configuration does not list). The split is not reported (不适用, naming why), never "实际 0.00".
* http, `other_person` / `other_visit` / `refmsgid` / `reversal_same_id`: an answer about another person, visit or
  request, or a 2208 giving the reversed setl_id as its own, fails on that field (as the platform profile's).
* http, `nulls`: optional fields given as JSON null count as absent; a required one is named "given as null".
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ARTICLE = ("panzhihua-7",)


# ---------------------------------------------------------------------------------------------- the bent system
def bend(profile: str, mode: str, env: dict, answer: dict) -> dict:
    """The sample system's answer to `env`, with MODE's one change."""
    infno = env.get("infno")
    out = answer.get("output") if isinstance(answer, dict) else None
    info = out.get("setlinfo") if isinstance(out, dict) else None
    if profile == "platform" and infno in ("2206", "2207", "2208") and isinstance(out, dict):
        rows = out.get("setldetail") or []
        if mode == "proc_empty":
            for row in rows:
                row["setl_proc_info"] = ""
        elif mode == "no_setldetail":
            out.pop("setldetail", None)
        elif mode == "other_person" and infno == "2207":   # failed checks: their evidence is in report.html
            out["setlinfo"]["psn_no"] = "SOMEONE-ELSE"
        elif mode == "unmapped_code":       # the region's own code for 普通门诊统筹, not in the sample config
            for row in rows:
                if row.get("fund_pay_type") == "310100":
                    row["fund_pay_type"] = "319901"
    if profile == "http" and isinstance(info, dict):
        if mode == "other_person" and infno == "2207":
            info["psn_no"] = "SOMEONE-ELSE"
        elif mode == "other_visit" and infno == "2207":
            info["mdtrt_id"] = "OTHER"
        elif mode == "reversal_same_id" and infno == "2208":
            info["setl_id"] = env["input"]["data"]["setl_id"]
        elif mode == "nulls" and infno in ("2206", "2207", "2208"):
            info.update({"balc": None, "ordinary_pay": None, "setl_time": None, "mdtrt_id": None})
            answer["err_msg"] = None
        elif mode == "null_required" and infno == "2207":
            info["hifp_pay"] = None
    if profile == "http" and mode == "refmsgid" and infno == "2207":
        answer["inf_refmsgid"] = "OTHER" + "0" * 25
    return answer


def serve() -> int:
    import argparse

    from conform.fixtures.serving import serve as serve_on_loopback
    from conform.fixtures.sample_system.server import SampleServer

    p = argparse.ArgumentParser()
    p.add_argument("profile", choices=("http", "platform"))
    p.add_argument("mode")
    p.add_argument("--port-file", type=Path, required=True)
    a = p.parse_args()
    if a.profile == "platform":
        from conform.fixtures.sample_system.platform import PlatformSystem
        from conform.fixtures.sample_system.platform_server import PlatformHandler

        base, handler = PlatformSystem(hooks=True), PlatformHandler
    else:
        from conform.fixtures.sample_system.server import Handler
        from conform.fixtures.sample_system.service import SampleSystem

        base, handler = SampleSystem(), Handler
    handle = base.handle
    base.handle = lambda env: bend(a.profile, a.mode, env, handle(env))  # type: ignore[method-assign]
    server = SampleServer("127.0.0.1", 0, base)
    server.RequestHandlerClass = handler
    return serve_on_loopback(server, a.port_file, f"bent sample ({a.profile} {a.mode}) on {{url}}")


# ---------------------------------------------------------------------------------------------------- the tests
@contextlib.contextmanager
def bent(profile: str, mode: str):
    """The sample system in MODE in its own process: (its URL, a folder for the run's files)."""
    with tempfile.TemporaryDirectory(prefix="conform-s22-") as tmp:
        port_file = Path(tmp) / "port"
        proc = subprocess.Popen([sys.executable, __file__, profile, mode, "--port-file", str(port_file)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while not port_file.exists():
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port_file.read_text()}/", Path(tmp)
        finally:
            proc.terminate()
            proc.wait(5)


def in_force() -> None:
    import datetime as dt

    from conform.reference.policy import load_policy

    valid_to = load_policy("panzhihua").valid_to
    if valid_to is not None and dt.date.today() > valid_to:
        pytest.skip("攀枝花's document is no longer in force: its scenarios are refused as a whole")


def run_http(mode: str):
    from conform.harness.run import CONFORMANCE, execute, exit_code

    in_force()
    with bent("http", mode) as (url, _):
        run, code = execute(adapter=url, articles=ARTICLE, paths=(CONFORMANCE / "test_features.py",))
        return run, exit_code(run, code)


def run_platform(mode: str, out: Path | None = None):
    """攀枝花 第七条 against the bent platform sample through `conform run` (its reports in `out`), as a vendor runs it:
    (the results.json it wrote, the exit code)."""
    from click.testing import CliRunner

    from conform.fixtures.sample_system.platform import sample_config
    from conform.harness.cli import main as cli

    in_force()
    with bent("platform", mode) as (url, tmp):
        config = tmp / "conform.toml"
        config.write_text(sample_config(url, hooks=True), encoding="utf-8")
        out = out or tmp / "out"
        r = CliRunner().invoke(cli, ["run", "--config", str(config), "--article", ARTICLE[0], "--tag",
                                     "not conform_property", "--out", str(out), "--no-progress"])
        results = json.loads((out / "results.json").read_text(encoding="utf-8"))
        html = (out / "report.html").read_text(encoding="utf-8")
        return results, r.exit_code, html, r.output


def checks(results: dict) -> list[dict]:
    return results["checks"]


def said(c: dict) -> str:
    return json.dumps(c, ensure_ascii=False)


# ------------------------------------------------------------------ 1. the platform's route split, when not told
@pytest.mark.parametrize("mode, why", [
    ("proc_empty", "gives no setl_proc_info"),
    ("no_setldetail", "gives no setldetail rows"),
    ("unmapped_code", "'319901'"),
])
def test_a_route_split_the_answer_does_not_tell_is_not_reported_never_read_as_zero(mode, why):
    results, code, _, output = run_platform(mode)
    cs = checks(results)
    failed = [c for c in cs if c["status"] != "passed" and c["status"] != "not_applicable"]
    assert not failed, [(c["name"], c["message"], c.get("mismatches")) for c in failed]
    assert code == 0, output
    na = [c for c in cs if c["status"] == "not_applicable"]
    assert na and all("does not tell the route split" in c["message"] and why in c["message"] for c in na), \
        [c["message"] for c in na]
    assert any(c["status"] == "passed" for c in cs)   # the rest (hifp_pay, the account…) still checked
    assert "实际 0.00" not in output


# ----------------------------------------------------------- 2. the http profile's answer about another request
@pytest.mark.parametrize("mode, field, sent, answered", [
    ("other_person", "psn_no", None, "SOMEONE-ELSE"),
    ("other_visit", "mdtrt_id", None, "OTHER"),
    ("refmsgid", "inf_refmsgid", None, "OTHER" + "0" * 25),
    ("reversal_same_id", "setl_id", None, None),
])
def test_an_http_answer_about_another_request_fails_on_that_field(mode, field, sent, answered):
    run, code = run_http(mode)
    assert code == 1
    failed = [c for c in run.checks if c.status == "failed"]
    assert failed
    on_field = [m for c in failed for m in c.mismatches if m.field == field]
    assert on_field, [(c.name, c.message, c.mismatches) for c in failed]
    for m in on_field:
        if answered is not None:
            assert m.actual == answered and m.expected != answered
        else:   # the 2208 answered the setl_id it was asked to reverse, as its own
            assert m.actual in m.expected and "撤销" in m.expected
    assert not [c for c in run.checks if c.status == "error"]


def test_an_http_answer_giving_nulls_in_optional_fields_counts_them_absent():
    run, code = run_http("nulls")
    assert not [c for c in run.checks if c.status in ("error", "failed")], \
        [(c.name, c.message) for c in run.checks if c.status in ("error", "failed")]
    assert code == 0
    na = [c for c in run.checks if c.status == "not_applicable"]
    assert na and all("ordinary_pay" in c.message for c in na)   # the split left out: as if not given


def test_an_http_answer_giving_null_in_a_required_field_says_null_not_none():
    run, code = run_http("null_required")
    errors = [c for c in run.checks if c.status == "error"]
    assert errors and code == 3
    for c in errors:
        assert "hifp_pay" in c.message and "given as null" in c.message and "None" not in c.message, c.message


def test_a_type_error_is_said_in_json_words():
    from conform.harness.adapters import schema

    bad = schema.validate("SettleOutput", {"setlinfo": {"setl_id": "S1", "medfee_sumamt": "1.00",
                                                        "inscp_scp_amt": "1.00", "act_pay_dedc": "0.00",
                                                        "hifp_pay": "0.00", "pool_prop_selfpay": "0.5000",
                                                        "fund_pay_sumamt": "0.00", "psn_part_amt": "1.00",
                                                        "acct_pay": "0.00", "psn_cash_pay": "1.00", "psn_no": True}})
    assert bad is not None and bad[1] == "output.setlinfo.psn_no"
    assert "expected a string, got true" in bad[2] and "True" not in bad[2]


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(serve())
