"""南昌 四（四）: pharmacies settle within ordinary pooling, and the text names no ratio for them (rtext Q1).

“普通门诊统筹实行定点医药机构管理……支持外配处方在定点零售药店结算和配药” — 四（二）1 sets ratios by facility level
only (一级及以下60%、二级55%、三级50%), and a pharmacy has no level. The harness once read the lowest, 50%
(“never pays more than a level the text names”), so a 南昌 system paying pharmacies at 60% failed every pharmacy
scenario. The ratio is now the region's (`ordinary.ratio.in_service.pharmacy`, A-NC-PHARMACY), required as 攀枝花's
unfiled ratio is: a pharmacy settlement without it is refused naming the key and 四（四）, never paid at a guessed level
nor paid nothing (吉林 一's optional cover). Retirees take it plus 四（二）1's 5 points.

Figures by hand: 1600.00 at a pharmacy, 起付线 600 (四（二）1) → 1000.00 in the ratio.
  region 60%: in service 1000 × 60% = 600.00; retiree 1000 × (60% + 5%) = 650.00
  nanchang-example 58%: in service 1000 × 58% = 580.00; retiree 1000 × 63% = 630.00
"""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from conform.harness import generators
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import REGION_DIR, PolicyError, bind, check_region

KEY = "ordinary.ratio.in_service.pharmacy"


def _pharmacy(psn_type: str, region: str | None, params: dict | None = None, amount: str = "1600.00"):
    case = parse_case({"policy": "nanchang", "person": {"psn_no": "P1", "psn_type": psn_type},
                       "settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "41", "facility": "pharmacy",
                                        "medfee_sumamt": amount}]})
    return PersonLedger(bind("nanchang", region, params), case.person).settle(case.items[0])


@pytest.mark.parametrize("psn_type", ["1101", "1201"])
def test_a_pharmacy_without_the_regions_ratio_is_refused_naming_the_key_and_article(psn_type):
    # before: paid at 三级 50% (500.00 / 550.00) by the reading A-NC-PHARMACY; now the figure is the region's
    with pytest.raises(PolicyError) as e:
        _pharmacy(psn_type, None)
    text = str(e.value)
    # a retiree's refusal names the key a region can write (the in-service figure), not a retiree key
    assert KEY in text and "南昌 四（四）" in text and "支持外配处方在定点零售药店结算和配药" in text, text
    assert "ordinary.ratio.retiree.pharmacy" not in text


@pytest.mark.parametrize("psn_type, paid, ratio", [("1101", "600.00", "0.6"), ("1201", "650.00", "0.65")])
def test_a_region_paying_pharmacies_at_sixty_percent_is_settled_so(psn_type, paid, ratio):
    # (1600 − 600) × 60% = 600.00; retiree (60% + 5%) → 650.00 — the system rtext Q1 saw failed is right here
    r = _pharmacy(psn_type, None, {KEY: "0.60"})
    assert (r.act_pay_dedc, r.hifp_pay, r.pool_prop_selfpay) == (Decimal("600.00"), Decimal(paid), Decimal(ratio))
    steps = {s["step"]: s["clause"] for s in r.trace.render()}
    assert steps["支付比例"].startswith("南昌 四（四）；A-NC-PHARMACY"), steps


@pytest.mark.parametrize("psn_type, paid", [("1101", "580.00"), ("1201", "630.00")])
def test_the_example_region_gives_an_example_pharmacy_ratio(psn_type, paid):
    # nanchang-example: 58% (fictitious); 1000 × 58% = 580.00, retiree 1000 × 63% = 630.00
    assert _pharmacy(psn_type, "nanchang-example").hifp_pay == Decimal(paid)


