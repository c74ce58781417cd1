"""Generators build only coherent persons, and the shaped years land on the fen boundaries they aim at."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import find, given, settings
from hypothesis import strategies as st

from conform.harness.generators import (Setting, example_regions, fen_edge_person_year, first_year, holds_account,
                                        off_grid_amount, person_years, setting_gaps, settings_for, settleable_diseases,
                                        skipped_settings)
from conform.harness.properties.accounts import use_years
from conform.reference.policy import POLICY_IDS, REGION_DIR

FEN = Decimal("0.01")


@settings(max_examples=150, deadline=None, database=None)
@given(person_years("panzhihua"))
def test_a_person_without_an_account_has_no_balance(py):
    p = py.person
    if not holds_account(py.setting, p.has_account, p.is_flexible, p.flex_tier):
        assert p.acct_balance is None


@settings(max_examples=60, deadline=None, database=None)
@given(st.data())
def test_account_uses_are_drawn_for_account_holders_only(data):
    ex = data.draw(use_years("panzhihua"))
    p = ex.person
    assert holds_account(ex.setting, p.has_account, p.is_flexible, p.flex_tier) and p.acct_balance is not None


def test_off_grid_amount_makes_running_total_rounding_differ():
    for ratio in (Decimal("0.5"), Decimal("0.55"), Decimal("0.6"), Decimal("0.7"), Decimal("0.85"), Decimal("0.9")):
        x = off_grid_amount(ratio)
        each = (x * ratio).quantize(FEN, rounding=ROUND_HALF_UP)
        assert any((x * ratio * k).quantize(FEN, rounding=ROUND_HALF_UP) != each * k for k in range(2, 7)), ratio


def test_shaped_year_leaves_the_deductible_one_fen_short():
    setting = settings_for("nanchang")[0]
    py = fen_edge_person_year(setting, 2023, "1101", "tertiary", short_fen=1)
    assert py is not None
    # 南昌 四（二）1: 起付线 600 → V1 599.99, V2 counts the last 0.01
    assert py.settlements[0].medfee_sumamt == Decimal("599.99")
    assert py.settlements[1].medfee_sumamt - off_grid_amount(Decimal("0.5")) == Decimal("0.01")


def test_every_shipped_example_region_is_drawn_from():
    # the generators themselves avoid what 攀枝花's missing ordinary.ratio.remote_unfiled would decide
    for policy in POLICY_IDS:
        assert not skipped_settings(policy), policy
        # (吉林's example is also drawn without pharmacy cover, its values inline: region None)
        assert {s.region for s in settings_for(policy)} - {None} == set(example_regions()[policy]), policy


def test_a_facility_ratio_a_region_leaves_out_is_a_gap(tmp_path):
    beijing = (REGION_DIR / "beijing-example.yaml").read_text(encoding="utf-8")
    path = tmp_path / "bj.yaml"
    path.write_text(beijing.replace('  ordinary.ratio.retiree.pharmacy: "0.85"\n', "").replace("name: beijing-example", "name: bj"),
                    encoding="utf-8")  # each copy a name of its own: an example's name means the shipped file
    assert setting_gaps(Setting("beijing", str(path))) == ("ordinary.ratio.retiree.pharmacy",)
    unbound = tmp_path / "unbound.yaml"  # a region that does not bind: every draw would be refused
    unbound.write_text(beijing.replace("name: beijing-example", "name: unbound") + '  ordinary.cap: "20000"\n',
                       encoding="utf-8")  # 北京 gives a cap per person type
    assert "ordinary.cap is not a value 北京 leaves to a region" in setting_gaps(Setting("beijing", str(unbound)))[0]
    later = tmp_path / "late.yaml"  # 吉林 六（一）: a region may start later than the first year drawn
    jilin = (REGION_DIR / "jilin-example.yaml").read_text(encoding="utf-8")
    later.write_text(jilin.replace("name: jilin-example", "name: late") + '  valid_from: "2024-01-01"\n', encoding="utf-8")
    # no gap: its draws start in its own first year (s23 probeM 2 — a later start the text allows is no gap)
    assert setting_gaps(Setting("jilin", str(later))) == ()
    assert first_year(Setting("jilin", str(later))) == 2024
    assert setting_gaps(Setting("beijing", str(REGION_DIR / "beijing-example.yaml"))) == ()


def test_jilin_is_also_drawn_without_pharmacy_cover():
    """吉林 一 leaves pharmacy cover to the region: a region that has not taken it up pays no purchase there,
    ordinary or chronic (A-JL-PHARMACY-CHRONIC), so the properties also draw the example region without its
    pharmacy ratio; every other value is the example's."""
    from conform.harness.generators import settings_for
    from conform.reference.policy import load_region_file

    example = load_region_file("jilin-example").values
    without = [s for s in settings_for("jilin") if s.rules.find("ordinary.ratio.pharmacy") is None]
    assert len(without) == 1 and without[0].region is None
    assert without[0].param_dict == {str(k): str(v) for k, v in example.items() if k != "ordinary.ratio.pharmacy"}


