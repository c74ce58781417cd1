"""s20 probe N: defective systems (the sample system with one rule perturbed) the harness passed or blamed wrongly.

- A 2206 that commits (counts the deductible and cap, debits the account) passed 北京 and 浙江: no property asked 2206
  and only 攀枝花, 吉林 and 南昌 had a scenario. Now each of 北京（五）and 浙江 二（一）has one, the ledger machine
  pre-settles where the system supports it, and 南昌's scenario blames 四（二）1 (its total was blamed on nothing).
- A cash payment reported as the whole personal part with acct_pay right was blamed on the pooling articles
  (攀枝花 第七条) by every clause of the visit. Since probe s28 H3 F2 it is the settlement identity's (国家医保平台结算口径):
  the visit's benefit, 第七条, resting on no reading, no longer the account article and A-ACCOUNT-SELFPAY.
- A refused 2208 was a cause "结算受理" with no clause, resting on nothing; a property expected "0（结算成功）".
- An emergency counted into 吉林's ordinary deductible read "应为 0.00" on 二（二）.
- A balance the system did not return read "实际 None", blamed on nothing; an excluded bill's cause was headed 起付线,
  a step the reference never reached.
"""
from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from conform.harness.cli import main as cli
from conform.harness.report.causes import blame, group

PLUGIN = textwrap.dedent('''
    from dataclasses import replace

    from conform.fixtures.sample_plugin import SampleSystemPlugin
    from conform.reference import engine


    class PresettleCommits(SampleSystemPlugin):
        """2206 moves the year's totals and the balance as a 2207 would."""
        name = "s20-presettle-commits"

        def __init__(self, config=None):
            super().__init__(config)
            from conform.reference.engine import PersonLedger
            orig = PersonLedger.settle

            def settle(self, s, commit=True):
                r = orig(self, s, commit=True)
                if not commit:
                    self.settled.pop(s.id, None)
                return r
            PersonLedger.settle = settle


    class CashIgnoresAccount(SampleSystemPlugin):
        """psn_cash_pay reported as the whole personal part, acct_pay right."""
        name = "s20-cash-ignores-account"

        def settle(self, psn_no, settlement):
            info = super().settle(psn_no, settlement)
            return {**info, "psn_cash_pay": info["psn_part_amt"]}


    class RefuseCrossYearReversal(SampleSystemPlugin):
        """A 2208 of an earlier year's settlement refused."""
        name = "s20-refuse-cross-year-reversal"

        def __init__(self, config=None):
            super().__init__(config)
            from conform.reference.engine import PersonLedger
            from conform.reference.policy import PolicyError
            orig = PersonLedger.reverse

            def reverse(self, setl_id, rid=None, date=None):
                if setl_id in self.settled and self.last_date is not None \\
                        and self.settled[setl_id][0].date.year != self.last_date.year:
                    raise PolicyError("跨年度结算不能撤销")
                return orig(self, setl_id, rid, date)
            PersonLedger.reverse = reverse


    class JlEmergencyOrdinary(SampleSystemPlugin):
        """吉林: an emergency (13) settled as an ordinary visit."""
        name = "s20-jl-emergency-ordinary"

        def __init__(self, config=None):
            super().__init__(config)
            orig = engine.compute

            def compute(rules, person, s, ys, trace):
                if rules.policy.id == "jilin" and s.med_type == "13":
                    s = replace(s, med_type="11")
                return orig(rules, person, s, ys, trace)
            engine.compute = compute


    class AcctFlagIgnored(SampleSystemPlugin):
        """acct_used_flag 0 ignored: the account pays though the patient chose cash."""
        name = "s20-acct-flag-ignored"

        def __init__(self, config=None):
            super().__init__(config)
            from conform.reference.engine import PersonLedger
            orig = PersonLedger.settle

            def settle(self, s, commit=True):
                return orig(self, replace(s, acct_used_flag=True) if not s.acct_used_flag else s, commit)
            PersonLedger.settle = settle
''')


