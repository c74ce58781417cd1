"""One outage is one cause (probe s24 S F5): a system that stopped listening mid-run gave four causes for five
errors — connection refused, dropped (by operation and by socket error text) and unreachable."""
from __future__ import annotations

from conform.harness.report.causes import group

CONN = "被测系统出错（连接失败）："
DOWN = [("c1", "2207: connection dropped by 127.0.0.1:37197 before a whole answer came [RemoteProtocolError: "
               "Server disconnected without sending a response.]"),
        ("c2", "T001: connection dropped by 127.0.0.1:37197 before a whole answer came [ReadError: [Errno 104] "
               "Connection reset by peer]"),
        ("c3", "T001: connection refused: nothing listens at 127.0.0.1:37197 (is the system started, is the port "
               "right?) [ConnectError: [Errno 111] Connection refused]"),
        ("c4", "T001: connection refused: nothing listens at 127.0.0.1:37197 (is the system started, is the port "
               "right?) [ConnectError: [Errno 111] Connection refused]"),
        ("c5", "system unreachable: 5 consecutive connection failures; last: T001: connection refused: nothing "
               "listens at 127.0.0.1:37197 (is the system started, is the port right?)")]


def _error(cid: str, message: str) -> dict:
    return {"id": cid, "status": "error", "kind": "scenario", "document": "攀枝花", "policy": "panzhihua",
            "articles": ["panzhihua-7"], "path": "features/panzhihua/x.feature", "trace": [], "message": message,
            "extra": {}, "mismatches": []}


def test_the_connection_errors_of_one_outage_are_one_cause_named_by_the_first():
    other = _error("c6", "被测系统出错（业务返回错误）：2207: infcode -1: 参保人不存在")
    slow = _error("c7", "被测系统出错（超时）：2207: no answer within 10 s")
    causes = group([_error(cid, CONN + m) for cid, m in DOWN] + [other, slow], {"panzhihua-7": "攀枝花 第七条"})
    down = [k for k in causes if "c1" in k["checks"]]
    assert len(down) == 1 and down[0]["checks"] == ["c1", "c2", "c3", "c4", "c5"], causes
    assert down[0]["headline"].startswith(CONN + "无法连接或停止应答"), down[0]["headline"]
    assert "首次 first: 2207: connection dropped" in down[0]["headline"], down[0]["headline"]
    assert down[0]["representative"] == "c1"
    # a refusal and a timeout are not the outage: causes of their own
    assert sorted(k["checks"] for k in causes if k is not down[0]) == [["c6"], ["c7"]], causes


def test_one_kind_of_connection_error_keeps_its_own_words():
    """A TLS certificate the harness does not trust says so in the cause line (rvendor8 D4), not a general word."""
    said = CONN + "T001: TLS certificate not trusted (self-signed certificate) at 127.0.0.1:8443"
    (cause,) = group([_error("c1", said), _error("c2", said)], {})
    assert cause["count"] == 2 and cause["headline"].startswith(said), cause["headline"]
