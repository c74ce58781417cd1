"""The persons file (--persons) as JSON lines: numbers read exactly, bad lines located."""
from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from conform.audit import persons
from conform.audit.errors import AuditInputError
from conform.audit.mapping import load_mapping
from _kept import kept_audit


def _loaded(f, columns: str) -> tuple[dict, list[tuple]]:
    """persons.load of file `f` on a fresh connection: the persons it returns and the table's rows (`columns`)."""
    con = duckdb.connect()
    try:
        people = persons.load(con, str(f))
        return people, con.execute(f"SELECT {columns} FROM persons ORDER BY psn_no").fetchall()
    finally:
        con.close()


def test_numbers_with_a_fraction_are_read_as_decimals_not_binary_floats(tmp_path):
    """0.1 + 0.2 is not 0.3 in binary floating point: a balance of 179.13 written as a JSON number
    must reach the audit as 17913 fen, nested (ytd) as well as at the top, and a whole number stays whole."""
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "P1", "psn_type": "1101", "acct_balance": 179.13}\n'
                 '{"psn_no": "P2", "psn_type": "1101", "ytd": {"year": 2024, "ordinary_dedc": 0.3}}\n'
                 '{"psn_no": "P3", "psn_type": "1101", "acct_balance": 12}\n', encoding="utf-8")
    recs = dict(persons._records(f)[0])
    assert recs[1]["acct_balance"] == Decimal("179.13") and type(recs[1]["acct_balance"]) is Decimal
    assert recs[2]["ytd"]["ordinary_dedc"] == Decimal("0.3") and type(recs[2]["ytd"]["ordinary_dedc"]) is Decimal
    assert recs[3]["acct_balance"] == 12
    con = duckdb.connect()
    try:
        persons.load(con, str(f))
        got = dict(con.execute("SELECT psn_no, COALESCE(acct_balance, ytd_dedc) FROM persons").fetchall())
    finally:
        con.close()
    assert got == {"P1": 17913, "P2": 30, "P3": 1200}


def test_a_huge_integer_is_kept_whole(tmp_path):
    """Beyond 64 bits the fast reader gives up; the exact one keeps the number as it is."""
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "P1", "n": 123456789012345678901234567890}\n', encoding="utf-8")
    assert persons._records(f)[0] == [(1, {"psn_no": "P1", "n": 123456789012345678901234567890})]


@pytest.mark.parametrize("line", ['{"psn_no": "P2",, }', '{"psn_no": NaN}x', '{"psn_no": "P2"'])
def test_a_malformed_line_is_named_by_its_number(tmp_path, line):
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "P1", "psn_type": "1101"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"p\.jsonl, line 3: malformed JSON"):
        persons._records(f)


def test_persons_lines_are_read_like_a_case_nan_refused(tmp_path):
    """The persons file goes through the same JSON reader as a case (conform.reference.loading.load_json):
    NaN is not an amount, so a line holding one is refused, with its line."""
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "P1", "psn_type": "1101"}\n{"psn_no": "P2", "acct_balance": NaN}\n', encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"p\.jsonl, line 2: .*NaN is not a JSON number"):
        persons._records(f)


def test_a_malformed_json_cell_in_a_persons_csv_is_located(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text('psn_no,psn_type,ytd\nP1,1101,"{""year"": 2023,}"\n', encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"p\.csv, line 2, column ytd: in cell: malformed JSON"):
        persons._records(f)


@pytest.mark.parametrize("policy", ["panzhihua", "zhejiang"])
def test_psn_type_may_be_left_out_the_ledger_carries_it(tmp_path, policy):
    """A persons file made from the account system has no person type: the ledger's rows give it. The
    audit must then find exactly what it finds with the type written out (persons with a tier, a
    mid-year retirement and chronic diseases included, on the plan and on the reference engine)."""
    import json

    from conform.audit.run import audit
    from conform.audit.synth import synth_ledger

    ledger = tmp_path / "l.parquet"
    synth_ledger(1500, policy, ledger, defect_rate=0.3, seed=5, workers=1)
    typed = tmp_path / "l.persons.jsonl"
    untyped = tmp_path / "untyped.jsonl"
    recs = [json.loads(line) for line in typed.read_text(encoding="utf-8").splitlines()]
    assert sum("psn_type" in r for r in recs) == len(recs) > 40
    untyped.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "psn_type"}) + "\n" for r in recs),
                       encoding="utf-8")
    con = duckdb.connect()
    found = []
    for p in (typed, untyped):
        code, s = audit([str(ledger)], policy, f"{policy}-example", str(p), out=tmp_path / p.stem, workers=1)
        rows = con.execute(f"SELECT * FROM read_parquet('{tmp_path / p.stem / 'discrepancies.parquet'}') "
                           "ORDER BY setl_id, field").fetchall()
        found.append((code, s["persons_reference"], s["discrepancies_by_field"], rows))
    assert found[0][0] == 1 and found[0][1] > 0 and len(found[0][3]) > 30
    assert found[1] == found[0]