def test_a_hospital_visit_needs_no_pharmacy_ratio():
    # asked for only by a pharmacy settlement: 三级 1600.00 → (1600 − 600) × 50% = 500.00 without it
    case = parse_case({"policy": "nanchang", "person": {"psn_no": "P1", "psn_type": "1101"},
                       "settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "tertiary",
                                        "medfee_sumamt": "1600.00"}]})
    assert PersonLedger(bind("nanchang"), case.person).settle(case.items[0]).hifp_pay == Decimal("500.00")


def test_the_retirees_pharmacy_ratio_is_not_a_second_region_figure():
    # 四（二）1 享受职工医保退休待遇的人员支付比例提高5个百分点: the retirees' is the in-service figure + 5 points
    with pytest.raises(PolicyError, match="not a value 南昌 leaves to a region"):
        bind("nanchang", None, {KEY: "0.60", "ordinary.ratio.retiree.pharmacy": "0.70"})


def _region_without_ratio(tmp_path: Path) -> Path:
    text = (REGION_DIR / "nanchang-example.yaml").read_text(encoding="utf-8")
    assert f"  {KEY}:" in text
    path = tmp_path / "nc-nopharm.yaml"
    path.write_text("\n".join(line for line in text.splitlines() if not line.startswith(f"  {KEY}:"))
                    .replace("name: nanchang-example", "name: nc-nopharm").replace("example: true", "example: false")
                    + "\n", encoding="utf-8")
    return path


def test_check_region_lists_the_pharmacy_ratio_as_required(tmp_path):
    check = check_region(str(_region_without_ratio(tmp_path)))
    assert check.errors == () and KEY in check.missing_required, check
    assert KEY not in check_region("nanchang-example").missing_required


def test_the_draws_leave_pharmacies_out_where_the_region_gives_no_ratio_and_try_another_ratio(tmp_path):
    generators.choose_regions(())
    generators.clear_caches()
    try:
        setting = generators.Setting("nanchang", str(_region_without_ratio(tmp_path)))
        # not a gap that would skip the whole region (a real city's file under --region): its pharmacies are not drawn
        assert generators.setting_gaps(setting) == ()
        assert generators.pharmacy_open(setting) == KEY
        assert generators.pharmacy_open(generators.Setting("nanchang", "nanchang-example")) is None
        person = generators.decode_person(setting, 2023, "1201", 0, None)
        for seed in range(1, 4000, 7):
            fields, _ = generators.decode_settlement(setting, person, seed * 104729)
            assert fields["facility"] != "pharmacy" and fields["med_type"] != "41"
        # the draws settle the example's 58% and another region's 50%
        ratios = {s.rules.find(KEY).value for s in generators.settings_for("nanchang")}
        assert {Decimal("0.58"), Decimal("0.50")} <= ratios, ratios
    finally:
        generators.choose_regions(())
        generators.clear_caches()


def test_the_audit_leaves_a_pharmacy_row_unassessed_without_the_ratio_and_assesses_the_rest(tmp_path):
    from conform.audit.run import audit

    # P1 三级 1600.00 → 500.00 (四（二）1) assessed and right; P2 药店 1600.00 needs the region's ratio: unassessed
    ledger = tmp_path / "l.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
                      "S1,P1,1101,2023-05-01,11,tertiary,1600.00,500.00\n"
                      "S2,P2,1101,2023-05-01,41,pharmacy,1600.00,500.00\n", encoding="utf-8")
    code, s = audit([str(ledger)], "nanchang", str(_region_without_ratio(tmp_path)), write=False,
                    keep_connection=True)
    try:
        found = s["_connection"].execute(f"SELECT count(*) FROM '{s['_discrepancies']}'").fetchall()[0][0]
    finally:
        s["_connection"].close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
    # (the plan's reason for such a row is its generic 地区配置缺少所需的参数; the engine's message names the key)
    assert found == 0 and s["unassessed"] == 1 and code == 2, s["unassessed_by_reason"]
    [why] = s["unassessed_by_reason"]
    assert (why["status"], why["example_setl_id"], why["rows"]) == ("refused_parameter", "S2", 1), why
