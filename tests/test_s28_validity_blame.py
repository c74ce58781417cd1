"""s28 probeH3 F4: a settlement outside a document's validity that a system settles by the document's own figures.

Before the start (a 吉林 region's own valid_from, 六（一）): the system applied the document early, which breaks the
validity article alone — the benefit article (二（二）) was applied exactly, which is how the figure matched, so its
working is shown for comparison and not blamed. After the end date (攀枝花 第十九条, 有效期5年): the text is silent on
what follows, and successor rules keeping the same figures (延续执行) are the rules then in force A-BEFORE-VALIDITY lets
a system follow, so the failure rests on that reading (common.yaml A-BEFORE-VALIDITY).

The defective systems are the sample system with one twin each, served from this file (its `__main__`)."""
from __future__ import annotations

import sys
from pathlib import Path

from sample_server import twin_servers

from conform.harness.run import CONFORMANCE, execute

HERE = Path(__file__).resolve()


def _register() -> None:
    """The twins (probeH3 mutants #8, #9), registered only in the server's process."""
    from conform.fixtures.sample_system import defects as D
    from conform.reference import engine

    compute = engine.compute

    @D.defect("s28_after_valid_to_settled", "有效期截止日之后的结算仍按本文件结算", "攀枝花 第十九条")
    def _after() -> None:
        def twin(rules, person, s, ys, trace):
            if rules.valid_to is not None and s.date > rules.valid_to:
                saved, rules.valid_to = rules.valid_to, None
                try:
                    return compute(rules, person, s, ys, trace)
                finally:
                    rules.valid_to = saved
            return compute(rules, person, s, ys, trace)
        engine.compute = twin

    @D.defect("s28_region_valid_from_ignored", "地区配置的施行日期被忽略，按文件的默认施行日期结算", "吉林 六（一）")
    def _early() -> None:
        def twin(rules, person, s, ys, trace):
            if getattr(rules, "region_start", False) and rules.valid_from is not None and s.date < rules.valid_from \
                    and rules.policy.valid_from is not None and s.date >= rules.policy.valid_from:
                saved, rules.valid_from = rules.valid_from, rules.policy.valid_from
                try:
                    return compute(rules, person, s, ys, trace)
                finally:
                    rules.valid_from = saved
            return compute(rules, person, s, ys, trace)
        engine.compute = twin


def _failed(url: str, article: str) -> list:
    run, _ = execute(adapter=url, articles=(article,), paths=(CONFORMANCE / "test_features.py",))
    return [c for c in run.checks if c.status == "failed"]


def test_validity_failures_blame_the_validity_article_alone_or_rest_on_the_reading_after_the_end():
    with twin_servers(HERE, ("s28_region_valid_from_ignored", "s28_after_valid_to_settled")) as urls:
        early = _failed(urls["s28_region_valid_from_ignored"], "jilin-6.1")
        late = _failed(urls["s28_after_valid_to_settled"], "panzhihua-19")

    # 吉林 region valid_from 2023-04-01: 2023-01-01 … 2023-03-31 settled as the document's first day (440.00)
    assert len(early) == 3, [c.name for c in early]
    for c in early:
        assert c.failed_articles == ["jilin-6.1"], (c.name, c.failed_articles)  # not 二（二）, applied exactly
        assert not c.extra.get("rests_on"), (c.name, c.extra)
        assert "六（一）" in c.trace[0]["clause"], c.trace[0]
        later = c.trace[1:]
        assert later and all(not t.get("clause") for t in later), later   # the working kept, as evidence only
        assert any("二（二）" in str(t.get("detail")) for t in later), later  # its articles still shown

    # 攀枝花 after 2027-12-31 settled by 第七条's figures: may be successor rules keeping them
    assert len(late) == 3, [c.name for c in late]
    for c in late:
        assert c.failed_articles == ["panzhihua-A-BEFORE-VALIDITY"], (c.name, c.failed_articles)
        assert c.extra.get("rests_on") == ["A-BEFORE-VALIDITY"], (c.name, c.extra)


if __name__ == "__main__":
    _register()
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