@pytest.mark.parametrize("encoding, name, text", [
    ("gbk", "p.csv", "psn_no,psn_type,acct_balance,flex_tier\n灵活001,1103,100.50,1\n"),
    ("gbk", "p.jsonl", '{"psn_no": "灵活001", "psn_type": "1103", "acct_balance": "100.50", "flex_tier": 1}\n'),
    # Excel's "Unicode 文本": UTF-16 with its byte-order mark, split by tabs
    ("utf-16", "p.txt", "psn_no\tpsn_type\tacct_balance\tflex_tier\r\n灵活001\t1103\t100.50\t1\r\n"),
    ("utf-16", "p.csv", "psn_no,psn_type,acct_balance,flex_tier\n灵活001,1103,100.50,1\n"),
    ("utf-16", "p.jsonl", '{"psn_no": "灵活001", "psn_type": "1103", "acct_balance": "100.50", "flex_tier": 1}\n'),
])
def test_a_gbk_or_utf16_persons_file_is_read_like_such_a_ledger(tmp_path, encoding, name, text):
    f = tmp_path / name
    f.write_bytes(text.encode(encoding))
    people, rows = _loaded(f, "psn_no, acct_balance, flex_tier")
    assert rows == [("灵活001", 10050, 1)]
    assert set(people) == {"灵活001"}


def test_gbk_behind_a_utf8_byte_order_mark_is_said_so(tmp_path):
    """EF BB BF then GBK: GB18030 would read the mark as 锘 and lose the first column's name; the message
    names the mark, as for a ledger file."""
    f = tmp_path / "p.csv"
    f.write_bytes(b"\xef\xbb\xbf" + "psn_no,psn_type,acct_balance\n灵活001,1103,100.50\n".encode("gbk"))
    with pytest.raises(AuditInputError, match=r"p\.csv, line 2: unreadable: not UTF-8 \(the file starts with a UTF-8 "
                                              r"byte-order mark"):
        _loaded(f, "psn_no")


def test_the_ledgers_map_applies_to_a_persons_psn_type(tmp_path):
    """A persons file from the same platform uses the same codes: 1102 (公务员在职) mapped to 1101 as in
    the ledger, and a 离休 person (1300) that [skip] leaves out of the ledger is left out here too."""
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "P1", "psn_type": "1102", "acct_balance": "10.00"}\n'
                 '{"psn_no": "P2", "psn_type": "1300", "acct_balance": "20.00"}\n', encoding="utf-8")
    m = tmp_path / "m.toml"
    m.write_text('[codes.psn_type]\n"1102" = "1101"\n[skip]\npsn_type = ["1300"]\n', encoding="utf-8")
    con = duckdb.connect()
    try:
        people = persons.load(con, str(f), mapping=load_mapping([str(m)]))
        assert con.execute("SELECT psn_no, p_psn_type, acct_balance FROM persons").fetchall() == [("P1", "1101", 1000)]
    finally:
        con.close()
    assert set(people) == {"P1"}
    with pytest.raises(AuditInputError, match=r"p\.jsonl, line 1, column psn_type: .*'1102'"):
        persons.load(duckdb.connect(), str(f))  # without the map: the platform code is not one the documents name


