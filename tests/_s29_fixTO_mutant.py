"""Twins of the sample system for tests/test_s29_fixTO_*.py (probe s29 C F2, F4, F5): registered in its DEFECTS only
in its own server process, served by SampleServer(script=this file, script_args=(NAME,))."""
import json
import sys
import threading

from conform.fixtures.sample_system import defects as D
from conform.fixtures.sample_system import server as SRV
from conform.fixtures.sample_system import service as SV

_handle = SV.SampleSystem.handle
_settle = SV.SampleSystem._settle
_create = SV.SampleSystem.create_person


def _data(env: object) -> dict | None:
    inp = env.get("input") if isinstance(env, dict) else None
    d = inp.get("data") if isinstance(inp, dict) else None
    return d if isinstance(d, dict) else None


def _replaying(foreign: bool) -> None:
    """A settled visit's 2207 sent again is answered by the stored answer to the first, nothing settled again (the
    usual idempotent store); `foreign`: that stored answer cites a msgid neither request had."""
    stored: dict[tuple, dict] = {}

    def handle(self, env):
        d = _data(env)
        if isinstance(env, dict) and env.get("infno") == "T001":
            psn = ((d or {}).get("person") or {}).get("psn_no")
            for k in [k for k in stored if k[0] == psn]:
                del stored[k]
        if isinstance(env, dict) and env.get("infno") == "2207" and d is not None:
            k = (d.get("psn_no"), d.get("mdtrt_id"))
            if k in stored:
                return {**stored[k], "inf_refmsgid": "CONFORM00000202001010000009999"} if foreign else stored[k]
            ans = _handle(self, env)
            if ans.get("infcode") == 0:
                stored[k] = ans
            return ans
        return _handle(self, env)
    SV.SampleSystem.handle = handle


@D.defect("s29_replay_first_answer", "同一就诊再次提交的2207原样返回首次应答报文（含首次请求的 inf_refmsgid），不再记账",
          "A-SETTLE-ONCE（答复原结算）")
def _replay_first_answer() -> None:
    _replaying(False)


@D.defect("s29_replay_foreign_msgid", "同一就诊再次提交的2207答复原结算，但 inf_refmsgid 为两次请求之外的报文ID",
          "inf_refmsgid 为本次请求（或首次提交）的 msgid")
def _replay_foreign_msgid() -> None:
    _replaying(True)


@D.defect("s29_state_per_connection", "参保人及年度累计保存在会话（TCP 连接）里：新连接看不到旧连接建立的参保人和累计",
          "年度累计按参保人保存")
def _state_per_connection() -> None:
    def _answer(self, envelope):
        own = getattr(self, "_own_system", None)   # one Handler per connection: a session cache
        if own is None:
            own = self._own_system = SV.SampleSystem()
        self._send(200, json.dumps(own.handle(envelope), ensure_ascii=False).encode("utf-8"))
    SRV.Handler._answer = _answer


@D.defect("s29_late_commit", "第一笔2207等待行锁，调用方超时放弃后，在同一人员编号再次建档（T001）之后才记账",
          "超时的结算不得记入下一次建档")
def _late_commit() -> None:
    """The first 2207 waits for the next T001 of its psn_no (at most 6 s), then settles into the person that T001 has
    just reset, before that T001 is answered: the next check on that psn_no finds its visit settled."""
    fired: list[str] = []
    reset, committed = threading.Event(), threading.Event()

    def settle(self, data, commit):
        if not commit or fired:
            return _settle(self, data, commit)
        fired.append(str(data.get("psn_no")))
        reset.wait(6)
        try:
            return _settle(self, data, commit)
        finally:
            committed.set()

    def create(self, data):
        out = _create(self, data)
        if fired and not reset.is_set() and (data.get("person") or {}).get("psn_no") == fired[0]:
            reset.set()
            committed.wait(3)
        return out
    SV.SampleSystem._settle = settle
    SV.SampleSystem.create_person = create


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
