"""5206 rows: two rows of one cum_type_code for one cum_ym are no answer the harness can read — which holds the
year's total cannot be told (cum_rows "total") or it would be counted twice ("monthly"). The answer is refused as
malformed naming the code and both rows, never one row picked silently (s28 probeH4 F5: a stale row after the right
one read as "实际 0.00", before it passed)."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from test_platform_units import in_process, prepare, visit

from conform.harness.adapters import Subject
from conform.harness.adapters.base import SutError
from conform.harness.adapters.platform import messages
from conform.harness.adapters.platform.config import parse_platform
from conform.harness.adapters.wire import WireError
from conform.reference.case import parse_person

RIGHT = {"year": "2026", "cum_ym": "202605", "cum_type_code": "Q0000", "cum": D("220.00")}
STALE = {"year": "2026", "cum_ym": "202605", "cum_type_code": "Q0000", "cum": D("0.00")}


def pc(rows="total"):
    c = parse_platform({"cum_type_code": {"Q0000": "ordinary_pay"}})
    c.cum_rows = rows
    return c


@pytest.mark.parametrize("rows", [[RIGHT, STALE], [STALE, RIGHT]])
def test_two_rows_of_one_code_and_month_differing_are_malformed_naming_both(rows):
    with pytest.raises(WireError) as e:
        messages.read_cuminfo({"cuminfo": [{"cum_type_code": "OTHER", "cum": D("1")}, *rows]}, 2026, pc())
    msg = str(e.value)
    assert e.value.kind == "malformed"
    assert "'Q0000'" in msg and "202605" in msg
    assert "output.cuminfo[1] cum" in msg and "output.cuminfo[2] cum" in msg
    assert "220.00" in msg and "0.00" in msg


def test_the_same_row_twice_is_one_total_but_two_months_counted_twice():
    assert messages.read_cuminfo({"cuminfo": [RIGHT, dict(RIGHT)]}, 2026, pc())["ordinary_pay"] == "220.00"
    with pytest.raises(WireError, match="two rows of cum_type_code 'Q0000'"):
        messages.read_cuminfo({"cuminfo": [RIGHT, dict(RIGHT)]}, 2026, pc("monthly"))


def test_rows_of_other_months_other_funds_or_years_are_no_duplicates():
    rows = [{**STALE, "cum_ym": "202603"}, RIGHT, {**STALE, "insutype": "390"}, {**STALE, "year": "2025",
                                                                                  "cum_ym": "202512"}]
    assert messages.read_cuminfo({"cuminfo": rows}, 2026, pc())["ordinary_pay"] == "220.00"   # latest cum_ym


def test_through_the_adapter_a_duplicated_row_is_the_systems_error_naming_it():
    def dupe(env, answer):
        if env["infno"] == "5206" and answer.get("infcode") == 0:
            rows = answer["output"]["cuminfo"]
            z = next(r for r in rows if r["cum_type_code"] == "Z0101")
            rows.insert(0, {**z, "cum": D("0.00")})   # a stale row first: it used to pass
        return answer
    a, _ = in_process(hooks=True, edit=dupe)
    prepare(a, Subject("panzhihua", parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")))
    # 攀枝花 第七条: deductible 200 of a 500.00 visit
    assert a.settle("T0001", visit("V1", "2023-03-01", "500.00"))["act_pay_dedc"] == "200.00"
    with pytest.raises(SutError) as e:
        a.query_ytd("T0001", 2023)
    assert e.value.kind == "malformed" and "5206:" in e.value.message and "'Z0101'" in e.value.message
    assert "output.cuminfo[0] cum 0.00" in e.value.message and "cum 200.00" in e.value.message
