"""s26 probe1 F1, F6: a system rounding in binary floating point, or letting the cap left go negative, is not 合格.

F1: `round(x, 2)` on a double (as JS toFixed, a Java double) rounds 1.005 to 1.00 — its double is 1.00499… — where
half up (A-ROUND-FEN) gives 1.01; on 0.005 (double 0.00500…01), the only half fen the scenarios had, it agrees with
half up, so the built-in twin `rounding_float` passed every scenario, and the per-visit rounding property caught it
only when a random draw hit such a half fen. Now each document's rounding outline has rows on half fen whose double is
below the half, and settlement_exact an explicit year on them (settlement._fen_edge_examples), tried whatever the seed.
F6: no scenario opened a year with more paid than the cap, so a remaining cap not floored at 0 paid −100.00.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sample_server import SampleServer

from conform.harness.properties.settlement import _fen_edge_examples
from conform.harness.run import CONFORMANCE, execute

SCENARIOS = (CONFORMANCE / "test_features.py",)
PROPERTIES = (CONFORMANCE / "test_properties.py",)
FLOAT_SCENARIO = "统筹支付恰为半分、其二进制浮点值略小于半分时，仍四舍五入进一分（A-ROUND-FEN）"
BOUNDARY = {"nanchang-4.2.1": "起付线600元的边界（低于、等于、刚超过），在职与退休相同",
            "panzhihua-7": "起付线以下、恰好达到和刚刚超过起付线"}
# document article → rows of the new outline (a cell each identifies)
FLOAT_ROWS = {"nanchang-4.2.1": ("费用=602.01", "费用=769.29", "费用=601.90"),
              "panzhihua-7": ("医疗费用=202.01", "医疗费用=369.29", "医疗费用=151.90"),
              "jilin-2.2": ("医疗费用=202.01", "医疗费用=201.90"),
              "zhejiang-2.1": ("医疗费用=602.01", "医疗费用=301.90"),
              "beijing-5": ("费用=1800.15", "费用=1300.50")}


def _rows(run, scenario: str) -> list:
    """The outline's rows (北京's title opens with 按示例配置，)."""
    return [c for c in run.checks if " [" in c.name and c.name.split(" [")[0].endswith(scenario)]


@pytest.fixture(scope="module")
def float_twin():
    with SampleServer(defect="rounding_float") as server:
        yield server


def test_the_twin_is_caught_by_the_scenarios_alone_on_every_document(float_twin):
    run, _ = execute(adapter=float_twin.url, articles=tuple(FLOAT_ROWS), paths=SCENARIOS)
    reference, _ = execute(articles=tuple(FLOAT_ROWS), paths=SCENARIOS)
    assert run.checks and not run.unreachable and {c.kind for c in run.checks} == {"scenario"}
    for article, cells in FLOAT_ROWS.items():
        for cell in cells:
            [mine] = [c for c in _rows(run, FLOAT_SCENARIO) if cell in c.name and article in c.articles]
            [ref] = [c for c in _rows(reference, FLOAT_SCENARIO) if cell in c.name and article in c.articles]
            assert ref.status == "passed", (ref.name, ref.message)
            assert mine.status == "failed", (mine.name, mine.status)
            # one fen short: the double of the half fen rounded down
            [m] = [m for m in mine.mismatches if m.field == "hifp_pay"]
            assert Decimal(str(m.expected)) - Decimal(str(m.actual)) == Decimal("0.01"), m
    # why the rows were needed: the 0.005 rows (double just above the half) pass against the twin
    for article, scenario in BOUNDARY.items():
        edge = [c for c in _rows(run, scenario) if "200.01" in c.name or "600.01" in c.name]
        assert edge and all(c.status == "passed" for c in edge), [(c.name, c.status) for c in edge]


def test_the_rounding_property_alone_catches_the_twin_under_the_ci_profile(float_twin, monkeypatch):
    monkeypatch.setenv("CI", "true")  # the documented CI profile: derandomized, no --seed
    monkeypatch.delenv("CONFORM_PROFILE", raising=False)
    run, _ = execute(adapter=float_twin.url, policies=("nanchang",), tag="conform_property",
                     extra_args=("-k", "test_settlement_exact"), paths=PROPERTIES)
    assert run.examples["profile"] == "ci"
    [c] = [c for c in run.checks if c.extra.get("property") == "settlement_exact"]
    assert c.status == "failed", c.message[:500]
    assert any(m.field == "hifp_pay" and "50.025 → 四舍五入到分 50.03" in str(m.expected) and m.actual == "50.02"
               for m in c.mismatches), c.message[:800]


@pytest.mark.parametrize("policy", ["panzhihua", "nanchang", "jilin", "beijing", "zhejiang"])
def test_the_property_tries_a_half_fen_whose_double_is_below_the_half(policy):
    """Explicit, so every seed and profile tries it: some visit's exact payment is an odd number of half fen whose
    binary double lies below it."""
    found = []
    for py in _fen_edge_examples(policy):
        for s in py.settlements:
            for ratio in (Decimal("0.50"), Decimal("0.70")):
                exact = s.medfee_sumamt * ratio
                if (exact / Decimal("0.005")) % 2 == 1 and Decimal(float(exact)) < exact:
                    found.append((s.medfee_sumamt, ratio))
    assert found


# --------------------------------------------------------------------------- F6: opening totals above the cap

_CAP_NOT_FLOORED = '''
import sys
from conform.fixtures.sample_system import defects as D
from conform.reference import benefits
from conform.reference.money import ZERO, round_fen


@D.defect("s26_cap_left_not_floored", "剩余年度限额 = 限额 − 已支付，未以0为下限", "超过限额的部分不予支付")
def _apply():
    def pooling(rules, ys, role, facility, base, trace, c, out, ratio_override=None, via=None):
        ratio = ratio_override.value if ratio_override is not None else benefits.ordinary_ratio(rules, role, facility)[0]
        dp, cp = benefits.deductible_and_cap(rules, role)
        dedc = min(base, max(dp.value - ys.ordinary_dedc, ZERO))
        pay = min(round_fen((base - dedc) * ratio), cp.value - ys.ordinary_pay)  # BUG: no floor at 0
        for acc in (ys, c):
            acc.ordinary_dedc += dedc
            acc.ordinary_pay += pay
        out.dedc += dedc
        out.ordinary_pay += pay
        out.ratio = ratio
    benefits.ordinary_pooling = pooling


if __name__ == "__main__":
    from conform.fixtures.sample_system.__main__ import main
    sys.exit(main(["--defect", "s26_cap_left_not_floored", *sys.argv[1:]]))
'''
CAP_OUTLINE = "接近、达到、超过年度最高支付限额（在职1800元、退休2000元）"


def test_an_opening_year_above_the_cap_pays_nothing_and_catches_a_cap_left_not_floored(tmp_path: Path):
    script = tmp_path / "cap_not_floored.py"
    script.write_text(_CAP_NOT_FLOORED, encoding="utf-8")
    reference, _ = execute(articles=("nanchang-4.2.1",), paths=SCENARIOS)
    with SampleServer(script=script) as server:
        run, _ = execute(adapter=server.url, articles=("nanchang-4.2.1",), paths=SCENARIOS)
    for role, opening in (("在职职工", "1900.00"), ("退休人员", "2100.00")):  # above 1800 / 2000
        cells = (f"人员类别={role}", f"此前={opening}", "统筹=0.00")
        [ref] = [c for c in _rows(reference, CAP_OUTLINE) if all(x in c.name for x in cells)]
        [mine] = [c for c in _rows(run, CAP_OUTLINE) if all(x in c.name for x in cells)]
        assert ref.status == "passed", (ref.name, ref.message)
        assert mine.status == "failed", (mine.name, mine.status)
        assert any(m.field == "hifp_pay" and m.actual == "-100.00" for m in mine.mismatches), mine.message
