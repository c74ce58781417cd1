"""Platform profile against vendors that misbehave in one way each (s18 probe B: D1–D6).

Each vendor is tests/vendor_platform_server.py (the docs-conformant vendor) with one change, served by this
file run as a script in its own process on a loopback port:

    python tests/test_s18_platform_hostile.py MODE --port-file F

and the harness runs 攀枝花 第七条 against it over real HTTP, as tests/test_platform_vendor.py does.
"""
from __future__ import annotations

import contextlib
import copy
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import vendor_platform_server as vb  # noqa: E402

MODE = os.environ.get("S18_MODE", "none")
REFUSAL = "撤销失败：结算已对账，不能撤销"
PAD_3MB = 3_000_000        # inside the default max_response_bytes (4 MiB): must be read whole
PAD_5MB = 5_000_000        # beyond it: too_large, never cut and parsed
LIMIT = 4194304


COUNT_FILE: Path | None = None   # the server writes how many 9001s it was sent here
SIGN_LIFE = 40                   # sign_expire: a sign_no serves this many messages, then has lapsed
EXPIRED = "签到信息已失效，请重新签到"


class Hostile(vb.Vendor):
    def __init__(self) -> None:
        super().__init__()
        self.sign_ins = 0
        self.uses: dict[str, int] = {}
        self.requests = 0

    def answer(self, env: dict) -> dict:
        infno = env.get("infno")
        self.requests += 1
        if infno == "9001":
            self.sign_ins += 1
            if COUNT_FILE is not None:
                COUNT_FILE.write_text(str(self.sign_ins))
            if MODE == "refuse_9001":
                raise ValueError("签到失败：操作员未授权")
        elif MODE == "sign_expire":
            n = self.uses[env.get("sign_no")] = self.uses.get(env.get("sign_no"), 0) + 1
            if n > SIGN_LIFE:
                raise ValueError(EXPIRED)
        elif MODE == "sign_expire_always" and self.requests > 60:
            raise ValueError(EXPIRED)
        if MODE == "refuse_2208" and infno == "2208":
            raise ValueError(REFUSAL)
        if MODE == "reverse_no_undo" and infno == "2208":
            keep = copy.deepcopy(self.years)          # the 2208 answers as a reversal, the totals stay
            out = super().answer(env)
            self.years.clear()
            self.years.update(keep)
            return out
        out = super().answer(env)
        if MODE == "first_2207_unread" and infno == "2207" and not getattr(self, "unread_sent", False):
            self.unread_sent = True                              # settled, and answered without its output
            return {}
        if MODE == "wrong_total" and infno == "2207":
            out["setlinfo"]["medfee_sumamt"] = "1.00"          # the answer of another total
        if MODE == "wrong_psn" and infno in ("2206", "2207"):
            out["setlinfo"]["psn_no"] = "OTHER-0001"            # the answer about another person
        if MODE == "optional_nulls":  # s19 probe H: unset optional fields given as JSON null, as real answers do
            if infno == "9001":
                out["signinoutb"]["sign_time"] = None
            if infno in ("2206", "2207", "2208"):
                out["setlinfo"].update(act_pay_dedc=None, psn_part_amt=None, balc=None, clr_optins=None)
                for row in out.get("setldetail") or ():
                    row["setl_proc_info"] = None
                out["setldetail"] = [*(out.get("setldetail") or ()), {"fund_pay_type": "610100", "fund_payamt": "0.00",
                                                                       "setl_proc_info": None}]
            if infno == "5206":
                out["cuminfo"] = [{**r, "insutype": None} if r.get("insutype") == "310" else r for r in out["cuminfo"]]
                out["warn_msg"] = None
        if MODE == "cum_multi_insutype" and infno == "5206":
            # a real platform lists every insurance type the person has: 320 (公务员医疗补助) rows after the 310
            # ones, with the same cum_type_codes and other figures
            out["cuminfo"] = out["cuminfo"] + [{**r, "insutype": "320", "cum": "35.00"} for r in out["cuminfo"]]
        return out


