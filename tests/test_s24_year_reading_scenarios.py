"""浙江 and 北京 name no period for the deductible and cap; the natural year is the tool's reading
(A-YEAR-BY-SETTLEMENT-DATE), which the working cites on every deductible and cap step. A scenario failing on a
deductible it settles within one natural year crosses no 1 January, where alone a fresh start can matter: it rests
on the article, not on that reading (probe s24 R F7: all 30 failures of a system halving every deductible read as
resting on it). A scenario crossing 1 January still names it, as a property's story does."""
from __future__ import annotations

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.run import execute

YEAR = "A-YEAR-BY-SETTLEMENT-DATE"


class HalvedDeductible(ReferenceAdapter):
    """The reference, but every deductible is the retiree's halved one (浙江 二（一）: 退休人员起付线减半)."""

    name = "halved-deductible"

    def prepare_person(self, subject):
        import dataclasses

        if subject.policy == "zhejiang":
            # zhejiang-example: 在职 600, so every in-service person's deductible becomes 300
            subject = dataclasses.replace(subject, params={**subject.params, "ordinary.deductible.in_service": "300.00"})
        return super().prepare_person(subject)


def test_a_deductible_wrong_within_one_year_rests_on_the_article_not_the_year_reading():
    run, _ = execute(adapter=f"python:{__name__}:HalvedDeductible", articles=("zhejiang-2.1",),
                     tag="not conform_property")
    failed = [c for c in run.checks if c.status == "failed"]
    assert failed, [(c.name, c.status, c.message) for c in run.checks]
    # 起付线和限额在1月1日重新计算: a retiree settling on 2023-12-31 and 2024-01-01 (features/zhejiang/二（一）…:185)
    crossing = [c for c in failed if c.name.startswith("起付线和限额在1月1日重新计算")]
    within = [c for c in failed if c not in crossing]
    assert crossing and within, [c.name for c in failed]
    assert all(YEAR in (c.extra.get("rests_on") or []) for c in crossing), [c.extra for c in crossing]
    for c in within:
        assert YEAR not in (c.extra.get("rests_on") or []), (c.name, c.extra)
        assert "zhejiang-2.1" in c.failed_articles, (c.name, c.failed_articles)
