"""conform synth-ledger: deterministic, realistic, recorded figures from the reference engine, planted set exact."""
from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from conform.audit.synth import KINDS, RECORDED, settle_events, synth_ledger
from conform.harness.cli import main
from conform.reference.case import Person, Reversal, Settlement, parse_case
from conform.reference.engine import compute_case, rules_for


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "pzh.parquet"
    synth_ledger(6000, "panzhihua", out, defect_rate=0.15, seed=7, workers=2)
    return out


def _rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def _cases(rows: list[dict], persons: dict) -> dict[str, dict]:
    """The ledger's rows back as `conform settle` cases, one per person (in setl_time order)."""
    by_person: dict[str, list[dict]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r["psn_no"], r["setl_time"])):
        by_person[r["psn_no"]].append(r)
    cases = {}
    for psn, rs in by_person.items():
        items = []
        for r in rs:
            if r["init_setl_id"]:
                items.append({"id": r["setl_id"], "date": str(r["setl_date"]), "reverses": r["init_setl_id"]})
            else:
                items.append({"id": r["setl_id"], "date": str(r["setl_date"]), "med_type": r["med_type"],
                              "facility": r["facility"], **{k: str(r[k]) for k in
                              ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt")},
                              **({"dise_codg": r["dise_codg"]} if r["dise_codg"] else {})})
        person = persons.get(psn, {"psn_no": psn, "psn_type": rs[0]["psn_type"]})
        cases[psn] = {"policy": "panzhihua", "region": "panzhihua-example", "person": person, "settlements": items}
    return cases


def test_same_seed_same_ledger_whatever_the_worker_count(tmp_path, ledger):
    again = tmp_path / "again.parquet"
    synth_ledger(6000, "panzhihua", again, defect_rate=0.15, seed=7, workers=1)
    assert pq.read_table(again).equals(pq.read_table(ledger))
    planted = lambda p: pq.read_table(p.with_name(p.name.replace(".parquet", ".planted.parquet")))  # noqa: E731
    assert planted(again).equals(planted(ledger))
    other = tmp_path / "other.parquet"
    synth_ledger(6000, "panzhihua", other, defect_rate=0.15, seed=8, workers=1)
    assert not pq.read_table(other).equals(pq.read_table(ledger))


def test_realism_bounds(ledger):
    con = duckdb.connect()
    src = f"read_parquet('{ledger}')"
    assert con.execute(f"SELECT count(*), count(DISTINCT setl_id) FROM {src}").fetchone() == (6000, 6000)
    lo, hi = con.execute(f"SELECT min(n), max(n) FROM (SELECT count(*) n FROM {src} GROUP BY psn_no)").fetchone()
    assert 1 <= lo and hi <= 30
    facilities = {r[0] for r in con.execute(f"SELECT DISTINCT facility FROM {src}").fetchall()}
    assert facilities == {"tertiary", "secondary", "primary", "unrated", "pharmacy"}
    assert {r[0] for r in con.execute(f"SELECT DISTINCT psn_type FROM {src}").fetchall()} == {"1101", "1201", "1103", "1203"}
    # only pharmacies settle med_type 41; they settle 41 or chronic-disease drugs (14)
    assert con.execute(f"""SELECT count(*) FROM {src} WHERE (med_type = '41' AND facility <> 'pharmacy')
                           OR (facility = 'pharmacy' AND med_type NOT IN ('41', '14'))""").fetchone()[0] == 0
    # chronic-disease visits carry their registered disease; some persons retire inside the window
    assert con.execute(f"SELECT count(*) FROM {src} WHERE (med_type = '14') <> (dise_codg IS NOT NULL)").fetchone()[0] == 0
    assert con.execute(f"SELECT count(*) FROM {src} WHERE med_type = '14'").fetchone()[0] > 50
    retiring = con.execute(f"""SELECT count(*) FROM (SELECT psn_no FROM {src} GROUP BY psn_no
                               HAVING min(psn_type) = '1101' AND max(psn_type) = '1201')""").fetchone()[0]
    assert retiring > 0
    crossing = con.execute(f"""SELECT count(*) FROM (SELECT psn_no FROM {src} GROUP BY psn_no
                               HAVING count(DISTINCT year(setl_date)) = 2)""").fetchone()[0]
    assert crossing > 100  # year ends are crossed by many persons
    # reversals: their own id, the original's person, later in time, negated amounts
    bad = con.execute(f"""SELECT count(*) FROM {src} r JOIN {src} s ON s.setl_id = r.init_setl_id
                          WHERE r.psn_no <> s.psn_no OR r.setl_time <= s.setl_time
                             OR r.medfee_sumamt <> -s.medfee_sumamt OR r.hifp_pay <> -s.hifp_pay""").fetchone()[0]
    n_rev = con.execute(f"SELECT count(*) FROM {src} WHERE init_setl_id IS NOT NULL").fetchone()[0]
    assert bad == 0 and 20 < n_rev < 300
    # amounts: parts within the total, scope amount = total − parts, medians in a realistic outpatient range
    assert con.execute(f"""SELECT count(*) FROM {src} WHERE init_setl_id IS NULL AND (medfee_sumamt < 1
        OR fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt > medfee_sumamt)""").fetchone()[0] == 0
    med = con.execute(f"SELECT median(medfee_sumamt) FROM {src} WHERE init_setl_id IS NULL").fetchone()[0]
    assert Decimal("50") < med < Decimal("500")
    assert con.execute(f"SELECT count(*) FROM {src} WHERE hifp_pay > 0").fetchone()[0] > 1000


def test_clean_persons_are_settled_exactly_as_conform_settle_does(ledger):
    rows = _rows(ledger)
    planted = _rows(ledger.with_name("pzh.planted.parquet"))
    persons = {}
    pf = ledger.with_name("pzh.persons.jsonl")
    for line in pf.read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        persons[p["psn_no"]] = p
    flexible = [p for p in persons.values() if p["psn_type"] in ("1103", "1203")]
    assert flexible and all(p["flex_tier"] in (1, 2) for p in flexible)  # 攀枝花 第七条: only tier 1 has an account
    with_balance = [p for p in persons.values() if "acct_balance" in p]
    assert len(with_balance) > 100 and all(p.get("flex_tier") != 2 for p in with_balance)
    defective = {p["setl_id"][:16] for p in planted}
    recorded = {r["setl_id"]: r for r in rows}
    checked = 0
    for psn, case in list(_cases(rows, persons).items())[:400]:
        out = compute_case(parse_case(case), with_trace=False)
        # As the audit sees them: where the account paid less than 个人负担 (no balance, or the opening one
        # short: the month's credits decide), the account payment is taken as recorded but not below what
        # the balance certainly paid, and the cash follows (A-AUDIT-ACCT-UNKNOWN, A-AUDIT-ACCT-CREDITS); a
        # reversal gives back exactly what its settlement is taken to have paid.
        taken, seen = {}, []  # settlement id -> the account payment the audit takes it to have made
        for s in out["settlements"]:
            part, acct = Decimal(s["psn_part_amt"]), Decimal(s["acct_pay"])
            if "reverses" not in s and part > 0 and acct < part:
                taken[s["id"]] = max(recorded[s["id"]]["acct_pay"], acct)
            if s.get("reverses", s["id"]) in taken:
                paid = -taken[s["reverses"]] if "reverses" in s else taken[s["id"]]
                s = {**s, "acct_pay": paid, "psn_cash_pay": part - paid}
            seen.append(s)
        diffs = {(s["id"], f) for s in seen for f in RECORDED if Decimal(s[f]) != recorded[s["id"]][f]}
        if psn in defective:
            assert diffs == {(p["setl_id"], p["field"]) for p in planted if p["setl_id"].startswith(psn)}
        else:
            assert diffs == set(), psn
        checked += 1
    assert checked == 400
    assert sum(1 for r in rows if r["acct_pay"] > 0) > 100  # the account pays for persons with a balance


def test_planted_pairs_carry_the_recorded_and_the_clean_figure(ledger):
    rows = {r["setl_id"]: r for r in _rows(ledger)}
    planted = _rows(ledger.with_name("pzh.planted.parquet"))
    kinds = {p["kind"] for p in planted}
    assert kinds <= set(KINDS) and len(kinds) >= 5
    for p in planted:
        assert rows[p["setl_id"]][p["field"]] == p["recorded"] != p["expected"]


def test_dedc_per_visit_is_a_rule_not_noise():
    """攀枝花 第七条: in-service deductible 200 a natural year. Two tertiary visits of 500.00 (no
    excluded parts): correctly the second counts 0 deductible and pays 500 × 50% = 250.00; a system
    that counts the deductible per visit counts 200 again and pays (500 − 200) × 50% = 150.00."""
    rules = rules_for("panzhihua", "panzhihua-example")
    person = Person("P1", "1101")
    import datetime as dt
    ev = [Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("500.00")),
          Settlement("V2", dt.date(2023, 4, 1), "11", "tertiary", Decimal("500.00"))]
    good = settle_events(rules, person, ev)
    bad = settle_events(rules, person, ev, "dedc_per_visit")
    assert (good[1].act_pay_dedc, good[1].hifp_pay) == (Decimal("0.00"), Decimal("250.00"))
    assert (bad[1].act_pay_dedc, bad[1].hifp_pay) == (Decimal("200.00"), Decimal("150.00"))
    assert (bad[0].hifp_pay, good[0].hifp_pay) == (Decimal("150.00"), Decimal("150.00"))
    # a reversal the defective system does not restore: the next visit counts no deductible
    ev2 = [ev[0], Reversal("R1", dt.date(2023, 3, 2), "V1"), ev[1]]
    assert settle_events(rules, person, ev2)[2].act_pay_dedc == Decimal("200.00")
    assert settle_events(rules, person, ev2, "reversal_not_restored")[2].act_pay_dedc == Decimal("0.00")


