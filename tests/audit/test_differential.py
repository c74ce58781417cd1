"""The plan and the reference engine agree on every row and field, on DuckDB and on Spark.

Each example is a small ledger of several persons under one document and its example region;
its recorded figures are the reference engine's own (tests/audit/_plan_ledgers.py), so a correct
audit finds no discrepancy, and its expected table equals the reference row by row — including
the rows the reference refuses (dates outside the rules' validity, exclusions a document does not
list, a 攀枝花 flexible worker without flex_tier), which the plan must leave unassessed too.
"""
from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from audit.run import audit

from _plan_ledgers import PARAMS, POLICIES, RECORDED, REGION, ledgers, reference_rows, write

E_FIELDS = ", ".join(f"e.{f}" for f in RECORDED)


def _run(d, folder, **kw):
    ref = reference_rows(d)
    ledger_path, persons_path = write(d, folder, ref)
    code, s = audit([str(ledger_path)], d.policy, REGION[d.policy], str(persons_path),
                    params_inline=PARAMS.get(d.policy), write=False, keep_connection=True, **kw)
    return ref, code, s


def _close(s):
    s["_connection"].close()
    shutil.rmtree(s["_workdir"], ignore_errors=True)


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_plan_equals_reference_on_duckdb(policy, data, tmp_path_factory):
    d = data.draw(ledgers(policy))
    ref, code, s = _run(d, tmp_path_factory.mktemp("diff"))
    try:
        con = s["_connection"]
        got = {r[0]: r for r in con.execute(f"SELECT l.setl_id, l.psn_no, e.route, e.status, {E_FIELDS} "
                                            "FROM expected e JOIN ledger l ON l.rid = e.rid").fetchall()}
        assert set(got) == set(ref)
        for sid, want in ref.items():
            row = got[sid]
            if "refused" in want:
                assert row[3].startswith("refused"), (sid, row, want)
                continue
            assert not row[3].startswith("refused"), (sid, row, want)
            assert dict(zip(RECORDED, row[4:])) == {f: want[f] for f in RECORDED}, (sid, row[2], row[3])
            if row[1] not in d.fallback:
                assert row[2] == "plan", (sid, row)  # the plan, not the reference, settled this person
        assert (code, sum(s["discrepancies_by_field"].values())) == (0, 0)
        assert s["unassessed"] == sum(1 for v in ref.values() if "refused" in v)
    finally:
        _close(s)


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=1, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_plan_equals_reference_on_spark(policy, data, tmp_path_factory, spark):
    """Many persons in one example: Spark's fixed cost per query is paid once per document."""
    d = data.draw(ledgers(policy, min_persons=25, max_persons=40))
    ref, code, s = _run(d, tmp_path_factory.mktemp("spark"), engine="spark", spark=spark)
    try:
        settled = [v for v in ref.values() if "refused" not in v]
        assert s["engine"] == "spark"
        assert s["expected_rows"] == len(ref)  # every row recomputed, none dropped by a join
        assert s["unassessed"] == len(ref) - len(settled)
        assert s["expected_hifp_pay_fen"] == sum(v["hifp_pay"] for v in settled)
        # Recorded = reference on all eight fields: any plan figure that differs would be reported.
        assert s["fields_audited"] == list(RECORDED)
        assert (code, s["discrepancies_by_field"]) == (0, {f: 0 for f in RECORDED})
        assert s["persons_reference"] <= len(d.fallback)
    finally:
        _close(s)


@settings(max_examples=1, deadline=None, derandomize=True, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])
@given(data=st.data())
def test_reference_fallback_in_worker_processes_matches_inline(data, tmp_path_factory, monkeypatch):
    """Persons the plan hands over are settled the same in worker processes as in this process."""
    from audit import fallback

    d = data.draw(ledgers("jilin", min_persons=8, max_persons=8))
    assume(len(d.fallback) >= 2)
    ref, code, inline = _run(d, tmp_path_factory.mktemp("inline"))
    try:
        want = inline["_connection"].execute("SELECT * FROM expected ORDER BY rid").fetchall()
        assert inline["persons_reference"] >= 1
    finally:
        _close(inline)
    monkeypatch.setattr(fallback, "INLINE_PERSONS", 0)
    monkeypatch.setattr(fallback, "CHUNK_PERSONS", 2)
    ref, code, pooled = _run(d, tmp_path_factory.mktemp("pooled"), workers=2)
    try:
        assert pooled["_connection"].execute("SELECT * FROM expected ORDER BY rid").fetchall() == want
    finally:
        _close(pooled)
