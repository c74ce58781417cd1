"""A --map source no ledger file has (a vendor's column mistyped in the map) is refused when its target is
missing too: the amount would be read as absent, and every row it touches a false discrepancy.

The ledger is docs/audit.md's worked example (攀枝花 第七条, 15 discrepancies worked by hand there), with
`preselfpay_amt` exported under a vendor's name XXZF. V1: 500.00 − 50.00 全自费 − 20.00 先行自付 = 430.00
in scope; read with preselfpay_amt absent it would be 450.00, and (450 − 200) × 50% = 125.00 ≠ 115.00.
"""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

from test_mapping_input import BY_FIELD, _ledger, _toml


def _run(path, *mapping):
    return audit([str(path)], "panzhihua", "panzhihua-example", mapping=mapping, write=False)


def test_the_vendors_name_mapped_right_gives_the_worked_figures(tmp_path):
    code, summary = _run(_ledger(tmp_path, rename={"preselfpay_amt": "XXZF"}), "XXZF=preselfpay_amt")
    assert code == 1 and summary["discrepancies_by_field"] == BY_FIELD


@pytest.mark.parametrize("as_file", [False, True])
def test_a_mistyped_source_is_refused_with_the_name_it_was_meant_as(tmp_path, as_file):
    path = _ledger(tmp_path, rename={"preselfpay_amt": "XXZF"})
    spec = _toml(tmp_path, '[columns]\nXXZ = "preselfpay_amt"\n') if as_file else "XXZ=preselfpay_amt"
    with pytest.raises(AuditInputError) as e:
        _run(path, spec)
    assert "no ledger file has a column 'XXZ'" in str(e.value) and "did you mean 'XXZF'" in str(e.value)
    assert e.value.file == str(path)


def test_a_source_absent_where_the_target_is_exported_by_its_platform_name_is_harmless(tmp_path):
    """A vendor map reused on an export that already says preselfpay_amt: nothing is lost."""
    code, summary = _run(_ledger(tmp_path), "XXZF=preselfpay_amt")
    assert code == 1 and summary["discrepancies_by_field"] == BY_FIELD
