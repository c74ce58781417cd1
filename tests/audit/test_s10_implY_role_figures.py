"""The audit plan equals the reference engine under region figures of each person type's own (s10 rtext D1, D2, D4).

A region may now give its retirees their own ordinary deductible and cap (吉林 二（二）, under the same ceilings;
浙江 二（一）the cap), 吉林 its chronic band per person type (二（三）), 攀枝花 / 南昌 a disease's chronic ratio per
person type. The plan reads the ordinary figures per role (conform/audit/params.py); chronic visits go to the
reference engine. Drawn ledgers (tests/audit/_plan_ledgers.py) record the reference's own figures but for a few
planted errors: the audit must agree with the reference row by row and find exactly the planted errors.
"""
from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conform.audit.run import audit

from _plan_ledgers import RECORDED, REGION, ledgers, planted, reference_rows, write

E_FIELDS = ", ".join(f"e.{f}" for f in RECORDED)

# Fictitious figures, each inside its article's bounds, chosen so that a retiree's differ from an in-service one's.
ROLE_FIGURES = {
    # 吉林 二（二）≤ 300 / ≤ 2000: jilin-example 200 / 1500 for in-service staff; 二（三）60% / 70% per person type
    "jilin": {"ordinary.deductible.retiree": "120", "ordinary.cap.retiree": "1900",
              "chronic.ratio.in_service": "0.60", "chronic.ratio.retiree": "0.70"},
    # 浙江 二（一）: the city's one cap 2000 in zhejiang-example; a retiree cap of the city's own
    "zhejiang": {"ordinary.cap.retiree": "2600"},
    # 攀枝花 第十条 / 南昌 四（二）2 (80%–98%): the drawn disease's ratio per person type (settled by the reference route)
    "panzhihua": {"chronic.M00500.ratio.retiree": "0.90", "chronic.M03900.ratio.in_service": "0.55"},
    "nanchang": {"chronic.M03900.ratio.retiree": "0.95", "chronic.M00500.ratio.in_service": "0.82"},
}


@pytest.mark.parametrize("policy", sorted(ROLE_FIGURES))
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_plan_equals_reference_with_role_figures(policy, data, tmp_path_factory):
    d = data.draw(ledgers(policy))
    d.params = {**(d.params or {}), **ROLE_FIGURES[policy]}
    ref = reference_rows(d)
    p = data.draw(planted(d, ref))
    ledger_path, persons_path = write(d, tmp_path_factory.mktemp("roles"), p.recorded)
    code, s = audit([str(ledger_path)], d.policy, REGION[d.policy], str(persons_path), params_inline=d.params,
                    write=False, keep_connection=True)
    try:
        con = s["_connection"]
        got = {r[0]: r for r in con.execute(f"SELECT l.setl_id, l.psn_no, e.route, e.status, {E_FIELDS} "
                                            "FROM expected_rows e JOIN ledger l ON l.rid = e.rid").fetchall()}
        assert set(got) == set(ref)
        for sid, want in p.expected.items():
            row = got[sid]
            if "refused" in want:
                assert row[3].startswith("refused"), (sid, row, want)
                continue
            assert dict(zip(RECORDED, row[4:])) == {f: want[f] for f in RECORDED}, (sid, row[2], row[3])
            if row[1] not in d.fallback:
                assert row[2] == "plan", (sid, row)
        found = {(sid, f): int(diff * (10000 if f == "pool_prop_selfpay" else 100)) for sid, f, diff in con.execute(
            f"SELECT setl_id, field, diff FROM read_parquet('{s['_discrepancies']}')").fetchall()}
        assert found == p.found
    finally:
        con.close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