class Handler(vb.Handler):
    vendor = Hostile()

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = json.loads(body, parse_float=vb.Decimal)
        base = {"inf_refmsgid": env.get("msgid", ""), "refmsg_time": "2024-01-01 00:00:00"}
        try:
            with self.vendor.lock:
                out = {"infcode": 0, "err_msg": "", **base, "output": self.vendor.answer(env)}
        except (ValueError, KeyError) as e:
            out = {"infcode": -1, "err_msg": str(e), **base}
        if env.get("infno") == "2207" and MODE in ("big_3mb", "big_5mb", "gzip_bomb"):
            out["padding"] = "x" * (PAD_3MB if MODE == "big_3mb" else PAD_5MB)
        if env.get("infno") == "2207" and MODE == "amt_huge" and "output" in out:
            out["output"]["setlinfo"]["hifp_pay"] = "9" * 40 + ".00"
        status, charset = 200, "utf-8"
        if env.get("infno") == "2207" and MODE == "http500_env":
            status, out = 500, {"infcode": -1, "err_msg": "服务器内部错误：数据库连接超时", **base}
        data = vb.encode(out)
        if env.get("infno") == "2207" and MODE == "gbk":
            charset, data = "GBK", data.decode("utf-8").encode("gbk")
        headers = []
        asked = self.headers.get("Accept-Encoding") or ""
        if MODE in ("gzip_if_asked", "gzip_bomb") and "gzip" in asked:
            data = gzip.compress(data)
            headers.append(("Content-Encoding", "gzip"))
        if MODE == "gzip_if_asked" and "gzip" not in asked:
            headers.append(("X-Not-Compressed", "1"))
        self.send_response(status)
        self.send_header("Content-Type", f"application/json; charset={charset}")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve() -> None:
    global MODE, COUNT_FILE
    import argparse

    p = argparse.ArgumentParser()
    p.add_argument("mode")
    p.add_argument("--port-file", type=Path, required=True)
    a = p.parse_args()
    MODE = a.mode
    COUNT_FILE = a.port_file.with_name("sign-ins")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = a.port_file.with_name(a.port_file.name + ".tmp")
    tmp.write_text(str(server.server_address[1]))
    os.replace(tmp, a.port_file)
    server.serve_forever()


