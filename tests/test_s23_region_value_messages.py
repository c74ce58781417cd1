"""A region value that does not read is refused in the same words by `conform run`, `conform settle` and `conform
audit`: the file, the key, what is wrong, the key's line in the file and the clause that leaves it to the region.

Probe s23 M6: `run` quoted the clause (check_region added it) but settle and audit (bind) did not, and no value
error gave the line (only YAML syntax and duplicate keys did). Lines by hand: jilin-example.yaml's `chronic.ratio`
is line 16, `inpatient.cap` line 25 (a comment block of 6 lines, then name, label, policy, example, values:).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conform.harness.cli import main as cli
from conform.reference.policy import (
    REGION_DIR,
    PolicyError,
    bind,
    check_region,
    load_region_file,
)

JILIN = (REGION_DIR / "jilin-example.yaml").read_text(encoding="utf-8")
CHRONIC_CLAUSE = "(吉林 二(三): “支付比例原则上设60%和70%两档，由统筹区选择确定。”)"

BAD = [  # (written, replaced by, key, its line, what is wrong)
    ('chronic.ratio: "0.70"', 'chronic.ratio: "70"', "chronic.ratio", 16, "(write 0.7 or 70%)"),
    ('inpatient.cap: "150000"', 'inpatient.cap: "150000.005"', "inpatient.cap", 25, "more than two decimals"),
    ('inpatient.cap: "150000"', 'inpatient.cap: "15万"', "inpatient.cap", 25, "15万"),
]


def _bad_region(tmp_path: Path, old: str, new: str) -> Path:
    assert old in JILIN
    path = tmp_path / "jl-bad.yaml"
    path.write_text(JILIN.replace(old, new).replace("name: jilin-example", "name: jl-bad")
                    .replace("example: true", "example: false"), encoding="utf-8")
    return path


def _error_line(output: str) -> str:
    [line] = [x for x in output.splitlines() if x.startswith("conform: error:")]
    return line


@pytest.mark.parametrize("old, new, key, line, what", BAD)
def test_bind_and_check_region_give_one_message_with_line_and_clause(tmp_path, old, new, key, line, what):
    path = _bad_region(tmp_path, old, new)
    with pytest.raises(PolicyError) as e:
        bind("jilin", load_region_file(str(path)))
    said = str(e.value)
    assert check_region(str(path)).errors == (said,)  # run's check and settle/audit's bind: the same words
    assert said.startswith(f"region jl-bad (file {path}): {key}: "), said
    assert what in said and f"(line {line} of the file)" in said, said
    assert said.endswith("”)") and (key != "chronic.ratio" or said.endswith(CHRONIC_CLAUSE)), said


def test_the_line_is_not_claimed_for_a_value_the_case_params_give(tmp_path):
    # the case's params replace the file's figure: the refusal names params, and no line of the region file
    path = _bad_region(tmp_path, "policy: jilin", "policy: jilin")  # the example's figures, all good
    with pytest.raises(PolicyError) as e:
        bind("jilin", load_region_file(str(path)), {"chronic.ratio": "70"})
    assert str(e.value).startswith("params: chronic.ratio: ") and "line" not in str(e.value), str(e.value)
    assert str(e.value).endswith(CHRONIC_CLAUSE)


def test_run_settle_and_audit_print_the_same_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _bad_region(tmp_path, 'chronic.ratio: "0.70"', 'chronic.ratio: "70"')
    run = CliRunner().invoke(cli, ["run", "--region", str(path), "--out", str(tmp_path / "o"), "--no-progress"])
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"policy": "jilin", "region": str(path), "person": {"psn_no": "P1", "psn_type": "1101"},
                                "settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "11",
                                                 "facility": "primary", "medfee_sumamt": "100.00"}]}), encoding="utf-8")
    settle = CliRunner().invoke(cli, ["settle", str(case)])
    ledger = tmp_path / "l.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
                      "S1,P1,1101,2023-05-01,11,primary,100.00,0.00\n", encoding="utf-8")
    audit = CliRunner().invoke(cli, ["audit", str(ledger), "--policy", "jilin", "--region", str(path),
                                     "--out", str(tmp_path / "a")])
    assert (run.exit_code, settle.exit_code, audit.exit_code) == (2, 2, 2), (run.output, settle.output, audit.output)
    core = f"region jl-bad (file {path}): chronic.ratio: "
    said = [_error_line(r.output) for r in (run, settle, audit)]
    tails = {s[s.index(core):] for s in said}
    assert len(tails) == 1, said  # settle and audit lacked the clause
    [tail] = tails
    assert tail.endswith(f"(line 16 of the file) {CHRONIC_CLAUSE}"), tail
