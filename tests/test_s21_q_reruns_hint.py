"""A property's reproduce hint says what its command reruns (s21 probe Q, finding 2).

Without a time budget the hint is the session's options narrowed to the document: a run given `--article
panzhihua-7` prints `conform run --seed S --article panzhihua-7 … --policy panzhihua`, which reruns only that
article's scenarios and the properties covering it — the hint said "this reruns every scenario and property of
the document". It now says what the command it prints selects.
"""
from __future__ import annotations

from conform.harness.report.model import (RERUNS_ARTICLES, RERUNS_DOCUMENT, RERUNS_TAGGED, counterexample_status,
                                          reruns_of)

NODE = "conform/harness/conformance/test_properties.py::test_settlement_exact[panzhihua]"


def test_a_session_hint_with_an_article_says_it_reruns_the_selected_articles():
    session = "conform run --seed 194326855 --article panzhihua-7 --adapter http://127.0.0.1:8081/"
    st = counterexample_status("x", {}, "", NODE, "run", session, "panzhihua")
    assert st["reproduce"] == session + " --policy panzhihua"
    assert st["reruns"] == RERUNS_ARTICLES
    assert "所选条款" in st["reruns"] and "every scenario and property of the document" not in st["reruns"]


def test_a_session_hint_without_an_article_still_says_the_whole_document():
    st = counterexample_status("x", {}, "", NODE, "run", "conform run --seed 3 --adapter a", "panzhihua")
    assert st["reproduce"] == "conform run --seed 3 --adapter a --policy panzhihua"
    assert st["reruns"] == RERUNS_DOCUMENT


def test_a_tag_narrows_either():
    assert reruns_of("conform run --seed 3 --tag 'not slow' --policy panzhihua") == RERUNS_DOCUMENT + RERUNS_TAGGED
    assert reruns_of("conform run --seed 3 --article=jilin-2.2 --tag x") == RERUNS_ARTICLES + RERUNS_TAGGED
    # an article's name in another option's value is no --article
    assert reruns_of("conform run --seed 3 --adapter 'http://h/--article' --policy jilin") == RERUNS_DOCUMENT


def test_a_budget_hint_carries_no_article_and_says_the_document():
    # the runner's own hint under a time budget repeats no selection: it reruns the document (--policy)
    hint = ("（单独重现此属性 reproduce this property alone: conform run --seed 12 --examples 8 --thorough "
            "--adapter a --policy panzhihua）")
    st = counterexample_status("x", {}, "起付线超过起付标准\n" + hint, NODE, "run")
    assert st["reruns"] == RERUNS_DOCUMENT