# ---------------------------------------------------------------------------------------------------- the tests
@contextlib.contextmanager
def vendor(mode: str, adapter_extra: str = ""):
    """The vendor in MODE in its own process on a loopback port: (its process, the config file naming it)."""
    with tempfile.TemporaryDirectory(prefix="conform-s18-") as tmp:
        port_file = Path(tmp) / "port"
        proc = subprocess.Popen([sys.executable, __file__, mode, "--port-file", str(port_file)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while not port_file.exists():
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.05)
            config = Path(tmp) / "conform.toml"
            text = vb.CONFIG.format(url=f"http://127.0.0.1:{port_file.read_text()}/fsi/api")
            text = text.replace('profile = "platform"\n', f'profile = "platform"\ntimeout = 5\n{adapter_extra}', 1)
            config.write_text(text, encoding="utf-8")
            yield proc, config
        finally:
            proc.terminate()
            proc.wait(5)


def run_against(mode: str, adapter_extra: str = "", sign_ins: list | None = None) -> tuple:
    """Run 攀枝花 第七条 against the vendor in MODE; (run, exit code). `sign_ins` gets how many 9001s it was sent.
    Skipped, before any server starts, once the document is no longer in force (skip_unless_in_force)."""
    skip_unless_in_force()
    from conform.harness.run import CONFORMANCE, execute, exit_code

    with vendor(mode, adapter_extra) as (_, config):
        run, code = execute(config=str(config), articles=("panzhihua-7",), paths=(CONFORMANCE / "test_features.py",))
        if sign_ins is not None:
            counted = config.with_name("sign-ins")
            sign_ins.append(int(counted.read_text()) if counted.exists() else 0)
        return run, exit_code(run, code)


def by_status(run, status: str) -> list:
    return [c for c in run.checks if c.status == status]


def in_force() -> bool:
    import datetime as dt

    from conform.reference.policy import load_policy

    valid_to = load_policy("panzhihua").valid_to
    return valid_to is None or dt.date.today() <= valid_to


def skip_unless_in_force() -> None:
    """A pool run settles today: once 攀枝花's document has expired every scenario is not applicable, and a test
    of this file would assert nothing."""
    if not in_force():
        pytest.skip("攀枝花's document is no longer in force: a pool run settles today, so every scenario is not applicable")


# D1 ------------------------------------------------------------------------------------------------------------
def test_optional_fields_given_as_null_are_absent_not_wrong_types():
    # every figure right; the unset optional fields of 9001, 2206/2207/2208 (act_pay_dedc, psn_part_amt, balc, an extra
    # field, setldetail's setl_proc_info, a zero 医疗救助 row) and 5206 (insutype) given as null: before, 'wrong_type …
    # None is not valid under any of the given schemas' on each, exit 3 (s19 probe H)
    run, code = run_against("optional_nulls")
    assert code == 0 and not by_status(run, "error") and not by_status(run, "failed"), \
        [(c.name, c.message) for c in run.checks if c.status in ("error", "failed")][:3]
    assert by_status(run, "passed")


def test_a_system_refusing_every_reversal_is_never_conformant():
    run, code = run_against("refuse_2208")
    errors = by_status(run, "error")
    assert code == 3 and run.verdict != "合格", (code, run.verdict, run.counts())
    # the restore's refusal is the system's error, naming 2208, the pool person and the system's own words
    restore = [c for c in errors if "restoring the person" in c.message]
    assert restore, [c.message for c in errors][:5]
    for c in restore:
        assert c.message.startswith("system under test error (infcode): "), c.message
        assert "2208" in c.message and REFUSAL in c.message and any(p in c.message for p in vb.PERSONS), c.message
    # the check that saw the refusal says it first-hand
    assert [c for c in restore if c.message.startswith("system under test error (infcode): 2208 ")]
    # no scenario is excused as 'not applicable' for want of a person the system would not restore
    assert not [c for c in by_status(run, "not_applicable") if "2208" in c.message], \
        [c.message for c in by_status(run, "not_applicable") if "2208" in c.message][:3]


def test_a_reversal_that_does_not_undo_the_settlement_is_an_error_naming_the_5206_figures():
    run, code = run_against("reverse_no_undo")
    assert code == 3 and run.verdict != "合格", (code, run.verdict, run.counts())
    undone = [c for c in by_status(run, "error") if c.message.startswith("system under test error (not_restored)")]
    assert undone, [c.message for c in by_status(run, "error")][:5]
    m = undone[0].message
    assert any(p in m for p in vb.PERSONS) and "5206" in m and "not the opening" in m, m
    # the figures found (what was settled) and the opening ones (the vendor's persons open at zero)
    found, opening = m.split("5206 gives ", 1)[1].split(", not the opening ", 1)
    assert "ordinary_dedc=0.00, ordinary_pay=0.00" in opening and found != opening, m
    # and no scenario is excused as 'not applicable' because of it
    assert not [c for c in by_status(run, "not_applicable") if "not the opening" in c.message]


def test_the_conformant_vendor_stays_conformant_and_an_opening_mismatch_stays_not_applicable():
    run, code = run_against("none")
    assert code == 0 and run.verdict == "合格" and not by_status(run, "error"), run.counts()
    reasons = " ".join(c.message for c in by_status(run, "not_applicable"))
    assert "opening totals" in reasons


def settled_pool_person(config: Path):
    """A platform adapter on `config` that has settled one visit on pool person V1101A (left to restore)."""
    import datetime as dt

    from conform.harness.adapters import Subject
    from conform.harness.adapters.platform.adapter import PlatformAdapter
    from conform.harness.config import load_adapter_config
    from conform.reference.case import parse_person, parse_settlement

    cfg = load_adapter_config(str(config))
    a = PlatformAdapter(str(cfg.spec).removeprefix("platform+"), cfg)
    a.start()
    person = parse_person({"psn_no": "S18", "psn_type": "1101"}, "t")
    a.prepare_person(Subject("panzhihua", person))
    visit = parse_settlement({"id": "V1", "date": dt.date.today().isoformat(), "med_type": "11",
                              "facility": "tertiary", "medfee_sumamt": "500.00"}, "t", 0, person)
    setl_id = a.settle("S18", visit)["setl_id"]
    return a, setl_id


def test_a_restore_refused_at_the_end_of_the_run_is_kept_not_raised():
    skip_unless_in_force()
    with vendor("refuse_2208") as (_, config):
        a, setl_id = settled_pool_person(config)
        a.stop()                                                       # no exception
    assert set(a.unrestored) == {"V1101A"}, a.unrestored
    assert REFUSAL in a.unrestored["V1101A"] and setl_id in a.unrestored["V1101A"]


def test_a_system_gone_before_the_final_restore_does_not_crash_stop():
    skip_unless_in_force()
    with vendor("none") as (proc, config):
        a, setl_id = settled_pool_person(config)
        proc.terminate()
        proc.wait(5)
        a.stop()                                                       # no exception
    assert set(a.unrestored) == {"V1101A"} and setl_id in a.unrestored["V1101A"], a.unrestored


def test_the_final_restore_of_a_conformant_vendor_leaves_nothing():
    skip_unless_in_force()
    with vendor("none") as (_, config):
        a, _ = settled_pool_person(config)
        a.stop()
    assert a.unrestored == {}


# D2 ------------------------------------------------------------------------------------------------------------
def test_gzip_answers_are_decompressed():
    run, code = run_against("gzip_if_asked")
    assert code == 0 and not by_status(run, "error"), [c.message for c in by_status(run, "error")][:3]
    assert run.counts()["passed"] >= 25, run.counts()


def test_a_gzip_bomb_is_too_large_not_read():
    run, code = run_against("gzip_bomb")
    big = [c for c in by_status(run, "error") if "(too_large)" in c.message]
    assert code == 3 and big, (code, [c.message for c in by_status(run, "error")][:3])
    assert "2207" in big[0].message and str(LIMIT) in big[0].message, big[0].message


# D4 ------------------------------------------------------------------------------------------------------------
def test_5206_rows_of_other_insurance_types_are_not_read():
    run, code = run_against("cum_multi_insutype")
    assert code == 0 and run.counts()["passed"] >= 25, (code, run.counts())


def test_read_cuminfo_keeps_the_310_rows_whatever_follows_them():
    from decimal import Decimal as D

    from conform.harness.adapters.platform import messages
    from conform.harness.adapters.platform.config import parse_platform

    pc = parse_platform({"cum_type_code": {"Q0000": "ordinary_dedc", "Q0001": "ordinary_pay"}})
    row = {"year": "2026", "cum_ym": "202603"}
    rows = [{**row, "insutype": "310", "cum_type_code": "Q0000", "cum": D("200")},
            {**row, "insutype": "310", "cum_type_code": "Q0001", "cum": D("400")},
            {**row, "insutype": "320", "cum_type_code": "Q0000", "cum": D("0")},
            {**row, "insutype": D("390"), "cum_type_code": "Q0001", "cum": D("35")},
            {**row, "insutype": "320", "cum_ym": "202604", "cum_type_code": "Q0001", "cum": D("35")}]
    got = messages.read_cuminfo({"cuminfo": rows}, 2026, pc)
    assert (got["ordinary_dedc"], got["ordinary_pay"]) == ("200.00", "400.00")
    pc.cum_rows = "monthly"                                              # summed: still only the 310 rows
    got = messages.read_cuminfo({"cuminfo": rows}, 2026, pc)
    assert (got["ordinary_dedc"], got["ordinary_pay"]) == ("200.00", "400.00")
    # a row without insutype (optional in docs/openapi.yaml) is read, as before
    pc.cum_rows = "total"
    rows.append({"year": "2026", "cum_ym": "202605", "cum_type_code": "Q0000", "cum": D("250")})
    assert messages.read_cuminfo({"cuminfo": rows}, 2026, pc)["ordinary_dedc"] == "250.00"


# D5 ------------------------------------------------------------------------------------------------------------
def test_an_answer_within_max_response_bytes_is_read_whole():
    run, code = run_against("big_3mb")
    assert code == 0 and not by_status(run, "error"), [c.message for c in by_status(run, "error")][:3]
    assert run.counts()["passed"] >= 25, run.counts()


def test_an_answer_over_max_response_bytes_is_too_large_naming_the_limit():
    run, code = run_against("big_5mb")
    errors = by_status(run, "error")
    assert code == 3 and errors, (code, run.counts())
    big = [c for c in errors if c.message.startswith("system under test error (too_large): 2207")]
    assert big and str(LIMIT) in big[0].message, [c.message for c in errors][:3]
    assert not [c for c in errors if "not JSON" in c.message]



def test_the_limit_is_the_configured_max_response_bytes():
    run, code = run_against("big_3mb", "max_response_bytes = 2500000\n")
    big = [c for c in by_status(run, "error") if c.message.startswith("system under test error (too_large): 2207")]
    assert code == 3 and big and "2500000" in big[0].message, (code, [c.message for c in by_status(run, "error")][:3])



# D6 ------------------------------------------------------------------------------------------------------------
def test_a_lapsed_sign_in_is_renewed():
    sign_ins: list = []
    run, code = run_against("sign_expire", sign_ins=sign_ins)
    assert code == 0 and not by_status(run, "error"), (code, [c.message for c in by_status(run, "error")][:3])
    assert run.counts()["passed"] >= 25 and sign_ins[0] >= 2, (run.counts(), sign_ins)


def test_a_refused_sign_in_is_sent_once_and_every_check_cites_it():
    sign_ins: list = []
    run, code = run_against("refuse_9001", sign_ins=sign_ins)
    errors = by_status(run, "error")
    assert sign_ins == [1], sign_ins
    assert code == 3 and errors and not by_status(run, "passed"), (code, run.counts())
    assert all("签到失败：操作员未授权" in c.message and c.message.startswith("system under test error (infcode): ")
               for c in errors), [c.message for c in errors][:3]


def test_a_sign_in_that_never_holds_is_not_renewed_for_ever():
    sign_ins: list = []
    run, code = run_against("sign_expire_always", sign_ins=sign_ins)
    assert sign_ins == [2], sign_ins                  # the first, and one renewal that did not help
    errors = by_status(run, "error")
    assert code == 3 and errors and all(EXPIRED in c.message for c in errors), [c.message for c in errors][:3]


if __name__ == "__main__":
    serve()


# D3 ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, field, got", [("wrong_total", "medfee_sumamt", "1.00"),
                                              ("wrong_psn", "psn_no", "OTHER-0001")])