@pytest.mark.parametrize("name, text, line", [
    ("p.jsonl", '{"psn_no": "P1", "psn_type": "1101"}\n{"psn_no": "P2", "psn_type": "9999"}\n', 2),
    ("p.csv", "psn_no,psn_type\nP1,9999\n", 2),
    ("p.jsonl", '{"psn_no": "P2", "psn_type": 9999}\n', 1),
])
def test_an_unknown_psn_type_lists_the_codes_readably(tmp_path, name, text, line):
    """Not `1101 (('in_service', False, '职工在职'))`: each code with its name, and the way out (--map)."""
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        persons.load(duckdb.connect(), str(f))
    msg = str(e.value)
    assert msg.startswith(f"{f}, line {line}, column psn_type: unknown code '9999'; expected one of "
                          "1101 (职工在职), 1103 (灵活就业在职), 1201 (职工退休), 1203 (灵活就业退休)"), msg
    assert "--map [codes.psn_type]" in msg and "in_service" not in msg and "((" not in msg


def test_dates_are_read_in_the_ledgers_formats(tmp_path):
    """A persons file exported beside the ledger writes dates as the ledger does (2023/07/01, 20230701,
    a midnight datetime): read as those dates; a date that is none is still refused, with its line."""
    f = tmp_path / "p.csv"
    f.write_text("psn_no,psn_type,retire_date,benefit_period\n"
                 'P1,1201,2023/07/01,"{""begin"": ""20230101"", ""end"": ""2023-12-31 00:00:00""}"\n'
                 "P2,1201,2023-07-01,\n", encoding="utf-8")
    con = duckdb.connect()
    try:
        people = persons.load(con, str(f))
        got = con.execute("SELECT psn_no, CAST(retire_date AS VARCHAR), CAST(bp_begin AS VARCHAR), CAST(bp_end AS VARCHAR)"
                          " FROM persons ORDER BY psn_no").fetchall()
    finally:
        con.close()
    assert got == [("P1", "2023-07-01", "2023-01-01", "2023-12-31"), ("P2", "2023-07-01", None, None)]
    assert people["P1"].retire_date == people["P2"].retire_date
    f.write_text("psn_no,psn_type,retire_date\nP1,1201,2023/13/01\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"p\.csv, line 2, column retire_date"):
        persons.load(duckdb.connect(), str(f))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_csv_error_names_the_line_its_person_starts_on_after_a_cell_spanning_lines(tmp_path, newline):
    """P1's ytd is JSON text over three lines, and a blank line follows: P4 starts on line 8, not at the
    4th record (line 5 counting records); the line breaks inside the cell are kept (the JSON is read whole)."""
    f = tmp_path / "p.csv"
    ytd = '"{""year"": 2023,' + newline + ' ""ordinary_dedc"": ""150.00"",' + newline + ' ""ordinary_pay"": ""0.00""}"'
    f.write_bytes(newline.join(["psn_no,psn_type,ytd", f"P1,1101,{ytd}", "", "P2,1201,",
                                "P3,1101,", 'P4,1101,"[1,"', "P5,9999,", ""]).encode())
    # line 1 header; 2–4 P1; 5 blank; 6 P2; 7 P3; 8 P4 (bad JSON); 9 P5 (bad type)
    with pytest.raises(AuditInputError, match=r"p\.csv, line 8, column ytd: in cell: malformed JSON"):
        persons.load(duckdb.connect(), str(f))
    f.write_bytes(f.read_bytes().replace(b'"[1,"', b""))
    with pytest.raises(AuditInputError, match=r"p\.csv, line 9, column psn_type: unknown code '9999'"):
        persons.load(duckdb.connect(), str(f))
    f.write_bytes(f.read_bytes().replace(b"9999", b"1101"))
    con = duckdb.connect()
    try:
        people = persons.load(con, str(f))
        assert con.execute("SELECT psn_no, ytd_year, ytd_dedc FROM persons ORDER BY psn_no").fetchall()[0] == \
            ("P1", 2023, 15000)
    finally:
        con.close()
    assert set(people) == {"P1", "P2", "P3", "P4", "P5"}
    assert [no for no, _ in persons._records(f)[0]] == [2, 6, 7, 8, 9]


def test_a_quoted_name_keeps_its_line_break(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text('psn_no,psn_type,note\nP1,1101,"第一行\n第二行"\n', encoding="utf-8")
    assert persons._records(f)[0] == [(2, {"psn_no": "P1", "psn_type": "1101", "note": "第一行\n第二行"})]


def test_a_row_longer_than_the_header_is_refused_at_its_line(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text('psn_no,psn_type\nP1,1101\n"P\n2",1101,extra\n', encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"p\.csv, line 3: 3 fields where the header has 2"):
        persons.load(duckdb.connect(), str(f))


@pytest.mark.parametrize("yes, no", [("TRUE", "FALSE"), ("True", "False"), ("true", "false"), ("1", "0")])
def test_flags_in_a_persons_csv_are_read_as_the_ledger_reads_them(tmp_path, yes, no):
    """Excel saves a yes/no column as TRUE/FALSE; the ledger takes those for its flags, and so does this."""
    f = tmp_path / "p.csv"
    f.write_text(f"psn_no,psn_type,has_account,remote_filing,flex_tier\nP1,1103,{yes},{no},1\nP2,1101,{no},{yes},\n",
                 encoding="utf-8")
    got = _loaded(f, "psn_no, has_account, remote_filing, flex_tier")[1]
    # flex_tier 1 stays the tier 1 (a number, not a flag): only the flag columns read 1/0 as yes/no
    assert got == [("P1", True, False, 1), ("P2", False, True, None)]


def test_a_flag_that_is_none_is_still_refused_at_its_line(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("psn_no,psn_type,has_account\nP1,1101,TRUE\nP2,1101,maybe\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"p\.csv, line 3, column has_account: .*'maybe'"):
        persons.load(duckdb.connect(), str(f))


def test_a_type_with_spaces_around_it_is_read_as_the_ledger_reads_it(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("psn_no,psn_type\nP1, 1201 \n", encoding="utf-8")
    con = duckdb.connect()
    try:
        people = persons.load(con, str(f))
    finally:
        con.close()
    assert people["P1"].psn_type == "1201"


@pytest.mark.parametrize("route", ["plan", "reference"])
def test_a_settlement_on_the_last_day_of_the_benefit_period_is_pooled_and_the_day_after_is_not(tmp_path, route):
    """攀枝花 第七条 pools “建立了个人账户且在待遇享受期内的职工医保参保人员”: the period's last day is in it.
    B1 on 2023-03-01 (the end), in service, 三级, 1000.00: deductible 200.00, (1000 − 200) × 50% = 400.00.
    B2 the day after, 1000.00 again: outside the period, the fund pays nothing and nothing counts (0.00, 0.00).
    A retirement date years ahead changes no figure but sends A to the reference engine: the same there."""
    import json

    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay\n"
                      "B1,A,1101,2023-03-01,11,tertiary,1000.00,200.00,400.00\n"
                      "B2,A,1101,2023-03-02,11,tertiary,1000.00,0.00,0.00\n", encoding="utf-8")
    person = {"psn_no": "A", "benefit_period": {"begin": "2023-01-01", "end": "2023-03-01"},
              **({"retire_date": "2040-01-01"} if route == "reference" else {})}
    f = tmp_path / "p.jsonl"
    f.write_text(json.dumps(person) + "\n", encoding="utf-8")
    with kept_audit([str(ledger)], "panzhihua", "panzhihua-example", str(f), write=False) as (code, s, con):
        got = con.execute("SELECT l.setl_id, e.act_pay_dedc, e.hifp_pay FROM expected_rows e JOIN ledger l ON l.rid = e.rid "
                          "ORDER BY l.setl_id").fetchall()
        status = dict(con.execute("SELECT l.setl_id, e.status FROM expected_rows e JOIN ledger l ON l.rid = e.rid").fetchall())
    assert got == [("B1", 20000, 40000), ("B2", 0, 0)]
    assert (code, sum(s["discrepancies_by_field"].values()), s["unassessed"]) == (0, 0, 0)
    assert s["persons_reference"] == (route == "reference")
    if route == "plan":
        assert status == {"B1": "ordinary", "B2": "none_period"}


@pytest.mark.parametrize("route", ["plan", "reference"])
def test_a_settlement_on_the_first_day_of_the_benefit_period_is_pooled_and_the_day_before_is_not(tmp_path, route):
    """The first-day twin of the test above: 攀枝花 第七条 pools those “在待遇享受期内”, and a period that begins
    on 2024-03-01 holds that day. B0 the day before (2024-02-29), in service, 三级, 300.00: outside the period,
    the fund pays nothing and nothing counts toward the deductible (0.00, 0.00). B1 on 2024-03-01, 1200.00:
    the year's deductible 200.00 in full (B0 counted none of it), then (1200 − 200) × 50% = 500.00."""
    import json

    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay\n"
                      "B0,A,1101,2024-02-29,11,tertiary,300.00,0.00,0.00\n"
                      "B1,A,1101,2024-03-01,11,tertiary,1200.00,200.00,500.00\n", encoding="utf-8")
    person = {"psn_no": "A", "psn_type": "1101", "benefit_period": {"begin": "2024-03-01", "end": "2024-12-31"},
              **({"retire_date": "2040-01-01"} if route == "reference" else {})}
    f = tmp_path / "p.jsonl"
    f.write_text(json.dumps(person) + "\n", encoding="utf-8")
    with kept_audit([str(ledger)], "panzhihua", "panzhihua-example", str(f), write=False) as (code, s, con):
        got = con.execute("SELECT l.setl_id, e.act_pay_dedc, e.hifp_pay, e.status FROM expected_rows e "
                          "JOIN ledger l ON l.rid = e.rid ORDER BY l.setl_id").fetchall()
    assert [r[:3] for r in got] == [("B0", 0, 0), ("B1", 20000, 50000)]
    assert (code, sum(s["discrepancies_by_field"].values()), s["unassessed"]) == (0, 0, 0)
    assert s["persons_reference"] == (route == "reference")
    if route == "plan":
        assert [r[3] for r in got] == ["none_period", "ordinary"]


def test_a_hospital_stay_is_read_in_the_ledgers_date_formats_and_counted(tmp_path):
    """A stay written 2023/03/01 – 20230310 is the ISO stay 2023-03-01 – 2023-03-10; P1 has two stays, P2 none."""
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "P1", "psn_type": "1101", "hospital_stays": [{"begin": "2023/03/01", "end": "20230310"},'
                 ' {"begin": "2023-05-01", "end": "2023-05-03"}]}\n'
                 '{"psn_no": "P2", "psn_type": "1101"}\n', encoding="utf-8")
    con = duckdb.connect()
    try:
        people = persons.load(con, str(f))
        assert con.execute("SELECT psn_no, n_stays FROM persons ORDER BY psn_no").fetchall() == [("P1", 2), ("P2", 0)]
    finally:
        con.close()
    first = people["P1"].hospital_stays[0]
    assert (str(first.begin), str(first.end)) == ("2023-03-01", "2023-03-10")


def test_a_person_given_twice_is_refused_at_the_second_line(tmp_path):
    # two balances for one person: which one the audit used would be a guess
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "P1", "psn_type": "1101", "acct_balance": "10.00"}\n'
                 '{"psn_no": "P2", "psn_type": "1101"}\n'
                 '{"psn_no": "P1", "psn_type": "1101", "acct_balance": "99.00"}\n', encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"p\.jsonl, line 3, column psn_no: psn_no 'P1' given twice"):
        persons.load(duckdb.connect(), str(f))


@pytest.mark.parametrize("text", [
    '[{"psn_no": "灵活001", "psn_type": "1103", "acct_balance": "100.50", "flex_tier": 1}]\n',
    '{"psn_no": "灵活001", "psn_type": "1103", "acct_balance": "100.50", "flex_tier": 1}\n'
    '{"psn_no": "灵活002", "psn_type": "1103", "acct_balance": "0.00", "flex_tier": 1}\n',
    '- psn_no: "灵活001"\n  psn_type: "1103"\n  acct_balance: "100.50"\n  flex_tier: 1\n',
])
def test_a_txt_persons_file_holding_json_or_yaml_is_read_as_such_not_as_csv(tmp_path, text):
    """.txt is also Excel's tab-separated "Unicode 文本", but a .txt that starts like JSON or a YAML list
    is what it looks like (so it was read before .txt was taken as CSV too)."""
    f = tmp_path / "p.txt"
    f.write_text(text, encoding="utf-8")
    got = _loaded(f, "psn_no, acct_balance, flex_tier")[1]
    assert got[0] == ("灵活001", 10050, 1)


def test_a_txt_persons_file_read_as_json_names_the_record_not_a_line(tmp_path):
    """A pretty-printed JSON array in a .txt: the third person's bad code is in record 3 (line 14 of the text),
    so 'line 3' pointed at the wrong place."""
    import json as _json

    people = [{"psn_no": f"P{i}", "psn_type": "9999" if i == 3 else "1101"} for i in range(1, 5)]
    f = tmp_path / "p.txt"
    f.write_text(_json.dumps(people, indent=2), encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"p\.txt, record 3, column psn_type"):
        persons.load(duckdb.connect(), str(f))
