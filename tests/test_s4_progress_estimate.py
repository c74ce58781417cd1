"""The heartbeat's time left is reckoned per kind of check. A reviewer saw "预计剩余 left 约 ~0:03" at 0:26
of a run that took 15:10, and ~0:20 for six minutes on end: one rate over all checks, taken while the
quick scenarios ran, said nothing of the slow properties that run last. Now the scenarios' own pace
covers the scenarios, a time budget covers the properties, and without one the line says it does not
know (未知 / 至少 at least) until a property has been timed."""
from __future__ import annotations

import re
from types import SimpleNamespace

from conform.harness.progress import Pace, left_text
from conform.harness.run import execute_detailed

LEFT = re.compile(r"conform 进度 progress (\d+)/(\d+) .* 预计剩余 left (.+?)(?: · 当前 current: (.*))?$")


def test_scenarios_done_and_a_slow_property_still_to_run_is_not_a_linear_guess(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CONFORM_HEARTBEAT_SECONDS", "0.2")
    monkeypatch.setenv("CONFORM_HEARTBEAT_CHECKS", "1000")
    module = tmp_path / "test_mixed.py"
    module.write_text(
        "import time\nimport pytest\n\n"
        "@pytest.mark.parametrize('i', range(20))\ndef test_quick(i):\n    pass\n\n"
        "@pytest.mark.conform_property\n@pytest.mark.parametrize('j', range(2))\n"
        "def test_slow(j):\n    time.sleep(1.2)\n", encoding="utf-8")
    execute_detailed(paths=(module,), progress="heartbeat")
    beats = [m for m in map(LEFT.search, capsys.readouterr().err.splitlines()) if m]
    # while the first property runs, nothing says how long a property takes: no figure is made up
    first = [m for m in beats if m[1] == "20" and "test_slow[0]" in (m[4] or "")]
    assert first, [m[0] for m in beats]
    assert all(m[3] == "未知 unknown" for m in first), [m[0] for m in first]
    # once one property has been timed, the other is reckoned at its pace (about 1.2 s), not the scenarios'
    second = [m for m in beats if m[1] == "21"]
    assert second, [m[0] for m in beats]
    shown = re.fullmatch(r"约 ~0:0(\d)", second[0][3])
    assert shown and 1 <= int(shown[1]) <= 2, second[0][0]
    assert beats[-1][1] == beats[-1][2] == "22" and beats[-1][3] == "0:00"


def _pace(scenarios: int, properties: int) -> Pace:
    pace = Pace()
    pace.total = {"scenario": scenarios, "property": properties}
    return pace


def test_with_a_budget_the_properties_end_when_it_is_spent():
    pace = _pace(100, 10)
    pace.done["scenario"], pace.spent["scenario"] = 50, 5.0    # 0.1 s a scenario: 5 s of them left
    pace.budget_end = 1000.0 + 600                             # the budget ends in 10 minutes
    assert pace.left(1000.0) == (600.0, True)
    assert left_text(*pace.left(1000.0)) == "约 ~10:00"
    # a budget already spent: one round per property, at the pace the properties have shown
    pace.done["scenario"], pace.done["property"], pace.spent["property"] = 100, 5, 50.0
    assert pace.left(1700.0) == (50.0, True)


def test_without_a_budget_an_untimed_property_makes_the_figure_a_lower_bound():
    pace = _pace(100, 10)
    pace.done["scenario"], pace.spent["scenario"] = 50, 5.0
    seconds, exact = pace.left(0.0)
    assert (round(seconds, 6), exact) == (5.0, False)
    assert left_text(seconds, exact) == "至少 at least ~0:05"
    pace.done["scenario"], pace.spent["scenario"] = 100, 10.0
    assert left_text(*pace.left(0.0)) == "未知 unknown"
    pace.done["property"], pace.spent["property"] = 2, 120.0   # a minute a property, 8 to go
    assert left_text(*pace.left(0.0)) == "约 ~8:00"


def test_properties_that_skip_at_once_are_reckoned_as_scenarios():
    """Against the reference the differential properties skip (settings.UNPLANNED): no budget share,
    no property's pace."""
    from conform.harness.properties.settings import KEY, UNPLANNED, PropertySettings

    class Item(SimpleNamespace):
        def get_closest_marker(self, name):
            return object() if self.prop and name == "conform_property" else None

    planned, skipping = Item(nodeid="a", prop=True, stash={}), Item(nodeid="b", prop=True, stash={UNPLANNED: True})
    ps = PropertySettings("thorough", 1, budget=60.0)
    config = SimpleNamespace(stash={KEY: ps})
    pace = Pace()
    pace.plan(SimpleNamespace(items=[Item(nodeid="s", prop=False, stash={}), planned, skipping], config=config))
    assert pace.total == {"scenario": 2, "property": 1}
    assert pace.budget_end is not None
