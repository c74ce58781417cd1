"""A system keeping its persons and year totals per TCP connection (a session cache) fails (probe s29 C F2). Before,
each worker sent its whole run over one kept-alive connection, so a person created by T001 and its totals were always
found on the connection that made them, and such a system was certified 合格 at every concurrency; in production every
HIS reconnect loses them. Now a person's T001 and its first 2207 after it (CLOSE_AFTER) are each the last on their
connection. The twin is tests/_s29_fixTO_mutant.py's s29_state_per_connection (its own server process)."""
from __future__ import annotations

from pathlib import Path

from sample_server import SampleServer, twin_servers

from conform.harness.adapters.http import CLOSE_AFTER
from conform.harness.run import CONFORMANCE, execute

MUTANT = Path(__file__).resolve().parent / "_s29_fixTO_mutant.py"
K = "再次提交结算 or 年度累计"   # scenarios settling more than once and asking the year's totals (5206)


def _run(url: str):
    run, _ = execute(adapter=url, policies=("panzhihua",), paths=(CONFORMANCE / "test_features.py",),
                     extra_args=("-k", K))
    assert len(run.checks) >= 5, [c.name for c in run.checks]
    return run


def test_state_kept_per_connection_fails():
    with twin_servers(MUTANT, ("s29_state_per_connection",)) as urls:
        run = _run(urls["s29_state_per_connection"])
    bad = [c for c in run.checks if c.status in ("failed", "error")]
    # every scenario here settles and then asks again (a 2207 or a 5206) on a new connection: the person is unknown
    assert len(bad) == len(run.checks), [(c.status, c.name) for c in run.checks]
    assert any("不存在" in (c.message or "") for c in bad), [c.message[:200] for c in bad]


def test_the_sample_system_still_passes_them():
    with SampleServer() as server:
        run = _run(server.url)
    assert {c.status for c in run.checks} == {"passed"}, [(c.status, c.name, c.message[:200]) for c in run.checks
                                                          if c.status != "passed"]


def test_what_closes_a_connection():
    from conform.harness.adapters.http import HttpAdapter

    assert CLOSE_AFTER == {"T001", "2207"}
    a = HttpAdapter("http://127.0.0.1:9/")
    # a T001 closes; the person's first 2207 after it closes, a second does not (prepare_person starts over)
    assert [a._closes(i, "P") for i in ("T001", "2207", "2207", "5206", "2208")] == [True, True, False, False, False]
    assert [a._closes(i, "Q") for i in ("2207",)] == [True]