def test_cli_writes_the_ledger_and_refuses_a_bad_region(tmp_path):
    out = tmp_path / "l.parquet"
    r = CliRunner().invoke(main, ["synth-ledger", "--rows", "300", "--policy", "jilin", "--seed", "3",
                                  "--defect-rate", "0.5", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert pq.read_table(out).num_rows == 300
    assert (tmp_path / "l.planted.parquet").exists()
    lines = [json.loads(x) for x in (tmp_path / "l.persons.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines and all(set(p) <= {"psn_no", "psn_type", "acct_balance", "chronic_diseases", "retire_date"}
                         for p in lines)  # 吉林 needs no flex_tier
    r = CliRunner().invoke(main, ["synth-ledger", "--rows", "10", "--policy", "jilin", "--region", "no-such",
                                  "--out", str(tmp_path / "x.parquet")])
    assert r.exit_code == 2 and "no-such" in r.output and not (tmp_path / "x.parquet").exists()


@pytest.mark.parametrize("args, said", [
    (["--rows", "10", "--out", "ledger.csv"], "synth-ledger writes Parquet: --out ledger.csv must end in .parquet"),
    (["--rows", "100000001", "--out", "ledger.parquet"], "Invalid value for '--rows'"),
    (["--rows", "0", "--out", "ledger.parquet"], "Invalid value for '--rows'"),
    # click's FloatRange lets NaN through (no comparison with it is true): it planted nothing, silently
    (["--rows", "10", "--defect-rate", "nan", "--out", "ledger.parquet"], "not nan"),
    (["--rows", "10", "--workers", "257", "--out", "ledger.parquet"], "Invalid value for '--workers'"),
])
def test_synth_ledger_refuses_what_it_cannot_write(tmp_path, monkeypatch, args, said):
    from click.testing import CliRunner

    from conform.harness.cli import main

    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["synth-ledger", "--policy", "zhejiang", *args])
    assert r.exit_code == 2 and said in r.output, r.output
    assert not list(tmp_path.iterdir())  # nothing written


def test_an_out_path_under_a_file_is_refused_naming_the_file(tmp_path):
    from click.testing import CliRunner

    from conform.harness.cli import main

    (tmp_path / "afile").write_text("x", encoding="utf-8")
    r = CliRunner().invoke(main, ["synth-ledger", "--policy", "zhejiang", "--rows", "10",
                                  "--out", str(tmp_path / "afile" / "s.parquet")])
    assert r.exit_code == 2 and f"{tmp_path / 'afile'} is a file, not a folder" in r.output, r.output


def test_no_more_worker_processes_than_chunks(tmp_path, monkeypatch):
    """--workers 30 for two chunks of persons started 30 processes, 28 of them idle."""
    import multiprocessing as mp

    from conform.audit import synth

    started = []
    real = mp.get_context

    class Context:
        def __init__(self, method):
            self.ctx = real(method)

        def Pool(self, n, **kw):  # noqa: N802 - multiprocessing's name
            started.append(n)
            return self.ctx.Pool(n, **kw)

    monkeypatch.setattr(synth.mp, "get_context", Context)
    rows = synth.CHUNK_PERSONS * 9  # about 8 rows a person-year: two chunks of persons
    synth.synth_ledger(rows, "zhejiang", tmp_path / "x.parquet", seed=1, workers=30)
    chunks = len(range(0, len(synth.visit_counts(rows, 1)), synth.CHUNK_PERSONS))
    assert 1 < chunks < 30 and started == [chunks]


@pytest.mark.parametrize("sig, code, said", [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")])
def test_a_stopped_synth_ledger_leaves_nothing_behind(tmp_path, sig, code, said):
    """Killed part-way (a CI timeout, Ctrl-C): exit 143/130, no half-written ledger or hidden temp files,
    and no worker process left running."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "big.parquet"
    proc = subprocess.Popen([sys.executable, "-m", "conform.harness.cli", "synth-ledger", "--rows", "5000000", "--policy",
                             "zhejiang", "--workers", "2", "--out", str(out)],
                            cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".big.parquet.*.tmp")):  # writing has started
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.01)
    time.sleep(0.5)
    proc.send_signal(getattr(signal, sig))
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, (stdout, stderr)
    assert f"synth-ledger {said}; nothing written" in stderr and "Traceback" not in stderr
    assert not list(tmp_path.iterdir())
    # The whole session ends, the workers too: on a loaded machine they may take a moment to exit
    # (half a second was not always enough), so wait for it — a worker left running fails after 30 s.
    deadline = time.monotonic() + 30
    with pytest.raises(ProcessLookupError):
        while time.monotonic() < deadline:
            os.killpg(proc.pid, 0)
            time.sleep(0.1)


def test_each_institution_has_one_level(tmp_path):
    """A hospital has one level (an institutions table refuses a code at two): the roll-ups by institution
    must not split one synthetic institution into several."""
    import duckdb

    from conform.audit.synth import synth_ledger

    path = tmp_path / "l.parquet"
    synth_ledger(3000, "panzhihua", path, seed=5, workers=1)
    levels = duckdb.sql(f"SELECT fixmedins_code, count(DISTINCT facility) FROM read_parquet('{path}') "
                        "WHERE init_setl_id IS NULL GROUP BY 1").fetchall()
    assert len(levels) > 50 and all(n == 1 for _, n in levels), [r for r in levels if r[1] > 1][:5]


def test_the_planted_set_counts_an_account_paying_more_than_the_persons_share(tmp_path):
    """synth's as_audited is the audit's rule (A-AUDIT-ACCT-CREDITS): past the opening balance the account
    is taken as recorded, but never above 个人负担. 攀枝花 第七条, in service, 三级, 500.00: fund
    (500 − 200) × 50% = 150.00, 个人负担 350.00; opening balance 300.00 pays 300.00 (short). A system
    recording 400.00 from the account (cash −50.00) is held to 350.00 — a planted acct_pay pair; without a
    known balance too (A-AUDIT-ACCT-UNKNOWN: as recorded, but no account pays more than 个人负担), while
    300.00 recorded is taken as it stands there and held up to the 300.00 the balance paid with one."""
    import dataclasses
    import datetime as dt

    from conform.audit.synth import as_audited
    from conform.reference.case import Person, Settlement
    from conform.reference.policy import bind_cached

    rules = bind_cached("panzhihua", "panzhihua-example", None)
    person = Person(psn_no="A", psn_type="1101", acct_balance=Decimal("300.00"))
    clean = settle_events(rules, person, [Settlement("S1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("500.00"))])
    assert (clean[0].psn_part_amt, clean[0].acct_pay) == (Decimal("350.00"), Decimal("300.00"))
    recorded = [dataclasses.replace(clean[0], acct_pay=Decimal("400.00"), psn_cash_pay=Decimal("-50.00"))]
    held = as_audited(clean, recorded, balance_known=True)[0]
    assert (held.acct_pay, held.psn_cash_pay) == (Decimal("350.00"), Decimal("0.00"))
    held = as_audited(clean, recorded, balance_known=False)[0]
    assert (held.acct_pay, held.psn_cash_pay) == (Decimal("350.00"), Decimal("0.00"))
    less = [dataclasses.replace(clean[0], acct_pay=Decimal("120.00"), psn_cash_pay=Decimal("230.00"))]
    taken = as_audited(clean, less, balance_known=False)[0]
    assert (taken.acct_pay, taken.psn_cash_pay) == (Decimal("120.00"), Decimal("230.00"))
    floor = as_audited(clean, less, balance_known=True)[0]
    assert (floor.acct_pay, floor.psn_cash_pay) == (Decimal("300.00"), Decimal("50.00"))
