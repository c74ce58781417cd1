"""An unclosed quote (") in a CSV (conform/audit/sources.py `_quotes_closed`): it made the rows below it one
field, so the audit read fewer rows and called the ledger clean (exit 0) — the overpaid V2 below was never
read. A quoted field holding a line break after which a line has a whole row's fields, or a quote still open
at the end of the file, is refused at the line where the quote opens (exit 2); a quoted line break in a
name is CSV and read.

V2 (K2's first visit of the year, secondary 60%): (1000.00 − 200.00) × 60% = 480.00 due, 999.00 recorded."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.harness.cli import main

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,inscp_scp_amt,act_pay_dedc,"
          "hifp_pay,pool_prop_selfpay,fund_pay_sumamt,psn_part_amt,fixmedins_code,fixmedins_name")
FIGS = "1000.00,1000.00,200.00,480.00,0.6000,480.00,520.00"
V1 = f"V1,K1,1101,2023-06-01,11,secondary,,{FIGS},H1,"
V2 = "V2,K2,1101,2023-06-02,11,secondary,,1000.00,1000.00,0.00,999.00,0.6000,999.00,1.00,H1,overpaid"
V3 = f"V3,K3,1101,2023-06-03,11,secondary,,{FIGS},H1,"
V4 = f"V4,K4,1101,2023-06-04,11,secondary,,{FIGS},H1,ok"


def _cli(path) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["audit", str(path), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(path.parent / "report")])
    return r.exit_code, r.output


def _file(tmp_path, *lines: str, end: str = "\n", encoding: str = "utf-8"):
    path = tmp_path / "ledger.csv"
    path.write_bytes(("\n".join([HEADER, *lines]) + end).encode(encoding))
    return path


def test_a_quote_that_swallows_rows_is_refused_at_its_line(tmp_path):
    path = _file(tmp_path, V1 + '"阳光社区卫生服务中心', V2, V3 + '“高新”医院"', V4)
    code, out = _cli(path)
    assert code == 2, out
    assert 'ledger.csv, line 2, column fixmedins_name: a quote (") opens here' in out
    assert "line 3 inside it has a whole row's fields" in out and "Traceback" not in out


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_quote_never_closed_is_refused(tmp_path, encoding):
    """The same three lines with nothing to close the quote: it runs to the end of the file."""
    path = _file(tmp_path, V1 + '"阳光社区卫生服务中心', V2, V3 + "高新医院", encoding=encoding)
    with pytest.raises(AuditInputError, match=r"line 2, column fixmedins_name: a quote \(\"\) opens here"):
        audit([str(path)], "panzhihua", "panzhihua-example", write=False)


@pytest.mark.parametrize("end", ["\n", ""])
def test_a_quote_open_at_the_end_of_the_file_is_refused_though_it_swallows_no_row(tmp_path, end):
    """The last field opens a quote that nothing closes (a multi-line name above makes the careful parse
    run): one row's name, nothing that reads as a row, yet the file is cut or damaged."""
    path = _file(tmp_path, V1 + '"阳光社区\n卫生服务中心"', V2, V4 + "x", V3 + '"高新医院', end=end)
    with pytest.raises(AuditInputError, match=r"line 6, column fixmedins_name: a quote \(\"\) opens here and is "
                                              r"never closed"):
        audit([str(path)], "panzhihua", "panzhihua-example", write=False)


@pytest.mark.parametrize("end", ["\n", ""])
def test_quoted_line_breaks_that_close_are_read_and_v2_is_found(tmp_path, end):
    """A name on two lines, one ending in its line break, one holding a delimiter, and the file's last field
    ending in a doubled quote: all CSV, all read, and V2's overpayment found."""
    path = _file(tmp_path, V1 + '"阳光社区\n卫生服务中心"', V2, V3 + '"高新, 医院\n"', V4 + 'x', V4.replace("V4", "V5")
                 .replace("K4", "K5") + '"say ""hi"""', end=end)
    code, s = audit([str(path)], "panzhihua", "panzhihua-example", write=False)
    assert s["rows_read"] == 5 and s["discrepancies_by_field"]["hifp_pay"] == 1


def test_an_institutions_table_with_an_unclosed_quote_is_blamed_not_the_ledger(tmp_path):
    """The table's H2 row swallowed by a quote opened on H1's name: the ledger's H2 was 'not in the table'."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,fixmedins_code,medfee_sumamt,hifp_pay\n"
                      "S1,P1,1101,2023-06-01,11,H1,100.00,0.00\nS2,P2,1101,2023-06-02,11,H2,100.00,0.00\n",
                      encoding="utf-8")
    table = tmp_path / "inst.csv"
    table.write_text('fixmedins_code,fixmedins_name,facility\nH1,"阳光医院,secondary\nH2,高新医院,tertiary\n'
                     'H3,"城南医院",primary\n', encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        audit([str(ledger)], "panzhihua", "panzhihua-example", write=False, institutions_file=str(table))
    assert (e.value.file, e.value.row, e.value.column) == (str(table), 2, "fixmedins_name")
    assert "a quote" in str(e.value)
