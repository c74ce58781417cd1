"""`conform settle` on lists: JSON arrays and JSON lines streamed case by case, the trace on demand.

The figures are those of the README's worked examples; what is checked here is that the
streaming command prints exactly what the engine computes for each case, in every output
form, and that the trace appears only when asked for (or for a single case).
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conform.harness import settle_cli
from conform.harness.cli import main
from conform.reference.case import load_text, parse_case
from conform.reference.engine import compute_case

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "conform" / "fixtures" / "cases").iterdir())


def settle(args, stdin=None):
    r = CliRunner().invoke(main, ["settle", *args], input=stdin)
    assert r.exit_code == 0, r.stderr
    return r.stdout


def engine_output(path: Path, with_trace: bool) -> dict:
    """The engine's own result for a fixture case, through the standard library's JSON (the old output path)."""
    data = load_text(path.read_text(encoding="utf-8"), str(path))
    return json.loads(json.dumps(compute_case(parse_case(data), with_trace=with_trace), ensure_ascii=False))


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_single_case_output_is_the_engines_with_trace(path):
    out = json.loads(settle([str(path)]))
    assert out == engine_output(path, with_trace=True)
    assert all(st["trace"] for st in out["settlements"])  # one case: explained by default


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_no_trace_drops_only_the_trace(path):
    full = engine_output(path, with_trace=True)
    bare = json.loads(settle(["--no-trace", str(path)]))
    for st in full["settlements"]:
        del st["trace"]
    for cr in full.get("account_credits", []):
        del cr["trace"]
    assert bare == full


def all_fixture_cases() -> list[dict]:
    return [load_text(p.read_text(encoding="utf-8"), str(p)) for p in FIXTURES]


def test_json_array_in_array_out_without_trace_by_default():
    cases = all_fixture_cases()
    out = json.loads(settle(["-"], json.dumps(cases)))
    want = [engine_output(p, with_trace=False) for p in FIXTURES]
    assert out == want
    assert not any("trace" in st for c in out for st in c["settlements"])


def test_list_with_trace_flag():
    out = json.loads(settle(["--trace", "-"], json.dumps(all_fixture_cases())))
    assert out == [engine_output(p, with_trace=True) for p in FIXTURES]


def test_jsonl_in_and_out():
    text = "".join(json.dumps(c) + "\n" for c in all_fixture_cases())
    lines = settle(["--jsonl", "-"], text).splitlines()
    assert [json.loads(x) for x in lines] == [engine_output(p, with_trace=False) for p in FIXTURES]


def test_jsonl_input_is_recognised_without_the_flag_only_as_an_error():
    text = "".join(json.dumps(c) + "\n" for c in all_fixture_cases()[:2])
    r = CliRunner().invoke(main, ["settle", "-"], input=text)
    assert r.exit_code == 2 and "--jsonl" in r.stderr and r.stdout == ""


def test_yaml_list_streams_out_as_an_array():
    cases = all_fixture_cases()
    out = json.loads(settle(["-"], yaml.safe_dump(cases, allow_unicode=True)))
    assert out == [engine_output(p, with_trace=False) for p in FIXTURES]


def test_empty_array():
    assert json.loads(settle(["-"], "[]")) == []


def test_array_split_across_reads(monkeypatch):
    # tiny reads: every value straddles a chunk boundary, and the result is the same
    monkeypatch.setattr(settle_cli, "CHUNK", 7)
    cases = all_fixture_cases()
    out = json.loads(settle(["-"], json.dumps(cases, indent=1)))
    assert out == [engine_output(p, with_trace=False) for p in FIXTURES]


GOOD = '{"policy": "panzhihua", "person": {"psn_no": "P", "psn_type": "1101"}}'


@pytest.mark.parametrize("text, fragment", [
    (f"[{GOOD} {GOOD}]", "line 1 column 73: expected ',' or ']' after case 0"),
    (f"[{GOOD}", "not closed"),
    (f"[{GOOD},\n", "not closed"),
    ("[] []", "extra data after the array"),
    (f'[{GOOD},\n{{"policy": "panzhihua",,}}]', "malformed JSON at line 2 column 24"),
])
def test_malformed_arrays_are_located(text, fragment):
    r = CliRunner().invoke(main, ["settle", "-"], input=text)
    assert r.exit_code == 2 and fragment in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert r.stdout == ""  # nothing printed: the output is held back until it is large


def test_bad_case_after_output_started_says_the_output_is_incomplete(monkeypatch):
    monkeypatch.setattr(settle_cli, "HOLD_BACK", 10)
    good = all_fixture_cases()[0]
    bad = dict(good, policy="guangzhou")
    r = CliRunner().invoke(main, ["settle", "--jsonl", "-"], input=json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    assert r.exit_code == 2
    assert "case 1" in r.stderr and "output stopped after 1 case(s): it is incomplete" in r.stderr
    assert json.loads(r.stdout.splitlines()[0]) == engine_output(FIXTURES[0], with_trace=False)


def test_progress_line_when_not_a_terminal(monkeypatch):
    clock = iter([0.0, 1.0, 6.0, 7.0, 12.5])
    monkeypatch.setattr(settle_cli.time, "monotonic", lambda: next(clock))
    err = io.StringIO()
    p = settle_cli.Progress(err)      # t0 = 0
    p.tick(10, 100)                   # 1 s: too early
    p.tick(20, 200)                   # 6 s: a line
    p.tick(30, 300)                   # 7 s: too early again
    p.tick(40, 400)                   # 12.5 s: a line
    assert err.getvalue().splitlines() == ["conform: settled 20 cases, 200 settlements (33/s)",
                                           "conform: settled 40 cases, 400 settlements (32/s)"]


# --------------------------------------------------------------------------- the reference adapter: the same trace, on demand


def test_reference_adapter_renders_the_trace_only_when_read():
    """攀枝花 第七条: (430 − 200) × 50% = 115.00; the trace is the engine's, rendered at first read."""
    import datetime as dt
    from decimal import Decimal

    from conform.harness import evidence
    from conform.harness.adapters.base import Subject
    from conform.harness.adapters.reference import ReferenceAdapter
    from conform.reference.case import Person, Settlement
    from conform.reference.engine import PersonLedger, rules_for

    person = Person("P1", "1101")
    s = Settlement("S1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("430.00"))
    adapter = ReferenceAdapter()
    adapter.prepare_person(Subject("panzhihua", person))
    evidence.begin()
    out = adapter.settle("P1", s)
    recorded = evidence.take()
    assert out["hifp_pay"] == "115.00"
    assert "trace" not in recorded[0]["response"]          # evidence keeps the figures
    assert "trace" not in dict.keys(out)                    # not rendered yet
    want = PersonLedger(rules_for("panzhihua"), person).settle(s).to_output(with_trace=True)
    assert out.get("trace") == want["trace"] and out["trace"] == want["trace"]
    assert {k: v for k, v in out.items()} == want           # once read, the output is the full one
    rev = adapter.reverse("P1", "S1")
    assert rev["hifp_pay"] == "-115.00" and rev["trace"][0]["clause"] == "A-REVERSAL"


# --------------------------------------------------------------------------- where an error is (reviewer C)

CASE_T = {"policy": "panzhihua", "person": {"psn_no": "T1", "psn_type": "1101"},
          "settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "tertiary",
                           "medfee_sumamt": "500.00"}]}
