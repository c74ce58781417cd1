"""Twins of the sample system for tests/test_s29_fixRN_*.py (probe s29 C F7, F1): registered in its DEFECTS only in
their own server process, served by SampleServer(script=this file, script_args=(NAME,))."""
import os
import sys
import threading
import time
from decimal import Decimal

from conform.fixtures.sample_system import defects as D
from conform.fixtures.sample_system import service as SV

PAUSE_S = 2.5          # one answer this late: past the tests' [adapter] timeout of 1 s
# the pause falls on the N-th T001 after the first wrong answer (S29_PAUSE_AFTER, default 2): while the failure is shrunk
PAUSE_AFTER = int(os.environ.get("S29_PAUSE_AFTER", "2"))

_handle = SV.SampleSystem.handle
_query = SV.SampleSystem.query_ytd
_create = SV.SampleSystem.create_person


_settle = SV.SampleSystem._settle


def _pause_after_wrong() -> tuple[dict, object]:
    """The state of a twin that answers wrong and then pauses once: `state["wrong"]` set by its first wrong answer;
    the returned T001 handler pauses PAUSE_S on the PAUSE_AFTER-th T001 after it."""
    state = {"wrong": False, "t001": 0, "paused": False}
    lock = threading.Lock()

    def create_person(self, data):
        with lock:
            pause = False
            if state["wrong"] and not state["paused"]:
                state["t001"] += 1
                pause = state["paused"] = state["t001"] == PAUSE_AFTER
        if pause:  # one pause (a GC, a lock wait), after the harness has a failure to shrink
            sys.stderr.write("PAUSE\n")
            time.sleep(PAUSE_S)
        return _create(self, data)
    return state, create_person


@D.defect("s29_cash_fen_then_pause", "2207 现金支付多报0.01元（勾稽关系不成立）；第一次答错后的第2个 T001 因一次停顿超时答复",
          "个人账户支付 + 现金支付 = 个人负担；在超时内答复")
def _cash_fen_then_pause() -> None:
    state, create_person = _pause_after_wrong()

    def settle(self, data, commit):
        out = _settle(self, data, commit)
        info = out["setlinfo"]
        if commit:
            info["psn_cash_pay"] = str(Decimal(info["psn_cash_pay"]) + Decimal("0.01"))  # BUG: a fen over
            state["wrong"] = True
        return out

    SV.SampleSystem._settle = settle
    SV.SampleSystem.create_person = create_person


@D.defect("s29_ytd_fen_then_pause", "年度累计统筹支付多报0.01元；第一次答错后的第2个 T001 因一次停顿超时答复",
          "年度累计等于各笔结算之和；在超时内答复")
def _ytd_fen_then_pause() -> None:
    state, create_person = _pause_after_wrong()

    def query_ytd(self, data):
        out = _query(self, data)
        cum = out["cuminfo"]
        if Decimal(cum["ordinary_pay"]) > 0:
            cum["ordinary_pay"] = str(Decimal(cum["ordinary_pay"]) + Decimal("0.01"))  # BUG: a fen over
            state["wrong"] = True
        return out

    SV.SampleSystem.query_ytd = query_ytd
    SV.SampleSystem.create_person = create_person


@D.defect("s29_2207_cites_previous", "2207 的应答引用上一个请求的 msgid（inf_refmsgid，应答错位）",
          "应答的 inf_refmsgid 为本次请求的 msgid")
def _cites_previous() -> None:
    last = {"msgid": "0"}
    lock = threading.Lock()

    def handle(self, envelope):
        ans = _handle(self, envelope)
        with lock:
            previous, last["msgid"] = last["msgid"], str(envelope.get("msgid", "")) if isinstance(envelope, dict) else ""
        if isinstance(envelope, dict) and envelope.get("infno") == "2207" and isinstance(ans, dict):
            ans["inf_refmsgid"] = previous  # BUG: the answer cites the request before this one
        return ans

    SV.SampleSystem.handle = handle


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
