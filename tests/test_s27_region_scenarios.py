"""`conform run --region R`: a scenario written under no region or an example region runs under R, and the built-in
reference under R decides, figure by figure, whether it applies (probe s27/probeH F5). Before, every such scenario was
不适用 and a defect only a scenario catches (the last day of 攀枝花's 待遇享受期) was certified 合格.

- a city whose figures are the example's plus something no scenario reads (a second chronic disease, the unfiled
  remote ratio): the scenarios run, the built-in reference stays 合格, and a twin that pays nothing on the last day of
  the benefit period (第七条) is 不合格;
- a city with another ordinary deductible (浙江 二（一）leaves it to the 设区市: 800, the example 600): the scenarios
  reading that figure are 不适用 with a reason naming it, never failed.
The twin is a subclass of the reference in this process (a vendor's plugin changing one behaviour is a system under
test like any other: World.__post_init__)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

import conform.harness.generators as generators
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.run import CONFORMANCE, execute, gate
from conform.reference.case import Period
from conform.reference.policy import REGION_DIR, forget_named_region_files

FEATURES = (CONFORMANCE / "test_features.py",)


class PeriodEndExclusive(ReferenceAdapter):
    """攀枝花 第七条's 待遇享受期 read as ending the day before its last day (probeH h_pzh_period_end_exclusive)."""

    def prepare_person(self, subject):  # noqa: ANN001
        bp = subject.person.benefit_period
        if bp is not None and bp.begin < bp.end:
            person = replace(subject.person, benefit_period=Period(bp.begin, bp.end - dt.timedelta(days=1)))
            subject = replace(subject, person=person)
        super().prepare_person(subject)


class CityBound(ReferenceAdapter):
    """The reference as a system under test (the harness runs its own reference beside it): bound to the city."""


TWIN = f"python:{__name__}:PeriodEndExclusive"
BOUND = f"python:{__name__}:CityBound"


@pytest.fixture(autouse=True)
def _no_region_chosen():
    generators.choose_regions(())
    yield
    generators.choose_regions(())
    forget_named_region_files()


def _city(tmp_path: Path, example: str, name: str, add: str = "", drop: tuple[str, ...] = ()) -> Path:
    """The example region's text as a real city's (not `example: true`), renamed, with `add` appended to values."""
    text = (REGION_DIR / f"{example}.yaml").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() != "example: true" and not ln.startswith("name:")
             and not any(ln.strip().startswith(k) for k in drop)]
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\n" + "\n".join(lines) + "\n" + add, encoding="utf-8")
    return path


PZH_EXTRA = ('  chronic.M00600.deductible: "200"\n  chronic.M00600.ratio: "0.70"\n  chronic.M00600.cap: "3000"\n'
             '  ordinary.ratio.remote_unfiled: "0.40"\n')


def _run(adapter: str | None, region: Path, article: str):
    generators.choose_regions((str(region),))
    run, code = execute(adapter=adapter, articles=(article,), paths=FEATURES, extra_args=("--conform-region", str(region)))
    scenarios = [c for c in run.checks if c.kind == "scenario"]
    return run, code, scenarios


def test_scenarios_run_under_a_city_with_the_examples_figures_and_catch_a_scenario_only_defect(tmp_path):
    city = _city(tmp_path, "panzhihua-example", "s27-pzh-city", PZH_EXTRA)
    run, code, scenarios = _run(None, city, "panzhihua-7")
    ran = [c for c in scenarios if c.status == "passed"]
    na = [c for c in scenarios if c.status == "not_applicable"]
    assert gate(run, code)[0] == 0, [(c.name, c.status, c.message) for c in scenarios if c.status != "passed"][:3]
    # most of 第七条's scenarios use only the document's own figures: they run (all were 不适用 before)
    assert len(ran) > 2 * len(na) and len(ran) >= 20, (len(ran), len(na))
    assert any(c.name.startswith("待遇享受期内才享受普通门诊统筹") for c in ran), [c.name for c in ran]
    # one written under no region expecting a refusal for want of the unfiled ratio, which this city gives: 不适用,
    # naming the figure, not failed
    refused = [c for c in na if "未办理异地备案在市外就医，细则未规定待遇" in c.name]
    assert refused and "与 --region s27-pzh-city 的数值不同" in refused[0].message, [c.message for c in na]
    assert "此场景按无地区配置" in refused[0].message and "V1" in refused[0].message
    # the twin paying nothing on the benefit period's last day: caught by the scenario alone, under the city
    run, code, scenarios = _run(TWIN, city, "panzhihua-7")
    failed = [c for c in scenarios if c.status == "failed"]
    assert gate(run, code)[0] == 1, [(c.name, c.status) for c in scenarios]
    assert [c.name for c in failed] and all(c.name.startswith("待遇享受期内才享受普通门诊统筹") for c in failed), \
        [c.name for c in failed]
    assert failed[0].failed_articles == ["panzhihua-7"], failed[0].failed_articles


@pytest.mark.parametrize("adapter", [None, BOUND], ids=["reference", "system-beside-the-reference"])
def test_scenarios_reading_a_figure_the_city_sets_otherwise_are_not_applicable_never_failed(tmp_path, adapter):
    # 浙江 二（一） leaves the ordinary deductible to the 设区市: this city's is 800, the example's 600
    key = "ordinary.deductible.in_service"
    city = _city(tmp_path, "zhejiang-example", "s27-zj-city", f'  {key}: "800"\n', drop=(key,))
    run, code, scenarios = _run(adapter, city, "zhejiang-2.1")
    assert gate(run, code)[0] == 0
    assert not [c for c in scenarios if c.status in ("failed", "error")], \
        [(c.name, c.message) for c in scenarios if c.status in ("failed", "error")]
    na = [c for c in scenarios if c.status == "not_applicable" and "与 --region s27-zj-city 的数值不同" in c.message]
    assert na, [(c.name, c.status, c.message) for c in scenarios][:5]
    # the reason names the figure: the scenario's deductible against the city's
    assert any("本次起付线 按场景为 600.00，参考实现按此地区为 800.00" in c.message for c in na), [c.message for c in na]
    # those not reading it still run
    assert [c for c in scenarios if c.status == "passed"]


def test_a_visit_the_city_refuses_where_the_scenario_expects_payment_is_not_applicable_not_a_feature_error(tmp_path):
    """Both the system and the reference under the city refuse a visit the scenario (written under the example, whose
    M00500 figures this city leaves out) expects paid: not applicable from that step, never a feature error (the rules
    refusing it too is a wrong scenario only where no other region stands in)."""
    from conform.harness.steps.world import RegionFigures, World

    city = _city(tmp_path, "panzhihua-example", "s27-pzh-nochronic", PZH_EXTRA, drop=("chronic.M00500",))
    generators.choose_regions((str(city),))
    w = World(CityBound())
    w.policy, w.region = "panzhihua", "panzhihua-example"
    w.set_person(psn_no="PZH-S27", psn_type="1101")
    w.add_to_person_list("chronic_diseases", {"dise_codg": "M00500", "kind": "chronic"})
    with pytest.raises(RegionFigures) as e:
        w.settle({"date": "2023-03-01", "facility": "tertiary", "med_type": "14", "medfee_sumamt": "1000.00",
                  "dise_codg": "M00500"})
    assert w.region == "s27-pzh-nochronic" and w.written_region == "panzhihua-example"
    said = str(e.value)
    assert "此场景按地区配置 panzhihua-example 编写" in said and "与 --region s27-pzh-nochronic 的数值不同" in said, said
    assert "V1 按场景应结算成功，参考实现按此地区拒绝" in said, said