LINE = json.dumps(CASE_T)
CUT = LINE[:LINE.index(', "settlements"')]  # a record cut off after a complete value


def refusal(args, stdin=None):
    r = CliRunner().invoke(main, ["settle", *args], input=stdin)
    assert r.exit_code == 2 and "Traceback" not in r.stderr, (r.exit_code, r.stderr)
    return r.stderr


def test_an_amount_from_a_json_number_is_shown_as_written():
    text = LINE.replace('"500.00"', "500.005")
    err = refusal(["-"], text)
    assert "field medfee_sumamt: more than two decimals (fen): '500.005'" in err and "Decimal" not in err, err


def test_a_cut_off_json_lines_record_is_named_on_its_own_line():
    # the decoder reads line 3 as the cut record's continuation and gives up at line 3 column 1
    err = refusal(["--jsonl", "-"], f"{LINE}\n{CUT}\n{LINE}\n{LINE}\n")
    assert f"malformed JSON at line 2 column {len(CUT) + 1}: Expecting ',' delimiter" in err, err
    assert "case 1, on line 2" in err and "line 3" not in err, err


def test_a_cut_off_record_before_megabytes_of_good_lines_is_not_called_too_large():
    err = refusal(["--jsonl", "--max-case-mb", "1", "-"], f"{LINE}\n{CUT}\n" + f"{LINE}\n" * 8000)
    assert "at line 2 column" in err and "case 1, on line 2" in err, err


def test_a_broken_line_keeps_its_own_location():
    err = refusal(["--jsonl", "-"], f'{LINE}\n{{"policy": ,}}\n{LINE}\n')
    assert "malformed JSON at line 2 column 12: Expecting value" in err and "whole JSON value" not in err, err


def test_a_data_error_names_the_file_and_the_line_of_the_case(tmp_path, monkeypatch):
    bad = LINE.replace('"500.00"', '"500.005"')
    f = tmp_path / "v.jsonl"
    f.write_text(f"{LINE}\n\n{LINE}\n\n{bad}\n", encoding="utf-8")
    err = refusal(["--jsonl", str(f)])
    assert f"{f} line 5: case 2 (T1), settlement V1, field medfee_sumamt" in err, err
    # the same when the text arrives in small reads and the start of the buffer is dropped on the way
    monkeypatch.setattr(settle_cli, "CHUNK", 64)
    many = tmp_path / "many.jsonl"
    many.write_text(f"{LINE}\n\n" * 300 + f"{bad}\n", encoding="utf-8")
    assert f"{many} line 601: case 300 (T1)" in refusal(["--jsonl", str(many)])
    arr = tmp_path / "arr.json"
    text = json.dumps([CASE_T, json.loads(bad)], indent=1)
    arr.write_text(text, encoding="utf-8")
    second = [i for i, x in enumerate(text.splitlines(), 1) if x == " {"][1]  # where case 1 opens
    assert f"{arr} line {second}: case 1 (T1)" in refusal([str(arr)])
    yml = tmp_path / "c.yaml"
    yml.write_text(yaml.safe_dump([CASE_T, json.loads(bad)]), encoding="utf-8")
    assert f"{yml}: case 1 (T1), settlement V1" in refusal([str(yml)])  # YAML: the file, no line
