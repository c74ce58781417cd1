"""A system that leaves out the route split (ordinary_pay / chronic_pay / inpatient_pay: the harness's optional
extension, docs/connect-your-system.md, which no platform message carries) is not 不合格 for it.

Before (probe s19 F), every scenario step naming one of them compared it as "(missing)": a system whose every figure
was the reference's got exit 1, 不合格, blamed on 攀枝花 第七条 / 第九条 / 第十条. The properties already compared the
split only where reported. Now a scenario that names a split figure the system leaves out, and whose every step
passed, is 不适用 (not applicable), naming the figure — never 通过 on what it could check — and one whose other steps
fail still fails on them: a wrong hifp_pay is caught with the split left out.
"""
from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from conform.harness.cli import main as cli

PLUGIN = textwrap.dedent('''
    from conform.fixtures.sample_plugin import SampleSystemPlugin

    SPLIT = ("ordinary_pay", "chronic_pay", "inpatient_pay")


    def _drop(info, more=0):
        info = {k: v for k, v in info.items() if k not in SPLIT}
        if more and "hifp_pay" in info and info["hifp_pay"] not in ("0.00", "-0.00"):
            info["hifp_pay"] = f"{float(info['hifp_pay']) + more:.2f}"  # a test plugin's own wrong figure
        return info


    class NoSplit(SampleSystemPlugin):
        """The sample system, right in every figure, without the route split."""
        name = "no-split"
        more = 0

        def settle(self, psn_no, settlement):
            return _drop(super().settle(psn_no, settlement), self.more)

        def presettle(self, psn_no, settlement):
            return _drop(super().presettle(psn_no, settlement), self.more)

        def reverse(self, psn_no, setl_id):
            return _drop(super().reverse(psn_no, setl_id))


    class NoSplitPaysMore(NoSplit):
        """Without the split, and one yuan too much from the fund on every paid visit."""
        name = "no-split-pays-more"
        more = 1
''')


def _run(tmp_path, monkeypatch, plugin: str, article: str):
    plug = tmp_path / "plug"
    plug.mkdir(exist_ok=True)
    (plug / "nosplit_plugin.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(plug))
    out = tmp_path / plugin
    res = CliRunner().invoke(cli, ["run", "--adapter", f"python:nosplit_plugin:{plugin}", "--article", article,
                                   "--tag", "not conform_property", "--out", str(out), "--no-progress", "--format", "json"])
    checks = json.loads((out / "results.json").read_text(encoding="utf-8"))["checks"]
    return res, checks


def test_a_correct_system_without_the_split_is_not_failed_for_it(tmp_path, monkeypatch):
    # 攀枝花 第十条 (chronic care): its scenarios name 慢特病统筹支付 / 普通门诊统筹支付 (all 16 failed before)
    res, checks = _run(tmp_path, monkeypatch, "NoSplit", "panzhihua-10")
    assert res.exit_code == 0, res.output[-2000:]
    statuses = {c["status"] for c in checks}
    assert statuses <= {"passed", "not_applicable"} and "failed" not in statuses, statuses
    na = [c for c in checks if c["status"] == "not_applicable"]
    assert na and all("未报告此场景核对的按待遇路径拆分的统筹支付" in c["message"] for c in na), [c["message"] for c in na]
    assert any("chronic_pay" in c["message"] for c in na)
    # a scenario naming no split figure is still checked and passes
    assert any(c["status"] == "passed" for c in checks)


def test_a_wrong_fund_payment_still_fails_with_the_split_left_out(tmp_path, monkeypatch):
    res, checks = _run(tmp_path, monkeypatch, "NoSplitPaysMore", "panzhihua-10")
    assert res.exit_code == 1, res.output[-2000:]
    failed = [c for c in checks if c["status"] == "failed"]
    assert failed and any(m["field"] == "hifp_pay" for c in failed for m in c["mismatches"]), failed[:1]
    assert not any(m["actual"] == "(missing)" for c in failed for m in c["mismatches"])
