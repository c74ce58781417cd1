"""The platform profile's msgid is the national format: the envelope's 定点医药机构编号 (12 characters),
yyyyMMddHHmmss and a 4-digit sequence (the http profile keeps its own CONFORM00000 stand-in)."""
from __future__ import annotations

import datetime as dt
import re

from test_platform_units import env_of, in_process, prepare

from conform.harness.adapters import Subject
from conform.reference.case import parse_person, parse_settlement

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")


def test_the_msgid_is_the_envelopes_institution_then_time_then_sequence():
    a, sent = in_process(hooks=True)
    prepare(a, Subject("panzhihua", PERSON))
    a.settle("T0001", parse_settlement({"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "primary",
                                        "medfee_sumamt": "100.00"}, "t", 0, PERSON))
    for env in sent:
        m = re.fullmatch(r"(.{12})(\d{14})(\d{4})", env["msgid"])
        assert m and m.group(1) == env["fixmedins_code"], env["msgid"]
        dt.datetime.strptime(m.group(2), "%Y%m%d%H%M%S")
    assert env_of(sent, "9001")["msgid"].startswith("H00000000003")
    assert env_of(sent, "2201")["msgid"].startswith("H00000000001")
    assert len({e["msgid"] for e in sent}) == len(sent)
