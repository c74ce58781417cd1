"""`--map` (conform/audit/mapping.py): a [columns] target must be a ledger column (or a column [skip] names),
a [codes.<column>] a coded ledger column; a typo is refused with the names it was probably meant as
(exit 2), and the ledger's names are matched case and spaces aside.

The ledger is docs/audit.md's worked example (攀枝花 第七条), whose 15 discrepancies are worked by hand
there: V2 and W1 differ in act_pay_dedc, hifp_pay, fund_pay_sumamt, psn_part_amt, psn_cash_pay (W1
in pool_prop_selfpay too), C2 in hifp_pay, fund_pay_sumamt, psn_part_amt, psn_cash_pay.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conform.audit.errors import AuditInputError
from conform.audit.mapping import load_mapping
from conform.audit.run import audit
from conform.harness.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"
EXAMPLE = re.search(r"```csv\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
BY_FIELD = {"inscp_scp_amt": 0, "act_pay_dedc": 2, "hifp_pay": 3, "pool_prop_selfpay": 1, "fund_pay_sumamt": 3,
            "psn_part_amt": 3, "acct_pay": 0, "psn_cash_pay": 3}


def _ledger(tmp_path: Path, rename: dict[str, str] | None = None, extra: tuple[str, list[str]] | None = None,
            values: dict[str, str] | None = None) -> Path:
    """The example with columns renamed, one column added (name, a value per row) or a column's every value set."""
    rows = list(csv.reader(io.StringIO(EXAMPLE)))
    for old, new in (rename or {}).items():
        rows[0][rows[0].index(old)] = new
    for col, v in (values or {}).items():
        for r in rows[1:]:
            r[rows[0].index(col)] = v
    if extra:
        rows[0].append(extra[0])
        for r, v in zip(rows[1:], extra[1]):
            r.append(v)
    path = tmp_path / "ledger.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return path


def _audit(path: Path, *mapping: str) -> tuple[int, dict]:
    return audit([str(path)], "panzhihua", "panzhihua-example", mapping=mapping, write=False)


def _toml(tmp_path: Path, text: str, name: str = "vendor.toml") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


# --------------------------------------------------------------------------- [columns] targets


def test_a_mistyped_target_on_the_command_line_exits_2_naming_close_matches(tmp_path):
    ledger = _ledger(tmp_path, rename={"hifp_pay": "TCJJZF"})
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(tmp_path / "out"), "--map", "TCJJZF=hifp_pya"])
    assert r.exit_code == 2, r.output
    assert "--map TCJJZF=hifp_pya: 'hifp_pya' is not a ledger column; did you mean hifp_pay" in r.output
    assert "Traceback" not in r.output and not (tmp_path / "out").exists()


def test_a_mistyped_target_in_a_file_names_the_file_and_the_entry(tmp_path):
    spec = _toml(tmp_path, '[columns]\nJSBH = "setl_id"\nTCJJZF = "hifp_pya"\n')
    with pytest.raises(AuditInputError, match=r"vendor\.toml: \[columns\] TCJJZF = 'hifp_pya': 'hifp_pya' is not a "
                                              r"ledger column; did you mean hifp_pay"):
        load_mapping([spec])


def test_a_target_like_nothing_lists_the_ledger_columns(tmp_path):
    with pytest.raises(AuditInputError) as e:
        load_mapping(["JE=jine"])
    listed = str(e.value).split("the ledger's columns (docs/audit.md §1): ")[1].split(", ")
    assert {"setl_id", "hifp_pay", "hosp_lv", "remote", "mdtrtarea_admvs", "othfund_pay", "hosp_part_amt"} <= set(listed)
    assert not {"rid", "_bad", "_skip", "oth_fund_pay"} & set(listed)  # made by the ledger, never read from a file


def test_a_column_the_ledger_makes_itself_is_no_target(tmp_path):
    """oth_fund_pay is the ledger's sum of the other funds' columns: a file's column renamed to it would be dropped."""
    with pytest.raises(AuditInputError, match=r"'oth_fund_pay' is not a ledger column; did you mean othfund_pay"):
        load_mapping(["QTJJ=oth_fund_pay"])


def test_a_target_differing_only_in_case_is_the_ledger_column(tmp_path):
    ledger = _ledger(tmp_path, rename={"hifp_pay": "tcjjzf"})
    code, s = _audit(ledger, " TCJJZF = HIFP_PAY ")
    assert (code, s["discrepancies_by_field"]) == (1, BY_FIELD)


