"""Over a real socket the platform profile signs in once per run and keeps one connection for every
exchange: a visit is five exchanges where the http profile sends one, so a connection (or a 9001) per
message would multiply what a run costs the system under test (rplat, s9)."""
from __future__ import annotations

import collections
import threading
import tomllib

from conform.fixtures.sample_system import platform as P
from conform.fixtures.sample_system.platform_server import PlatformHandler
from conform.fixtures.sample_system.server import SampleServer
from conform.harness.adapters import Subject
from conform.harness.adapters.platform import make_platform_adapter
from conform.harness.config import parse_adapter_config
from conform.reference.case import parse_person, parse_settlement


class _Counting(PlatformHandler):
    connections = 0
    infnos: collections.Counter = collections.Counter()

    def setup(self) -> None:
        type(self).connections += 1
        super().setup()

    def _decode(self, text: str) -> object:
        envelope = super()._decode(text)
        if isinstance(envelope, dict):
            type(self).infnos[str(envelope.get("infno"))] += 1
        return envelope


def test_one_sign_in_and_one_connection_for_a_whole_run_of_exchanges():
    _Counting.connections, _Counting.infnos = 0, collections.Counter()
    srv = SampleServer("127.0.0.1", 0, P.PlatformSystem(hooks=True))
    srv.RequestHandlerClass = _Counting
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/"
    cfg = parse_adapter_config(tomllib.loads(P.sample_config(url)), "sample.toml", {})
    adapter = make_platform_adapter(url, cfg, ValueError)
    person = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")
    try:
        adapter.start()
        for psn in ("T0001", "T0002"):
            adapter.prepare_person(Subject("panzhihua", parse_person({"psn_no": psn, "psn_type": "1101"}, "t")))
            for i, date in enumerate(("2023-03-01", "2023-04-01")):
                adapter.settle(psn, parse_settlement({"id": f"V{i}", "date": date, "med_type": "11",
                                                      "facility": "tertiary", "medfee_sumamt": "300.00"},
                                                     "t", 0, person))
            adapter.query_ytd(psn, 2023)
            adapter.reverse(psn, "V1")
    finally:
        adapter.stop()
        srv.shutdown()
        srv.server_close()
    # per person: T001; 2 visits × (2201 2203 2204 2206 2207); 5206 and 1101; 2208 — 14; two persons 28, + 9001
    assert _Counting.infnos == {"9001": 1, "T001": 2, "2201": 4, "2203": 4, "2204": 4, "2206": 4, "2207": 4,
                                "5206": 2, "1101": 2, "2208": 2}
    assert _Counting.connections == 1