def _run(tmp_path, monkeypatch, plugin: str, *args: str) -> tuple[int, dict]:
    plug = tmp_path / "plug"
    plug.mkdir(exist_ok=True)
    (plug / "s20_probe_plugin.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(plug))
    out = tmp_path / plugin
    res = CliRunner().invoke(cli, ["run", "--adapter", f"python:s20_probe_plugin:{plugin}", *args, "--seed", "1",
                                   "--out", str(out), "--no-progress", "--format", "json"])
    assert res.exit_code in (0, 1), res.output[-3000:]
    return res.exit_code, json.loads((out / "results.json").read_text(encoding="utf-8"))


def _failed(d: dict) -> list[dict]:
    return [c for c in d["checks"] if c["status"] == "failed"]


# ----------------------------------------------------------------------------------------------- 1. 2206 commits

def test_a_committing_presettle_fails_beijing_and_zhejiang_in_a_scenario_and_a_property(tmp_path, monkeypatch):
    code, d = _run(tmp_path, monkeypatch, "PresettleCommits", "--article", "beijing-5", "--article", "zhejiang-2.1")
    assert code == 1
    failed = _failed(d)
    scenarios = {c["policy"] for c in failed if c["kind"] == "scenario" and c["name"] == "预结算不计入年度累计"}
    assert scenarios == {"beijing", "zhejiang"}, [(c["policy"], c["name"]) for c in failed]
    ledger = [c for c in failed if c["kind"] == "property" and "年度累计始终等于仍然有效的各笔结算之和" in c["name"]]
    assert {c["policy"] for c in ledger} == {"beijing", "zhejiang"}, [(c["policy"], c["name"]) for c in failed]
    assert all("预结算" in c["message"] for c in ledger), [c["message"] for c in ledger]
    assert all(c["failed_articles"] in (["beijing-5"], ["zhejiang-2.1"]) for c in ledger)


def test_the_new_presettle_scenarios_pass_against_the_reference(tmp_path, monkeypatch):
    out = tmp_path / "ref"
    res = CliRunner().invoke(cli, ["run", "--article", "beijing-5", "--article", "zhejiang-2.1", "--tag",
                                   "not conform_property", "--out", str(out), "--no-progress", "--format", "json"])
    assert res.exit_code == 0, res.output[-3000:]
    checks = json.loads((out / "results.json").read_text(encoding="utf-8"))["checks"]
    mine = [c for c in checks if c["name"] == "预结算不计入年度累计"]
    assert {c["policy"] for c in mine} == {"beijing", "zhejiang"} and all(c["status"] == "passed" for c in mine)


def test_nanchang_presettle_total_blames_the_ordinary_article(tmp_path, monkeypatch):
    code, d = _run(tmp_path, monkeypatch, "PresettleCommits", "--article", "nanchang-4.2.1", "--tag",
                   "not conform_property")
    (c,) = [c for c in _failed(d) if c["name"] == "预结算不占用起付线和限额"]
    assert c["failed_articles"] == ["nanchang-4.2.1"]
    cause = next(z for z in d["causes"] if c["id"] in z["checks"])
    assert cause["clause"] == "南昌 四（二）1", cause


# ---------------------------------------------------------------------------------------- 2. the account's split

def test_cash_off_with_the_part_and_the_account_right_is_the_identity(tmp_path, monkeypatch):
    # acct_pay right, cash the whole part: psn_cash_pay = psn_part_amt − acct_pay is broken, the platform's 结算口径,
    # which neither 第五条 nor A-ACCOUNT-SELFPAY decides (probe s28 H3 F2; this test first pinned 第五条 and that
    # reading): the settlement's benefit fails, resting on no reading, and 第五条's scenarios are not judged (blocked)
    code, d = _run(tmp_path, monkeypatch, "CashIgnoresAccount", "--article", "panzhihua-5")
    failed = _failed(d)
    assert code == 1 and failed
    assert all(c["failed_articles"] == ["panzhihua-7"] for c in failed), [(c["name"], c["failed_articles"])
                                                                          for c in failed]
    assert not any("A-ACCOUNT-SELFPAY" in (c["extra"].get("rests_on") or []) for c in failed)
    broken = [r["tag"] for r in d["matrix"] if r["counts"]["failed"] or r["properties"]["failed"]]
    assert broken == ["panzhihua-7"]
    assert {r["tag"]: r["result"] for r in d["matrix"]}["panzhihua-5"] == "blocked"
    assert {z["clause"] for z in d["causes"]} == {"国家医保平台结算口径；攀枝花 第七条"}, d["causes"]


def test_cash_off_because_the_part_is_off_is_not_the_account_split():
    trace = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "430.00"},
             {"step": "起付线", "clause": "攀枝花 第七条", "value": "200.00"},
             {"step": "支付比例", "clause": "攀枝花 第七条", "value": "115.00"},
             {"step": "个人账户支付", "clause": "攀枝花 第五条；A-ACCOUNT-SELFPAY", "value": "300.00"}]
    m = {"field": "psn_cash_pay", "expected": "85.00", "actual": "385.00", "item": "V1"}
    assert blame([m], {"V1": trace}, "panzhihua") == (["panzhihua-5"], ["A-ACCOUNT-SELFPAY"])
    # the system's own part differs (its fund payment was short): the cash follows the pooling, not the account
    evidence = [{"operation": "settle", "request": {"psn_no": "P", "id": "V1"},
                 "response": {"psn_part_amt": "400.00", "psn_cash_pay": "385.00"}},
                {"operation": "settle", "request": {"psn_no": "P", "id": "V1"},
                 "response": {"psn_part_amt": "385.00", "psn_cash_pay": "85.00"}}]
    tags, _ = blame([m], {"V1": trace}, "panzhihua", evidence)
    assert tags == ["panzhihua-7"]


