"""The platform profile against the sample system's `--profile platform` mode, over real HTTP.

One server per mode for the module (all started at once, own processes, free
loopback ports): the correct system with its test hooks, the same without
hooks (as a real test environment), and defective twins: two engine twins and
three platform-only ones. Each twin runs only the article holding the scenario
that catches it; the correct system runs the whole feature suite once.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import httpx
import pytest
import sample_server
from click.testing import CliRunner
from sample_server import SampleServer, start_all

from conform.fixtures.sample_system.platform import sample_config
from conform.harness.run import CONFORMANCE, execute, run_command

FEATURES = (CONFORMANCE / "test_features.py",)
NC = "四（二）1_普通门诊待遇"
PZH7 = "第07条_普通门诊统筹"
PZH10 = "第10条_门诊慢特病保障"
SUBSET = ("nanchang-4.2.1", "panzhihua-7")

# twin → (articles run, [(feature stem, scenario, example values)]) that must fail against it
NC_ONLY, PZH_ONLY = ("nanchang-4.2.1",), ("panzhihua-7",)
TWINS = {
    # V2 pays the whole deductible 600 again instead of 0
    "deductible_per_visit": (NC_ONLY, [(NC, "在职职工多次三级就诊，达到1800元限额后不再支付", {})]),
    # 500 − 50 − 0 = 450 instead of 500 − 50 − 0 − 20 = 430
    "policy_scope_ignores_preselfpay": (PZH_ONLY, [(PZH7, "三级医院一次就诊跨过起付线，分项自付不计入政策范围", {})]),
    # 2204 gives 先行自付 0 for the 20.00 line: caught at 2204 itself, naming the fee line
    "platform:fee_preselfpay_ignored": (PZH_ONLY, [(PZH7, "三级医院一次就诊跨过起付线，分项自付不计入政策范围", {})]),
    # 慢特病 800 reported as 普通门诊统筹 in setldetail: chronic_pay 0 instead of 800
    "platform:setldetail_all_ordinary": (("panzhihua-10",), [(PZH10, "门诊慢特病按所执行的慢特病政策支付", {})]),
    # after the 2208 the year still shows deductible 600
    "platform:cuminfo_keeps_reversed": (NC_ONLY, [(NC, "撤销结算后起付线和统筹支付恢复（A-REVERSAL）", {})]),
}


# Seven servers start at once on a shared 2-core machine: give them longer than one alone needs.
sample_server.START_TIMEOUT_S = max(sample_server.START_TIMEOUT_S, 90.0)


class PlatformServer(SampleServer):
    def __init__(self, hooks: bool = True, defect: str | None = None, platform_defect: str | None = None):
        super().__init__(defect=defect)
        self.hooks = hooks
        self.args += ["--profile", "platform", "--platform-hooks", "all" if hooks else "none"]
        if platform_defect:
            self.args += ["--platform-defect", platform_defect]

    def config(self, tmp: Path) -> str:
        path = tmp / f"conform-{self.port}.toml"
        path.write_text(sample_config(self.url, hooks=self.hooks), encoding="utf-8")
        return str(path)


@pytest.fixture(scope="module")
def servers():
    made = {"hooks": PlatformServer(), "none": PlatformServer(hooks=False)}
    for twin in TWINS:
        kind, _, name = twin.rpartition(":")
        made[twin] = PlatformServer(platform_defect=name) if kind else PlatformServer(defect=name)
    start_all(list(made.values()))
    yield made
    for s in made.values():
        s.stop()


def matching(run, stem, scenario, example):
    found = [c for c in run.checks if Path(c.feature_file).stem == stem
             and (c.name == scenario or c.name.startswith(scenario + " ["))
             and all(f"{k}={v}" in c.name for k, v in example.items())]
    assert found, f"no scenario {scenario!r} in {stem}"
    return found


def test_the_whole_feature_suite_passes_through_the_platform_profile(servers, tmp_path):
    s = servers["hooks"]
    run, code = execute(adapter=f"platform+{s.url}", config=s.config(tmp_path), paths=FEATURES)
    counts = run.counts()
    assert code == 0 and counts["failed"] == 0 and counts["error"] == 0, [
        (c.name, c.message) for c in run.checks if c.status in ("failed", "error")][:5]
    assert counts["passed"] > 600 and run.adapter["adapter"] == "platform"
    # With every hook on and a catalogue holding a 0 cap and a 100% 先行自付 item, every scenario runs (the repeated
    # 2207 of A-SETTLE-ONCE too: the adapter resends the visit's 2207, PlatformAdapter.settle_again)
    na = [c for c in run.checks if c.status == "not_applicable"]
    assert na == [], [c.message for c in na][:3]
    # The evidence is what went over the wire: the platform envelope, amounts as numbers
    ev = next(e for c in run.checks if c.status == "passed" for e in c.evidence if e["request"]["infno"] == "2207")
    assert ev["request"]["sign_no"] and ev["request"]["infver"] == "V1.0" and "setlinfo" in ev["response"]["output"]


def test_conform_run_command_line_with_the_platform_adapter(servers, tmp_path):
    s = servers["hooks"]
    result = CliRunner().invoke(run_command, ["--adapter", f"platform+{s.url}", "--config", s.config(tmp_path),
                                              "--article", "panzhihua-7", "--tag", "not conform_property", "--out", str(tmp_path / "reports")])
    assert result.exit_code == 0, result.output[-2000:]
    assert (tmp_path / "reports" / "results.json").is_file()


@pytest.mark.parametrize("twin", sorted(TWINS))
def test_defective_twins_are_caught_through_the_platform_profile(twin, servers, tmp_path):
    articles, caught = TWINS[twin]
    s = servers[twin]
    run, code = execute(adapter=f"platform+{s.url}", config=s.config(tmp_path), articles=articles, paths=FEATURES)
    assert code != 0 and not run.unreachable
    for stem, scenario, example in caught:
        for c in matching(run, stem, scenario, example):
            assert c.status == "failed" and c.mismatches, (twin, c.name, c.status, c.message)
    if twin == "platform:fee_preselfpay_ignored":
        assert any("2204 feedetl_sn" in m.item and m.field == "preselfpay_amt"
                   for c in run.checks for m in c.mismatches)


def test_without_test_hooks_the_right_scenarios_are_not_applicable_and_the_rest_pass(servers, tmp_path):
    s = servers["none"]
    config = s.config(tmp_path)
    assert tomllib.loads(Path(config).read_text(encoding="utf-8"))["adapter"]["platform"]["hooks"] == []
    run, code = execute(adapter=f"platform+{s.url}", config=config, articles=SUBSET, paths=FEATURES)
    counts = run.counts()
    assert code == 0 and counts["failed"] == 0 and counts["error"] == 0, [
        (c.name, c.message) for c in run.checks if c.status in ("failed", "error")][:5]
    nanchang = [c for c in run.checks if c.policy == "nanchang"]
    assert sum(c.status == "passed" for c in nanchang) >= 15 and counts["not_applicable"] >= 20

    def reason(stem, scenario, example=None):
        return {c.message for c in matching(run, stem, scenario, example or {})}

    # a year boundary: V2 on 1 January of the next year cannot be settled today
    assert all("year boundary" in m for m in reason(NC, "1月1日起起付线和限额重新计算"))
    # opening totals the pool persons do not have (此前已累计)
    assert all("opening totals" in m for m in reason(PZH7, "接近、达到和超过年度最高支付限额"))
    # a mid-year retirement holds only at its date
    assert all("retire_date" in m for m in reason(PZH7, "年中退休后按退休人员标准，当年累计继续计算"))
    # and a plain single-year visit still runs, on a pool person, settled today (while 攀枝花's measures are
    # in force: after their valid_to the rules today differ from the scenario's, which is not applicable)
    import datetime as dt

    from conform.reference.policy import load_policy

    valid_to = load_policy("panzhihua").valid_to
    expired = valid_to is not None and dt.date.today() > valid_to
    assert {c.status for c in matching(run, PZH7, "三级医院一次就诊跨过起付线，分项自付不计入政策范围", {})} == {
        "not_applicable" if expired else "passed"}


@pytest.mark.parametrize("headers", [b"Content-Length: -5\r\n", b"Content-Length: 99999999999999999999\r\n"])
def test_the_platform_mode_bounds_a_request_like_the_http_mode(servers, headers):
    """The same request reading as the http profile's server: a bad length is answered 413, never read to EOF."""
    import socket

    s = servers["hooks"]
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n{}")
        sock.shutdown(socket.SHUT_WR)
        reply = sock.recv(65536)
    assert b" 413 " in reply.split(b"\r\n")[0], reply[:200]
    assert httpx.get(s.url, timeout=5).json()["status"] == "ok"  # and it still serves
