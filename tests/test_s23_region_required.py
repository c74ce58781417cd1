"""`conform run --region FILE` refuses, before any check, a real region file that leaves out a required value.

Probe s23 M3/M7: a 浙江 city's file without `ordinary.ratio.pharmacy` (浙江 二（一）“…门诊和定点零售药店发生的…纳入统筹基金
支付范围”) was certified 合格 with no pharmacy visit drawn and nothing said; a 吉林 file without `chronic.ratio` (二（三）)
ran all its checks and then gave no verdict. Now one message names the file, every missing key and its clause, exit 2.
`conform settle` and `conform audit` still refuse only a settlement that needs the value, naming the same key and
clause. Optional keys, `account.*` figures (A-ZJ-ACCOUNT-METHOD: credits are left unjudged and the run says so) and
the example regions are not demanded.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from conform.harness.cli import main as cli
from conform.harness.generators import lacking_required as _lacking_required
from conform.reference.policy import REGION_DIR, leaves_to_region, load_policy

PHARMACY = "ordinary.ratio.pharmacy"
ZJ_CLAUSE = leaves_to_region(load_policy("zhejiang").requirement_for(PHARMACY), load_policy("zhejiang"))


def _real_copy(tmp_path: Path, example: str, name: str, drop: tuple[str, ...]) -> Path:
    """A real (not example) region: the example's figures without the `drop` keys."""
    text = (REGION_DIR / f"{example}.yaml").read_text(encoding="utf-8")
    for key in drop:
        assert f"  {key}:" in text, key
    lines = [x for x in text.splitlines() if not any(x.startswith(f"  {k}:") for k in drop)]
    text = "\n".join(lines).replace(f"name: {example}", f"name: {name}").replace("example: true", "example: false")
    path = tmp_path / f"{name}.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def test_the_clause_is_zhejiangs_pharmacy_clause():
    assert ZJ_CLAUSE.startswith("浙江 二（一）“") and "定点零售药店" in ZJ_CLAUSE


def test_run_refuses_a_city_without_its_pharmacy_ratio_before_any_check(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    city = _real_copy(tmp_path, "zhejiang-example", "zj-nopharm", (PHARMACY,))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", "--region", str(city), "--out", str(out), "--no-progress", "--examples", "2"])
    assert res.exit_code == 2, res.output[-2000:]  # was 0, 合格, pharmacies never drawn
    errors = [x for x in res.output.splitlines() if x.startswith("conform: error:")]
    assert len(errors) == 1, res.output[-2000:]
    assert f"{PHARMACY} ({ZJ_CLAUSE})" in errors[0] and "zj-nopharm.yaml" in errors[0], errors[0]
    assert not (out / "results.json").exists()  # refused before any check: no report


def test_run_names_every_missing_key_of_a_file_in_one_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    city = _real_copy(tmp_path, "jilin-example", "jl-gaps", ("chronic.ratio", "ordinary.cap"))
    res = CliRunner().invoke(cli, ["run", "--region", str(city), "--out", str(tmp_path / "o"), "--no-progress",
                                   "--examples", "2"])
    assert res.exit_code == 2, res.output[-2000:]  # was 2 only after all its checks, with reports written
    assert "conform 进度" not in res.output  # no check ran
    jilin = load_policy("jilin")
    for key in ("chronic.ratio", "ordinary.cap"):
        assert f"{key} ({leaves_to_region(jilin.requirement_for(key), jilin)})" in res.output, res.output[-2000:]
    assert "lacks required value(s) (2)" in res.output


def test_what_run_does_not_demand(tmp_path):
    # an optional key (吉林's pharmacy ratio: 一 lets a city pay pharmacies nothing), the account figures a city may
    # credit otherwise (浙江 A-ZJ-ACCOUNT-METHOD), and an example region (panzhihua-example lacks the unfiled ratio:
    # the draws leave those visits out by design)
    assert load_policy("jilin").requirement_for(PHARMACY).optional
    jl = _real_copy(tmp_path, "jilin-example", "jl-nopharm", (PHARMACY,))
    zj = _real_copy(tmp_path, "zhejiang-example", "zj-noacct", ("account.in_service.rate_of_base",
                                                               "account.retiree.monthly"))
    assert _lacking_required((str(jl), str(zj), "panzhihua-example")) == []
    for name in ("beijing-example", "jilin-example", "nanchang-example", "zhejiang-example"):
        assert _lacking_required((name,)) == [], name
    # the same example's figures, as a real region, must give the unfiled ratio 攀枝花 第七条 leaves to it
    pz = _real_copy(tmp_path, "panzhihua-example", "pz-real", ())
    [said] = _lacking_required((str(pz),))
    assert "ordinary.ratio.remote_unfiled (攀枝花 第七条“" in said and "A-PZH-REMOTE-UNFILED" in said, said


def _case(tmp_path: Path, region: Path, facility: str, med_type: str) -> Path:
    case = {"policy": "zhejiang", "region": str(region), "person": {"psn_no": "ZJ-01", "psn_type": "1101"},
            "settlements": [{"id": "V1", "date": "2023-06-01", "med_type": med_type, "facility": facility,
                             "medfee_sumamt": "1000.00"}]}
    path = tmp_path / f"case-{facility}.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return path


def test_settle_refuses_only_the_pharmacy_visit_naming_the_same_key_and_clause(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    city = _real_copy(tmp_path, "zhejiang-example", "zj-nopharm", (PHARMACY,))
    res = CliRunner().invoke(cli, ["settle", str(_case(tmp_path, city, "pharmacy", "41"))])
    assert res.exit_code == 2 and f"parameter {PHARMACY} must be supplied" in res.output, res.output
    assert f"({ZJ_CLAUSE})" in res.output, res.output
    # a visit that needs no pharmacy ratio settles: never demand more than a settlement needs
    # 一级 1000.00, 起付线 600 (in service), 70% → (1000 − 600) × 70% = 280.00
    ok = CliRunner().invoke(cli, ["settle", str(_case(tmp_path, city, "primary", "11"))])
    assert ok.exit_code == 0, ok.output
    assert '"hifp_pay": "280.00"' in ok.output, ok.output


def test_audit_leaves_the_pharmacy_row_unassessed_naming_the_same_key_and_clause(tmp_path):
    from conform.audit.run import audit

    city = _real_copy(tmp_path, "zhejiang-example", "zj-nopharm", (PHARMACY,))
    ledger = tmp_path / "l.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
                      "S1,P1,1101,2023-05-01,11,primary,1000.00,280.00\n"
                      "S2,P2,1101,2023-05-01,41,pharmacy,1000.00,200.00\n", encoding="utf-8")
    _, s = audit([str(ledger)], "zhejiang", str(city), write=False, keep_connection=True)
    s["_connection"].close()
    shutil.rmtree(s["_workdir"], ignore_errors=True)
    [why] = s["unassessed_by_reason"]
    assert (why["status"], why["rows"]) == ("refused_parameter", 1), why
    [detail] = why["details"]
    assert f"参数 {PHARMACY} 须由地区配置提供（{ZJ_CLAUSE}）" in detail["note"], detail