# ------------------------------------------------------------------------------------------------- 3. reversals

def test_a_refused_reversal_rests_on_a_reversal(tmp_path, monkeypatch):
    code, d = _run(tmp_path, monkeypatch, "RefuseCrossYearReversal", "--article", "panzhihua-7", "--article",
                   "nanchang-4.2.1")
    failed = [c for c in _failed(d) if any(m["field"] == "infcode" for m in c["mismatches"])]
    assert {c["kind"] for c in failed} == {"scenario", "property"}, [c["name"] for c in failed]
    for c in failed:
        assert c["failed_articles"] == [f"{c['policy']}-A-REVERSAL"], (c["name"], c["failed_articles"])
        assert "A-REVERSAL" in (c["extra"].get("rests_on") or []), c["extra"]
        assert all(m["expected"] == "0（撤销成功）" for m in c["mismatches"] if m["field"] == "infcode")
    cause = next(z for z in d["causes"] if failed[0]["id"] in z["checks"])
    assert cause["step"] == "结算撤销" and cause["clause"] and "A-REVERSAL" in cause["clause"], cause


def test_a_reversal_mismatch_cites_the_reading_not_the_settlement():
    trace = [{"step": "起付线", "clause": "攀枝花 第七条", "value": "200.00"}]
    m = {"field": "infcode", "expected": "0（撤销成功）", "actual": "拒绝：跨年", "item": "V1-撤销"}
    assert blame([m], {"": trace}, "panzhihua") == ([], ["A-REVERSAL"])
    (cause,) = group([{"id": "c1", "status": "failed", "kind": "scenario", "policy": "panzhihua",
                       "document": "攀枝花", "articles": ["panzhihua-7"], "mismatches": [m], "trace": trace,
                       "failed_articles": ["panzhihua-A-REVERSAL"], "extra": {"rests_on": ["A-REVERSAL"]}}], {})
    assert (cause["step"], cause["clause"]) == ("结算撤销", "A-REVERSAL")


# ------------------------------------------------------------------------------- 4. an emergency routed elsewhere

def test_an_emergency_counted_in_the_ordinary_deductible_is_named(tmp_path, monkeypatch):
    code, d = _run(tmp_path, monkeypatch, "JlEmergencyOrdinary", "--article", "jilin-2.2", "--tag", "conform_property")
    (c,) = [c for c in _failed(d) if c["name"].startswith("起付线按自然年度累计")]
    assert "按规则不走普通门诊统筹的就诊" in c["message"] and "急诊" in c["message"] and "二(五)" in c["message"], \
        c["message"]
    assert c["failed_articles"] == ["jilin-2.5"]


# -------------------------------------------------------------------------------------------------- 5. messages

def test_an_unreturned_balance_reads_missing_and_blames_the_account_article(tmp_path, monkeypatch):
    code, d = _run(tmp_path, monkeypatch, "AcctFlagIgnored", "--article", "zhejiang-2.3", "--tag",
                   "not conform_property")
    (c,) = [c for c in _failed(d) if c["name"].startswith("城市把施行日期提前到2022年")]
    (m,) = c["mismatches"]
    assert (m["field"], m["actual"]) == ("acct_balance", "(未返回 missing)")
    assert c["failed_articles"] == ["zhejiang-2.3"]
    cause = next(z for z in d["causes"] if c["id"] in z["checks"])
    assert cause["clause"].startswith("浙江 二（三）"), cause


def test_an_excluded_bill_is_headed_by_the_step_the_reference_has():
    trace = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1000.00"},
             {"step": "不予支付", "clause": "攀枝花 第八条", "value": "0.00"},
             {"step": "个人账户支付", "clause": "攀枝花 第五条；A-ACCOUNT-SELFPAY", "value": "0.00"}]
    checks = [{"id": f"c{i}", "status": "failed", "kind": "scenario", "policy": "panzhihua", "document": "攀枝花",
               "articles": ["panzhihua-8"], "mismatches": [m], "trace": trace, "failed_articles": ["panzhihua-8"]}
              for i, m in enumerate([{"field": "act_pay_dedc", "expected": "0.00", "actual": "200.00", "item": "V1"},
                                     {"field": "hifp_pay", "expected": "0.00", "actual": "400.00", "item": "V1"}])]
    (cause,) = group(checks, {})
    assert (cause["step"], cause["clause"]) == ("不予支付", "攀枝花 第八条")
    assert "“起付线”" not in cause["headline"]
