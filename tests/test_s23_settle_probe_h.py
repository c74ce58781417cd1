"""`conform settle`: probe H's findings (s23).

F1 a full disk, a closed stdin or stdout and a read error are the user's environment: one `conform: error:` line,
exit 2, saying how many cases the output holds — never "internal error … please report it" (exit 3).
F2 README gives the internal-error code docs/ci.md and the program give (3).
F3 the default `--max-case-mb` bounds memory (a case takes ~100× its size), real person-years still settle.
F4 SIGINT/SIGTERM say the output is incomplete and how many cases it holds (130/143).
F5 a case that is no mapping is named by its JSON/YAML type (a number, null, a string…), not Python's.
F6 README says what is refused of YAML anchors and aliases: aliases; an anchor alone is accepted.
F7 a `ytd` whose year no settlement of the case is in is warned of on stderr, naming the case and the year.
Figures: 攀枝花 第七条 (在职: deductible 200, 三级 50%).
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conform.harness.cli import main

ROOT = Path(__file__).resolve().parent.parent
CONFORM = Path(sys.executable).parent / "conform"
FIXTURE = ROOT / "conform" / "fixtures" / "cases" / "panzhihua.json"
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
POSIX = pytest.mark.skipif(os.name != "posix" or not CONFORM.is_file(), reason="needs POSIX and the conform script")


def s(sid="S1", date="2023-03-01", amount="430"):
    return {"id": sid, "date": date, "med_type": "11", "facility": "tertiary", "medfee_sumamt": amount}


def case(*settlements, psn_no="T0001", ytd=None):
    person = {"psn_no": psn_no, "psn_type": "1101", **({"ytd": ytd} if ytd else {})}
    return {"policy": "panzhihua", "person": person, "settlements": list(settlements)}


def settle(args, stdin=None):
    return CliRunner().invoke(main, ["settle", *args], input=stdin)


def conform(args, **kw):
    kw = {"stdout": subprocess.PIPE, **kw}
    return subprocess.run([str(CONFORM), "settle", *args], stderr=subprocess.PIPE, cwd=ROOT, timeout=120, **kw)


def jsonl_file(path: Path, n: int) -> Path:
    path.write_text("".join(json.dumps(case(s(), psn_no=f"P{i}")) + "\n" for i in range(n)), encoding="utf-8")
    return path


def said_error(p) -> str:
    err = p.stderr.decode()
    assert "Traceback" not in err and "internal error" not in err and "please report" not in err, err
    assert err.startswith("conform: error:") and err.count("\n") == 1, err
    return err


# --------------------------------------------------------------------------- F1: I/O errors are the environment's


@POSIX
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_f1_a_full_disk_is_an_output_error_exit_2_not_an_internal_error():
    with open("/dev/full", "wb") as full:
        p = conform([str(FIXTURE)], stdout=full)
    assert p.returncode == 2
    err = said_error(p)
    assert "writing the output: No space left on device" in err
    assert "output stopped after 0 case(s): it is incomplete" in err


@POSIX
def test_f1_a_write_error_after_streaming_says_how_many_whole_cases_were_written(tmp_path):
    """A file-size limit (EFBIG, as a full disk mid-run): the count said is of whole cases the output holds."""
    import resource

    src = jsonl_file(tmp_path / "c.jsonl", 20000)
    out = tmp_path / "out.jsonl"

    def limit():  # Python ignores SIGXFSZ, so the write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (3 << 20, resource.RLIM_INFINITY))

    with out.open("wb") as f:
        p = conform(["--jsonl", str(src)], stdout=f, preexec_fn=limit)
    assert p.returncode == 2
    err = said_error(p)
    m = re.search(r"writing the output: File too large \(output stopped after (\d+) case\(s\): it is incomplete\)", err)
    assert m, err
    n = int(m.group(1))
    lines = out.read_bytes().split(b"\n")
    assert n > 1000  # past the first MiB held back
    assert all(json.loads(line)["psn_no"] == f"P{i}" for i, line in enumerate(lines[:n]))
    # the part of case n the limit let through is taken back (s28 probe S F2): every line the file holds is whole
    assert len(lines) == n + 1 and lines[n] == b""
    assert (3 << 20) - 2000 < out.stat().st_size < 3 << 20


@POSIX
def test_f1_a_closed_stdout_is_an_output_error():
    p = conform([str(FIXTURE)], preexec_fn=lambda: os.close(1))
    assert p.returncode == 2
    assert "writing the output: standard output is closed" in said_error(p)


@POSIX
def test_f1_a_closed_stdin_is_an_input_error():
    p = conform(["-"], preexec_fn=lambda: os.close(0))
    assert p.returncode == 2
    assert "<stdin>: cannot read: standard input is closed" in said_error(p)
    assert p.stdout == b""


@POSIX
@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_f1_a_read_error_after_the_file_opened_names_the_file():
    p = conform(["/proc/self/mem"])  # opens, then EIO on the first read
    assert p.returncode == 2
    assert "/proc/self/mem: cannot read: Input/output error" in said_error(p)


# --------------------------------------------------------------------------- F2: README's internal-error code


def test_f2_readme_gives_the_internal_error_code_docs_ci_and_the_program_give():
    from conform.harness.cli import EXIT_INTERNAL

    assert EXIT_INTERNAL == 3
    assert "1 for the others" not in README
    sentence = re.search(r"`conform audit`, `settle`, `list` and `synth-ledger` differ \(([^)]*)\)", README)
    assert sentence and re.sub(r"\s+", " ", sentence.group(1)) == "SIGTERM 143; an internal error 3"
    assert "| internal error (a bug in conform) | `4` | `3` (`conform: internal error: …`, no traceback) | `3`, as " \
           "`audit` | `3`, as `audit` | `3`, as `audit` |" in CI


# --------------------------------------------------------------------------- F3: memory bounded by default


def test_f3_a_case_over_the_default_limit_is_refused_naming_the_option(tmp_path):
    """~45,000 settlements in 4.5 MB: some 450 MB to settle with the trace; refused at the default 4 MB."""
    many = [s(f"V{i:06d}", f"2023-{1 + i * 12 // 45000:02d}-01", "1.00") for i in range(45000)]
    f = tmp_path / "big.json"
    f.write_text(json.dumps(case(*many), separators=(",", ":")), encoding="utf-8")
    assert 4 << 20 < f.stat().st_size < 5 << 20
    r = settle(["--no-trace", str(f)])
    assert r.exit_code == 2, r.stderr[-300:]
    assert "larger than 4 MB" in r.stderr and "--max-case-mb" in r.stderr
    assert r.stdout == ""


def test_f3_a_real_person_year_settles_within_the_default(tmp_path):
    """Two settlements a day all year (730): far below the limit; the year's cap still binds (1500 at 攀枝花 三级)."""
    import datetime as dt

    days = [dt.date(2023, 1, 1) + dt.timedelta(d) for d in range(365)]
    many = [s(f"V{i}", str(days[i // 2]), "300.00") for i in range(730)]
    f = tmp_path / "year.json"
    f.write_text(json.dumps(case(*many)), encoding="utf-8")
    r = settle([str(f)])
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert len(out["settlements"]) == 730 and out["settlements"][0]["trace"]


def test_f3_the_documented_default_is_the_programs():
    r = CliRunner().invoke(main, ["settle", "--help"], terminal_width=200)
    assert re.search(r"--max-case-mb INTEGER RANGE.*\[default: 4;", re.sub(r"\s+", " ", r.output)), r.output
    assert "`--max-case-mb` (default 4)" in README
    assert "100 times its size in memory" in README


# --------------------------------------------------------------------------- F4: a signal says what stdout holds


@POSIX
@pytest.mark.parametrize("sig, code, word", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")])
def test_f4_a_signal_says_the_output_is_incomplete_and_how_many_cases_it_holds(tmp_path, sig, code, word):
    src = jsonl_file(tmp_path / "c.jsonl", 60000)
    out = tmp_path / "out.jsonl"
    with out.open("wb") as f:
        proc = subprocess.Popen([str(CONFORM), "settle", "--jsonl", str(src)], cwd=ROOT, stdout=f,
                                stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 60
        while out.stat().st_size < (3 << 19) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)  # streaming has started (past the first MiB held back)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    err = err.decode()
    assert proc.returncode == code, err
    m = re.fullmatch(rf"conform: {word}; output stopped after (\d+) case\(s\): it is incomplete\n", err)
    assert m, err
    n = int(m.group(1))
    assert 0 < n < 60000
    lines = out.read_bytes().split(b"\n")
    assert len(lines) == n + 1 and lines[n] == b""  # n whole lines, nothing more
    assert all(json.loads(line)["psn_no"] == f"P{i}" for i, line in enumerate(lines[:n]))


# --------------------------------------------------------------------------- F5: types in the input's words


@pytest.mark.parametrize("text, where, kind", [
    ("42", "<stdin>: case 0", "a number"),
    ("null", "<stdin>: case 0", "null"),
    ("~\n", "<stdin>: case 0", "null"),
    ('"x"', "<stdin>: case 0", "a string"),
    ("true", "<stdin>: case 0", "a boolean"),
    ("[null]", "<stdin> line 1: case 0", "null"),
    ('[7]', "<stdin> line 1: case 0", "a number"),
    ('["x"]', "<stdin> line 1: case 0", "a string"),
    ("[[1]]", "<stdin> line 1: case 0", "a list"),
    ("[false]", "<stdin> line 1: case 0", "a boolean"),
    ("- 42\n", "<stdin>: case 0", "a number"),
    ("- '42'\n", "<stdin>: case 0", "a string"),
    ("- null\n", "<stdin>: case 0", "null"),
])
def test_f5_a_case_that_is_no_mapping_is_named_by_its_type(text, where, kind):
    r = settle(["-"], text)
    assert r.exit_code == 2
    assert r.stderr == (f"conform: error: {where}: expected a case (a mapping of policy, person and settlements), "
                        f"got {kind}\n")


def test_f5_an_empty_input_is_still_called_empty():
    for text in ("", "  \n", "# only a comment\n", "---\n"):
        r = settle(["-"], text)
        assert r.exit_code == 2 and "empty input" in r.stderr, (text, r.stderr)


# --------------------------------------------------------------------------- F6: anchors and aliases


def test_f6_readme_says_aliases_are_refused_and_a_lone_anchor_is_accepted():
    text = re.sub(r"\s+", " ", README)
    assert "Anchors and aliases (`&a`, `*a`)" not in text
    assert "Aliases (`*a`)" in text and "an anchor `&a` that nothing refers to changes nothing and is accepted" in text
    anchored = ("policy: panzhihua\nperson: &p {psn_no: T0001, psn_type: '1101'}\nsettlements:\n"
                "  - {id: S1, date: 2023-03-01, med_type: '11', facility: tertiary, medfee_sumamt: '430'}\n")
    r = settle(["--no-trace", "-"], anchored)
    assert r.exit_code == 0 and json.loads(r.stdout)["settlements"][0]["hifp_pay"] == "115.00"
    r = settle(["-"], anchored + "other: *p\n")
    assert r.exit_code == 2 and "alias *p is not accepted" in r.stderr


# --------------------------------------------------------------------------- F7: a ytd nothing reads


def test_f7_a_ytd_of_a_year_no_settlement_is_in_is_warned_of():
    ytd = {"year": 2022, "ordinary_dedc": "200.00", "ordinary_pay": "1000.00"}
    r = settle(["--no-trace", "-"], json.dumps(case(s(), ytd=ytd)))
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["settlements"][0]["act_pay_dedc"] == "200.00"  # a fresh 2023: 2022 counts nothing
    assert r.stderr.startswith("conform: warning: <stdin> line 1: case 0 (T0001), person ytd, field year: 2022, "
                               "but no settlement of the case is in 2022"), r.stderr
    assert r.stderr.count("\n") == 1


def test_f7_a_ytd_of_the_settlements_year_is_read_without_a_warning():
    ytd = {"year": 2023, "ordinary_dedc": "200.00"}
    r = settle(["--no-trace", "-"], json.dumps(case(s(), ytd=ytd)))
    assert r.exit_code == 0 and r.stderr == ""
    assert json.loads(r.stdout)["settlements"][0]["act_pay_dedc"] == "0.00"  # the deductible was met in 2023


def test_f7_many_such_cases_are_warned_of_ten_by_name_and_counted():
    ytd = {"year": 2021, "ordinary_pay": "10.00"}
    lines = "".join(json.dumps(case(s(), psn_no=f"P{i}", ytd=ytd)) + "\n" for i in range(13))
    r = settle(["--jsonl", "-"], lines)
    assert r.exit_code == 0, r.stderr
    said = r.stderr.splitlines()
    assert len(said) == 11 and all(f"case {i} (P{i}), person ytd, field year: 2021" in said[i] for i in range(10))
    assert said[10] == "conform: warning: 3 more case(s) whose ytd year no settlement of theirs is in (13 in all)"