def _shared_cap_codes(py) -> list[str]:
    """The person's chronic diseases without a cap of their own (吉林: they share the region's chronic cap)."""
    rules = py.setting.rules
    return [d.dise_codg for d in py.person.diseases if d.kind == "chronic" and rules.find(f"chronic.{d.dise_codg}.cap") is None]


def test_jilin_persons_can_hold_two_diseases_sharing_the_chronic_cap():
    # 吉林 二（三）: diseases without a cap of their own share one (A-JL-CHRONIC-CAP-PER-DISEASE); with a single
    # such code on offer no draw could hold two of them, and a cap paid once per disease went unseen
    setting = Setting("jilin", "jilin-example")
    own_cap = [c for c, _ in settleable_diseases(setting) if setting.rules.find(f"chronic.{c}.cap") is None]
    assert len(own_cap) >= 2, own_cap
    py = find(person_years("jilin"), lambda py: len(_shared_cap_codes(py)) >= 2,
              settings=settings(max_examples=2000, database=None, deadline=None))
    assert len(set(_shared_cap_codes(py))) >= 2


def test_zhejiang_is_also_drawn_with_the_retiree_deductible_derived_from_an_odd_fen():
    # 浙江 二（一）减半执行 with half a fen to round (A-ZJ-HALF-FEN): the example's 600/300 never had one
    from conform.harness.properties import figures as fig

    derived = [s for s in settings_for("zhejiang") if s.region is None]  # the example's values inline, changed
    assert len(derived) == 1
    assert fig.deductible(derived[0].rules, "in_service") == Decimal("600.01")
    assert fig.deductible(derived[0].rules, "retiree") == Decimal("300.01")


def test_jilin_is_also_drawn_with_an_inpatient_cap_a_year_reaches():
    # the example's 150000 was reached by no default run: the cap 二（四）–（六）share went unchecked by properties
    low = [s for s in settings_for("jilin") if s.rules.supplied["inpatient.cap"].value == Decimal("5000")]
    assert [s.region for s in low] == ["jilin-example"]


def test_annual_cap_tries_the_shared_chronic_cap_and_the_inpatient_cap_first():
    from conform.harness.properties import figures as fig
    from conform.harness.properties.settlement import _annual_cap_examples

    shared, inpatient = _annual_cap_examples("jilin")
    rules = shared.setting.rules
    codes = {s.dise_codg for s in shared.settlements}
    assert len(codes) == 2 and {fig.route(rules, shared.person, s).bucket for s in shared.settlements} == {"*"}
    # each visit alone could fill the shared cap: (5200 − 200) × 70% = 3500 ≥ 3000
    assert all((s.medfee_sumamt - 200) * Decimal("0.7") >= fig.chronic_cap(rules, s.dise_codg) for s in shared.settlements)
    rules = inpatient.setting.rules
    # (5000 − 800) × 80% = 3360 twice: 6720 > the cap 5000
    assert all(fig.route(rules, inpatient.person, s).kind == "inpatient" for s in inpatient.settlements)
    assert sum((s.medfee_sumamt - 800) * fig.inpatient_ratio(rules, s.facility, "in_service")
               for s in inpatient.settlements) > fig.inpatient_cap(rules)
