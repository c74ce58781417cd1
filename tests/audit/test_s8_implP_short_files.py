"""A ledger given as three or more files, one of which (with its header) holds fewer than a tenth of the median of
the files' rows, is warned as the 0-byte files are — on the console, in 概要 and in audit.html — a partly failed
export; two files, or a file at the tenth exactly, are not.

Every row is its person's first settlement of the year, 攀枝花 第七条 (在职职工: 起付线 200 元; 三级 50%):
600.00 in scope, 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00 from the fund, as recorded: a clean
ledger (exit 0) whatever the files.
"""
from __future__ import annotations

import json

from click.testing import CliRunner
from markupsafe import escape
from openpyxl import load_workbook

from conform.harness.cli import main

HEADER = "setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay"


def _month(folder, month: int, n: int):
    """A month's export of n settlements, one person each."""
    rows = [f"S{month}-{i},P{month}-{i},1101,2023-{month:02d}-10 10:00:00,11,tertiary,600.00,600.00,200.00,200.00,0.5000"
            for i in range(n)]
    path = folder / f"2023-{month:02d}.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _audit(tmp_path, files):
    out = tmp_path / "report"
    r = CliRunner().invoke(main, ["audit", *map(str, files), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(out), "--workers", "1"])
    assert r.exit_code == 0, r.output
    return r, out


def _warned(r) -> list[str]:
    return [line for line in r.stderr.splitlines() if line.startswith("conform: warning:")]


def test_a_month_with_a_tenth_less_than_the_median_is_warned(tmp_path):
    """Rows 20, 20, 1: the median is 20, its tenth 2; March's 1 row is fewer."""
    jan, feb, mar = _month(tmp_path, 1, 20), _month(tmp_path, 2, 20), _month(tmp_path, 3, 1)
    r, out = _audit(tmp_path, [jan, feb, mar])
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [f["rows"] for f in s["files"]] == [20, 20, 1] and s["rows_read"] == 41
    said = (f"{mar}: 1 rows, fewer than a tenth of the median of the files' rows, 20（1 行，不到各文件行数中位数 20 行的十分之一）")
    assert _warned(r) == [f"conform: warning: {said}; a partly failed export? the settlements missing from it are not "
                          "audited"]
    overview = dict(load_workbook(out / "audit.xlsx", read_only=True)["概要"].iter_rows(values_only=True))
    note = ("导出不完整？缺少的结算未经稽核；按机构或地区分的文件行数少可能属实 (a partly failed export? the settlements "
            "missing from it are not audited; a file of one institution or district may be small)")
    assert overview["注意 行数过少的文件 files with far fewer rows"] == f"{said}：{note}"
    page = (out / "audit.html").read_text(encoding="utf-8")
    assert f"<dt>注意 行数过少的文件 files with far fewer rows</dt><dd>{escape(said + '：' + note)}</dd>" in page


def test_an_even_count_takes_the_mean_of_the_middle_two(tmp_path):
    """Rows 30, 11, 20, 1: sorted 1, 11, 20, 30, the median (11 + 20) / 2 = 15.5, its tenth 1.55: 1 row is warned."""
    files = [_month(tmp_path, 1, 30), _month(tmp_path, 2, 11), _month(tmp_path, 3, 20), _month(tmp_path, 4, 1)]
    r, _ = _audit(tmp_path, files)
    assert _warned(r) == [f"conform: warning: {files[3]}: 1 rows, fewer than a tenth of the median of the files' rows, "
                          "15.5（1 行，不到各文件行数中位数 15.5 行的十分之一）; a partly failed export? the settlements "
                          "missing from it are not audited"]


def test_files_with_no_rows_are_not_counted(tmp_path):
    """Rows 20, 20, 0 (a header alone), 0 bytes: two files with rows, so nothing to compare; the header-only month
    is a month without settlements (listed, unwarned) and the 0-byte one is warned as before, once."""
    files = [_month(tmp_path, 1, 20), _month(tmp_path, 2, 20), _month(tmp_path, 3, 0), tmp_path / "2023-04.csv"]
    files[3].write_bytes(b"")
    r, _ = _audit(tmp_path, files)
    assert _warned(r) == [f"conform: warning: {files[3]}: 0 bytes, no rows read（0 字节，未读到任何行）; a failed export? "
                          "the settlements it should hold are not audited"]


def test_a_tenth_exactly_or_two_files_are_not_warned(tmp_path):
    """Rows 20, 20, 2: 2 is not fewer than a tenth of 20. Two files of 20 and 1: neither is known to be short."""
    a = tmp_path / "a"
    a.mkdir()
    r, out = _audit(a, [_month(a, 1, 20), _month(a, 2, 20), _month(a, 3, 2)])
    assert _warned(r) == []
    overview = dict(load_workbook(out / "audit.xlsx", read_only=True)["概要"].iter_rows(values_only=True))
    assert not [k for k in overview if "行数过少" in str(k)]
    b = tmp_path / "b"
    b.mkdir()
    r, _ = _audit(b, [_month(b, 1, 20), _month(b, 2, 1)])
    assert _warned(r) == []