def test_a_target_that_skip_names_is_allowed_across_map_files(tmp_path):
    """[skip] may name any column of the file (docs/audit.md §2), so a column renamed to what it names is
    meant: 城乡居民 (insutype 390) rows, under the vendor's name XZLX, are left out (W1, person B's only settlement, here)."""
    ledger = _ledger(tmp_path, extra=("XZLX", ["310", "310", "390", "310", "310"]))
    skip = _toml(tmp_path, '[skip]\ninsutype = ["390"]\n', "skip.toml")
    code, s = _audit(ledger, skip, "XZLX=insutype")
    assert (s["rows_skipped"], s["skipped_by_code"]) == (1, [{"skip": "insutype=390", "rows": 1}])
    # W1's six discrepancies are left out with it
    assert s["discrepancies_by_field"] == {**BY_FIELD, "act_pay_dedc": 1, "hifp_pay": 2, "pool_prop_selfpay": 0,
                                           "fund_pay_sumamt": 2, "psn_part_amt": 2, "psn_cash_pay": 2}
    # without the [skip], insutype is a platform field the audit does not read: accepted, not read (raudit2 D6)
    assert load_mapping(["XZLX=insutype"]).columns == {"XZLX": "insutype"}


# --------------------------------------------------------------------------- [codes.<column>] and [skip]


@pytest.mark.parametrize("text, message", [
    ('[codes.medtype]\n"1" = "11"\n', r"vendor\.toml: \[codes\.medtype\]: 'medtype' is not a ledger column; "
                                      r"did you mean med_type\?"),
    ('[codes.hifp_pay]\n"1" = "2"\n', r"vendor\.toml: \[codes\.hifp_pay\]: the audit reads hifp_pay as it is, no code "
                                      r"of it is mapped; \[codes\.<column>\] maps the values of .*med_type, psn_no"),
])
def test_a_code_table_for_a_column_without_codes_is_refused(tmp_path, text, message):
    with pytest.raises(AuditInputError, match=message):
        load_mapping([_toml(tmp_path, text)])


def test_code_tables_and_skip_columns_match_case_aside(tmp_path):
    """MED_TYPE's table maps the vendor's 1 to 11 (普通门诊); [skip] PSN_TYPE leaves out the 退休 row W1."""
    ledger = _ledger(tmp_path, values={"med_type": "1"})
    spec = _toml(tmp_path, '[codes.MED_TYPE]\n"1" = "11"\n[skip]\nPSN_TYPE = ["1201"]\n')
    code, s = _audit(ledger, spec)
    assert s["skipped_by_code"] == [{"skip": "psn_type=1201", "rows": 1}]
    assert s["discrepancies_by_field"]["hifp_pay"] == 2 and s["discrepancies_by_field"]["pool_prop_selfpay"] == 0


# --------------------------------------------------------------------------- several map files, code targets

def test_two_map_files_add_up_their_code_tables_and_skips(tmp_path):
    """A second file adds to the first's tables, never replaces them: both psn_type codes map, both skips stand."""
    a = _toml(tmp_path, '[codes.psn_type]\n"1102" = "1101"\n[skip]\nmed_type = ["51"]\n', "a.toml")
    b = _toml(tmp_path, '[codes.psn_type]\n"1202" = "1201"\n[skip]\nmed_type = ["52", "51"]\n', "b.toml")
    m = load_mapping([a, b])
    assert m.codes == {"psn_type": {"1102": "1101", "1202": "1201"}}
    assert m.skip == {"med_type": ("51", "52")}


@pytest.mark.parametrize("text, wrong, column", [
    ('[codes.psn_type]\n"1102" = "1110"\n', "'1110'", "psn_type"),  # a typo of 1101
    ('[codes.hosp_lv]\n"1" = "tertairy"\n', "'tertairy'", "facility"),  # hosp_lv fills facility: its codes
])
def test_a_code_mapped_to_no_code_is_refused(tmp_path, text, wrong, column):
    with pytest.raises(AuditInputError, match=rf"maps to {wrong}, not a {column} code; expected one of"):
        load_mapping([_toml(tmp_path, text)])


def test_a_column_target_in_a_file_is_spelled_as_the_ledger_spells_it(tmp_path):
    m = load_mapping([_toml(tmp_path, '[columns]\nTCZF = " HIFP_PAY "\n')])
    assert m.columns == {"TCZF": "hifp_pay"}


def test_an_unquoted_chinese_key_in_toml_is_named_with_the_quoting_that_fixes_it(tmp_path):
    m = tmp_path / "m.toml"
    m.write_text('[columns]\n结算ID = "setl_id"\n', encoding="utf-8")
    with pytest.raises(AuditInputError, match=r'malformed mapping: .*quoted in TOML: "结算ID" = "setl_id"'):
        load_mapping([str(m)])
    m.write_text('[columns]\n"结算ID" = "setl_id"\n', encoding="utf-8")
    assert load_mapping([str(m)]).rename("结算ID") == "setl_id"
    # an ASCII key that is malformed gets no such hint
    m.write_text('[columns]\nJSBH = setl_id\n', encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        load_mapping([str(m)])
    assert "quoted in TOML" not in str(e.value)
