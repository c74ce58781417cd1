"""A cause's article labels name each reading once, after the articles (probe s23 K F3): a reading every document
names (A-REVERSAL against reversal_keeps_ytd) was listed once per document, interleaved with the articles."""
from __future__ import annotations

from conform.harness.report.causes import group


def _check(cid: str, policy: str, article: str) -> dict:
    m = {"field": "ordinary_dedc", "expected": "0.00", "actual": "200.00", "item": "2023年度累计", "label": "年度累计起付线"}
    return {"id": cid, "status": "failed", "kind": "scenario", "document": policy, "policy": policy,
            "articles": [article, f"{policy}-A-REVERSAL"], "failed_articles": [article, f"{policy}-A-REVERSAL"],
            "path": f"features/{policy}/x.feature", "trace": [], "message": "", "extra": {}, "mismatches": [m]}


def test_a_reading_of_every_document_is_one_label_after_the_articles():
    labels = {"panzhihua-7": "攀枝花 第七条", "beijing-5": "北京 (五)", "panzhihua-A-REVERSAL": "假设 A-REVERSAL",
              "beijing-A-REVERSAL": "假设 A-REVERSAL"}
    causes = group([_check("c1", "panzhihua", "panzhihua-7"), _check("c2", "beijing", "beijing-5")], labels)
    assert len(causes) == 1, causes
    assert causes[0]["article_labels"] == ["攀枝花 第七条", "北京 (五)", "假设 A-REVERSAL"], causes[0]["article_labels"]
