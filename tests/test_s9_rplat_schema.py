"""Answers are validated against docs/openapi.yaml with each component's references inlined: the same
verdict and the same first violation as following the `$ref`s, without a reference lookup per field.

jsonschema resolves a `$ref` anew at every use, so a settlement answer of a dozen amounts cost ~2 ms to
validate, more than the rest of its exchange; the platform profile validates every answer (rplat, s9).
Speed is not timed here; what is checked is that no reference is followed and that nothing else changed.
"""
from __future__ import annotations

from decimal import Decimal as D

import pytest
import referencing._core

from conform.harness.adapters import schema
from conform.harness.adapters.schema import Validator

# A 2207 answer as the sample system's platform mode gives it (攀枝花 第七条, 在职, 三级: scope 430,
# deductible 200, (430 − 200) × 50% = 115.00; personal part 500 − 115 = 385.00, all in cash).
SETTLE = {"setlinfo": {"setl_id": "ST1", "mdtrt_id": "MD1", "psn_no": "P1", "setl_time": "2023-03-01 09:00:00",
                       "medfee_sumamt": D("500.00"), "inscp_scp_amt": D("430.00"), "fulamt_ownpay_amt": D("50.00"),
                       "overlmt_selfpay": D("0.00"), "preselfpay_amt": D("20.00"), "act_pay_dedc": D("200.00"),
                       "hifp_pay": D("115.00"), "pool_prop_selfpay": D("0.5"), "fund_pay_sumamt": D("115.00"),
                       "psn_part_amt": D("385.00"), "acct_pay": D("0.00"), "psn_cash_pay": D("385.00"),
                       "balc": D("0.00")},
          "setldetail": [{"fund_pay_type": "310100", "fund_payamt": D("115.00"), "setl_proc_info": "普通门诊统筹",
                          "inscp_scp_amt": D("430.00"), "crt_payb_lmt_amt": D("0.00")}]}
CUMINFO = {"cuminfo": [{"insutype": "310", "year": "2023", "cum_ym": "202303", "cum_type_code": "Z0101",
                        "cum": D("200.00")}]}
FEES = {"result": [{"feedetl_sn": "1", "det_item_fee_sumamt": D("200.00"), "cnt": D("1"), "pric": D("200.00"),
                    "pric_uplmt_amt": D("0"), "selfpay_prop": D("0.10"), "fulamt_ownpay_amt": D("0.00"),
                    "overlmt_amt": D("0.00"), "preselfpay_amt": D("20.00"), "inscp_scp_amt": D("180.00")}]}
BAD_VALUES = ["", "x", "115.005", "１１５.００", "115.00\n", D("-1.5"), None, True, [], {}, "0.12345"]


def _by_reference(component: str):
    """The validator as it was: the component reached through its `$ref`."""
    doc = schema.description()
    return Validator({"$ref": f"#/components/schemas/{component}", "components": doc["components"]})


def _first(v, instance):
    errors = sorted(v.iter_errors(instance), key=lambda e: (len(e.absolute_path), str(e.path)))
    return None if not errors else (list(errors[0].absolute_path), errors[0].validator, errors[0].message)


def _damaged(answer: dict):
    """The answer with each field of each object in turn left out or given each bad value."""
    def walk(node, path):
        if isinstance(node, dict):
            for k in list(node):
                yield path + [k], "left out"
                for bad in BAD_VALUES:
                    yield path + [k], bad
                yield from walk(node[k], path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from walk(v, path + [i])

    import copy
    for path, change in walk(answer, []):
        out = copy.deepcopy(answer)
        parent = out
        for step in path[:-1]:
            parent = parent[step]
        if change == "left out":
            del parent[path[-1]]
        else:
            parent[path[-1]] = change
        yield out


@pytest.mark.parametrize("component, answer", [("PlatformSettleOutput", SETTLE), ("Platform5206Output", CUMINFO),
                                               ("Platform2204Output", FEES)])
def test_inlining_changes_no_verdict_and_no_first_violation(component, answer):
    old, new = _by_reference(component), schema.validator(component)
    assert _first(old, answer) is None and _first(new, answer) is None
    compared = 0
    for damaged in _damaged(answer):
        assert _first(new, damaged) == _first(old, damaged), damaged
        compared += 1
    assert compared == _fields(answer) * (1 + len(BAD_VALUES))   # every field, left out and given each bad value


def _fields(node) -> int:
    if isinstance(node, dict):
        return sum(1 + _fields(v) for v in node.values())
    if isinstance(node, list):
        return sum(_fields(v) for v in node)
    return 0


def test_every_output_component_validates_without_a_reference_lookup(monkeypatch):
    lookups = []
    real = referencing._core.Resolver.lookup

    def counting(self, ref):
        lookups.append(ref)
        return real(self, ref)

    monkeypatch.setattr(referencing._core.Resolver, "lookup", counting)
    assert schema.validate("PlatformSettleOutput", SETTLE) is None
    assert schema.validate("Platform5206Output", CUMINFO) is None
    assert schema.validate("Platform2204Output", FEES) is None
    # through `$ref`s: the component, setlinfo, each setldetail row and each of their amounts were looked up
    assert lookups == []
    for profile in schema.OUTPUTS.values():
        for component in profile.values():
            schema.validator(component)   # every component of both profiles inlines without error
