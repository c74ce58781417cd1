"""Ledger inputs found mis-read in session s18."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conform.harness.cli import main

ROWS = "".join(f"T{i},P{i},1101,2023-05-04,11,tertiary,400.00,0.00\n" for i in range(3))


@pytest.mark.parametrize("first, again", [
    ("ｓｅｔｌ＿ｉｄ", "ｓｅｔｌ＿ｉｄ"),  # a header in full-width letters (a Chinese input method's) pasted in again
    ("setl_id", " SETL_ID"),
    ("ｓｅｔｌ＿ｉｄ", "setl_id"),
])
def test_a_header_written_again_is_named_at_its_line(tmp_path, first, again):
    """The quick test for a repeated header compared the first cell, lowered by pyarrow, with the header's name
    folded to NFKC: a full-width header written twice slipped past it and was refused later as 'not an
    amount' in a column the reader had no reason to doubt. Line 5 is the second header (after the header and
    three rows)."""
    rest = "psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
    path = tmp_path / "joined.csv"
    path.write_text(f"{first},{rest}{ROWS}{again},{rest}{ROWS.replace('T', 'U')}", encoding="utf-8")
    r = CliRunner().invoke(main, ["audit", str(path), "--policy", "zhejiang", "--region", "zhejiang-example",
                                  "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert "joined.csv, line 5: the header is repeated here" in r.output, r.output
    assert not (tmp_path / "out").exists()


def test_skip_by_a_missing_column_lists_no_column_of_the_reader_own(tmp_path):
    """A ledger with fixmedins_code only, levels from --institutions, and a [skip] by a column it lacks: the
    refusal listed the reader's internal __fixmedins_unknown among the file's columns."""
    ledger = tmp_path / "led.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,fixmedins_code,medfee_sumamt,hifp_pay\n"
                      "T1,P1,1101,2023-05-04,11,H001,400.00,0.00\n", encoding="utf-8")
    inst = tmp_path / "inst.csv"
    inst.write_text("fixmedins_code,facility\nH001,tertiary\n", encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text('[skip]\ninsutype = ["390"]\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "zhejiang", "--region", "zhejiang-example",
                                  "--institutions", str(inst), "--map", str(mapping), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert "column insutype: [skip] leaves out rows by insutype, a column this file does not have" in r.output
    assert "__fixmedins_unknown" not in r.output and "names them: facility, fixmedins_code, fixmedins_name, hifp_pay" in r.output, r.output


@pytest.mark.parametrize("codec, said", [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")])
def test_utf16_without_its_byte_order_mark_is_named_with_the_encoding_to_give(tmp_path, codec, said):
    """NUL is valid UTF-8: a UTF-16 export without its mark was read as UTF-8 text with a zero byte beside every
    character, and refused as '1 fields where the header has 8' or 'missing column(s) … (present:  s e t l _ i d'."""
    text = "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n" + ROWS
    ledger = tmp_path / "unicode.csv"
    ledger.write_bytes(text.encode(codec))
    args = ["--policy", "zhejiang", "--region", "zhejiang-example", "--out", str(tmp_path / "out")]
    r = CliRunner().invoke(main, ["audit", str(ledger), *args])
    assert r.exit_code == 2, r.output
    assert "unicode.csv: unreadable encoding: every other byte of the file is zero" in r.output, r.output
    assert f"give --encoding {said}" in r.output and not (tmp_path / "out").exists()
    # given, it is read: three visits of 400.00 at a tertiary hospital, each under the deductible of 600 (二（一）)
    r = CliRunner().invoke(main, ["audit", str(ledger), "--encoding", said, *args])
    assert r.exit_code == 0 and "3 行" in r.output, r.output


def test_a_persons_file_in_utf16_without_its_mark_is_not_told_to_use_encoding(tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n" + ROWS,
                      encoding="utf-8")
    persons = tmp_path / "persons.csv"
    persons.write_bytes("psn_no,psn_type\nP0,1101\n".encode("utf-16-le"))
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "zhejiang", "--region", "zhejiang-example",
                                  "--persons", str(persons), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and "persons.csv: unreadable encoding: every other byte" in r.output, r.output
    assert "--encoding names the ledger files' encoding, not this file's" in r.output, r.output
