"""南昌 四（二）2: what follows a disease's yearly cap is the region's to say (rtext Q2).

“门诊特殊慢性病待遇。……零起付线，统筹基金支付比例为80%-98%,年度最高支付限额从4000元到60万元。” The explanation
summarises 47 articles that are not published; its silence on the costs past a cap is no rule that nothing follows
(攀枝花 第十一条 and 吉林 六（三）send them to ordinary pooling). The harness once read it as “no transfer”
(A-NC-CHRONIC-NO-OVERFLOW). Now `chronic.overflow_to_ordinary` is a region key of 南昌 — the same key and engine path as
攀枝花's and 吉林's fixed flag — required, and asked for only by a settlement its disease's cap cuts
(A-NC-CHRONIC-OVERFLOW).

Figures by hand (M03900 80%, cap 4000, 零起付线; ordinary 起付线 600, 三级 50%, 一级 60% (+5 retirees), cap 1800/2000):
  V1 三级 4500.00: 4500 × 80% = 3600.00, within the cap; 400.00 left.
  V2 三级 2000.00: 2000 × 80% = 1600.00 > 400.00 → chronic 400.00, which pays for 400 / 80% = 500.00 of the cost.
    false: nothing more; hifp 400.00.
    true:  2000 − 500 = 1500.00 to ordinary pooling: deductible 600.00, (1500 − 600) × 50% = 450.00; hifp 850.00.
    true, retiree at 一级: (1500 − 600) × 65% = 585.00; hifp 985.00.
    absent: refused, naming the key and 四（二）2.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.harness import generators
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import REGION_DIR, PolicyError, bind, check_region

KEY = "chronic.overflow_to_ordinary"
FIGURES = {"chronic.M03900.ratio": "0.80", "chronic.M03900.cap": "4000"}


def _ledger(flag: str | None, psn_type: str = "1101"):
    params = dict(FIGURES, **({KEY: flag} if flag is not None else {}))
    case = parse_case({"policy": "nanchang", "person": {"psn_no": "P1", "psn_type": psn_type,
                                                        "chronic_diseases": [{"dise_codg": "M03900", "kind": "chronic"}]},
                       "settlements": []})
    return PersonLedger(bind("nanchang", None, params), case.person)


def _visit(sid: str, date: str, amount: str, facility: str = "tertiary"):
    case = parse_case({"policy": "nanchang", "person": {"psn_no": "P1", "psn_type": "1101", "chronic_diseases": [
                           {"dise_codg": "M03900", "kind": "chronic"}]},
                       "settlements": [{"id": sid, "date": date, "med_type": "14", "dise_codg": "M03900",
                                        "facility": facility, "medfee_sumamt": amount}]})
    return case.items[0]


def test_without_the_flag_only_the_visit_the_cap_cuts_is_refused_and_nothing_is_counted():
    ledger = _ledger(None)
    v1 = ledger.settle(_visit("V1", "2023-02-01", "4500.00"))
    assert v1.chronic_pay == Decimal("3600.00")  # within the cap: the flag decides nothing
    with pytest.raises(PolicyError) as e:  # before: 400.00, no transfer (A-NC-CHRONIC-NO-OVERFLOW)
        ledger.settle(_visit("V2", "2023-03-01", "2000.00"))
    text = str(e.value)
    assert "settlement V2" in text and KEY in text and "南昌 四（二）2" in text, text
    # the refused settlement counted nothing: 400.00 of the cap is still there (400 × 80% = 320.00)
    assert ledger.settle(_visit("V3", "2023-04-01", "400.00")).chronic_pay == Decimal("320.00")


def test_a_region_without_transfer_is_paid_to_the_cap_and_the_step_cites_the_region_reading():
    ledger = _ledger("false")
    ledger.settle(_visit("V1", "2023-02-01", "4500.00"))
    v2 = ledger.settle(_visit("V2", "2023-03-01", "2000.00"))
    assert (v2.chronic_pay, v2.ordinary_pay, v2.hifp_pay, v2.act_pay_dedc) == (
        Decimal("400.00"), Decimal("0.00"), Decimal("400.00"), Decimal("0.00"))
    steps = {s["step"]: s["clause"] for s in v2.trace.render()}
    assert steps["超出慢特病限额"] == "南昌 四（二）2；A-NC-CHRONIC-OVERFLOW", steps


@pytest.mark.parametrize("psn_type, facility, ordinary", [("1101", "tertiary", "450.00"),
                                                           ("1201", "primary", "585.00")])
def test_a_region_with_transfer_pays_the_rest_under_ordinary_pooling(psn_type, facility, ordinary):
    # before: a region could not say so — `chronic.overflow_to_ordinary` was fixed by 四（二）2 (“cannot be set”)
    ledger = _ledger("true", psn_type)
    ledger.settle(_visit("V1", "2023-02-01", "4500.00"))
    v2 = ledger.settle(_visit("V2", "2023-03-01", "2000.00", facility))
    assert (v2.chronic_pay, v2.ordinary_pay, v2.act_pay_dedc) == (Decimal("400.00"), Decimal(ordinary),
                                                                  Decimal("600.00"))
    assert v2.hifp_pay == Decimal("400.00") + Decimal(ordinary)
    steps = {s["step"]: s["clause"] for s in v2.trace.render()}
    assert steps["转入普通门诊统筹"] == "南昌 四（二）2；A-NC-CHRONIC-OVERFLOW", steps
    assert ledger.ytd(2023).ordinary_pay == Decimal(ordinary)


def test_the_flag_reads_true_or_false_only():
    with pytest.raises(PolicyError) as e:
        bind("nanchang", None, {KEY: "yes"})
    assert KEY in str(e.value) and "true or false" in str(e.value)


def _region_without_flag(tmp_path):
    text = (REGION_DIR / "nanchang-example.yaml").read_text(encoding="utf-8")
    assert f"  {KEY}:" in text
    path = tmp_path / "nc-noflag.yaml"
    path.write_text("\n".join(line for line in text.splitlines() if not line.startswith(f"  {KEY}:"))
                    .replace("name: nanchang-example", "name: nc-noflag").replace("example: true", "example: false")
                    + "\n", encoding="utf-8")
    return path


def test_check_region_lists_the_flag_as_required_and_the_example_gives_it(tmp_path):
    check = check_region(str(_region_without_flag(tmp_path)))
    assert check.errors == () and KEY in check.missing_required, check
    assert KEY not in check_region("nanchang-example").missing_required
    assert bind("nanchang", "nanchang-example").find(KEY).value is False


def test_the_draws_settle_both_values_and_leave_chronic_visits_out_without_it(tmp_path):
    generators.choose_regions(())
    generators.clear_caches()
    try:
        values = {s.rules.find(KEY).value for s in generators.settings_for("nanchang")}
        assert values == {True, False}, values
        setting = generators.Setting("nanchang", str(_region_without_flag(tmp_path)))
        assert generators.setting_gaps(setting) == ()  # not skipped whole: its ordinary visits are still drawn
        assert generators.chronic_open(setting) == KEY
        assert generators.settleable_diseases(setting) == ()
        assert generators.settleable_diseases(generators.Setting("nanchang", "nanchang-example"))
    finally:
        generators.choose_regions(())
        generators.clear_caches()
