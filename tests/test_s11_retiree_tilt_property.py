"""retiree_not_less compares a retiree's year with an in-service person's only under figures that tilt to retirees:
a region may give a retiree a worse figure where the text leaves it to the region (攀枝花 第十条 defers chronic
benefits to 现行政策; the draws' role variant gives M03900 0.55 to in-service persons and the shared 0.50 to
retirees), and the property failed the reference itself on such a draw (flaky in CI: 6.03 < 6.63)."""
from __future__ import annotations

from conform.harness import generators
from conform.harness.properties.monotonicity import tilting_settings
from conform.reference.policy import bind, retiree_less_favoured


def test_the_role_variant_that_favours_in_service_persons_is_not_compared():
    generators.choose_regions(())
    generators.clear_caches()
    try:
        all_ = generators.settings_for("panzhihua")
        kept = tilting_settings("panzhihua")
        dropped = [s for s in all_ if s not in kept]
        assert kept and dropped
        # M03900: in-service 0.55 (the variant's own), a retiree the example's shared ratio, lower than 0.55
        assert any("chronic.M03900.ratio" in w for s in dropped for w in retiree_less_favoured(s.rules.supplied))
    finally:
        generators.clear_caches()


def test_a_shared_figure_below_an_in_service_one_is_found():
    rules = bind("panzhihua", "panzhihua-example", {"chronic.M03900.ratio.in_service": "0.99"})
    (w,) = [w for w in retiree_less_favoured(rules.supplied) if "M03900" in w]
    assert w.startswith("chronic.M03900.ratio = ") and "chronic.M03900.ratio.in_service = 0.99" in w
    assert not retiree_less_favoured(bind("panzhihua", "panzhihua-example").supplied)