def test_an_answer_about_another_total_or_person_fails_its_check(mode, field, got):
    """A 2207 (or 2206) answer whose setlinfo gives another medfee_sumamt than the visit sent, or another psn_no,
    answers another question: its check fails on that field, the figure sent against the one answered. Before,
    only the figures a scenario states were compared, and the run was 合格, exit 0."""
    run, code = run_against(mode)
    failed = by_status(run, "failed")
    assert code == 1 and run.verdict != "合格" and failed, (code, run.verdict, run.counts())
    echoed = [m for c in failed for m in c.mismatches if m.field == field]
    assert echoed and all(m.actual == got for m in echoed), [(m.field, m.actual) for c in failed for m in c.mismatches][:5]
    if field == "psn_no":
        assert all(m.expected in vb.PERSONS for m in echoed), [m.expected for m in echoed][:3]


# D7 ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, said", [
    # the system's own words on an error status, not only "HTTP 500 Internal Server Error"
    ("http500_env", "2207: HTTP 500 Internal Server Error; its err_msg: 服务器内部错误：数据库连接超时"),
    # the charset the answer declares, beside "not UTF-8"
    ("gbk", "the answer is not UTF-8"),
    # forty digits and two decimals: too large, not "with at most two decimals"
    ("amt_huge", "output.setlinfo.hifp_pay: a number of 40 digits before the point, too large for an amount"),
])
def test_an_erring_answer_is_said_with_what_makes_it_wrong(mode, said):
    run, code = run_against(mode)
    errors = [c.message for c in by_status(run, "error")]
    assert code == 3 and errors, (code, run.counts())
    assert any(said in m for m in errors), errors[:3]
    if mode == "gbk":
        assert any("(it declares charset=gbk; the answer must be utf-8)" in m.lower() for m in errors), errors[:3]


def test_a_settlement_whose_answer_could_not_be_read_makes_its_person_an_error_not_not_applicable():
    """The first 2207 is settled by the vendor but answered without its output: the harness has no setl_id to
    reverse it by. The next scenario wanting that pool person found 5206 off and was 'not applicable' (opening
    totals differ); the system's unreadable answer is the cause, so it is an error citing it."""
    run, code = run_against("first_2207_unread")
    errors = [c.message for c in by_status(run, "error")]
    assert code == 3, (code, run.counts())
    cannot = [m for m in errors if "cannot be restored" in m and "could not be read" in m]
    assert cannot, errors[:5]
    # the settled visit (第七条's first: 三级 1000.00, deductible 200.00, (1000 − 200) × 50% = 400.00) excuses nothing
    assert not [c.message for c in by_status(run, "not_applicable")
                if "5206 gives opening totals ordinary_dedc=200.00, ordinary_pay=400.00" in c.message]
