"""A visit the system under test cannot be sent removes that visit from the draws, not the property (rvendor s11 D1).

A platform test environment without `remote_mdtrtarea_admvs` (§8.1: optional) cannot be sent a remote (异地) visit.
Before, the first remote visit a property drew made the whole property not applicable: 12 of 浙江's 14 properties,
and a defective system read 合格 with exit 0. Now the properties draw local visits only there
(Adapter.unsendable → generators.leave_out), and an example the system cannot be sent for another reason is
skipped, the search going on (runner.Skips). Real HTTP servers (the sample system, platform mode), as the platform
profile's own tests.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_server import SampleServer

from conform.fixtures.sample_system.platform import sample_config
from conform.harness import generators
from conform.harness.adapters.platform.pool import Inapplicable
from conform.harness.run import CONFORMANCE, execute

PROPERTIES = (CONFORMANCE / "test_properties.py",)


@pytest.fixture(autouse=True)
def _default_draws():
    generators.choose_regions(())
    generators.clear_caches()
    yield
    generators.choose_regions(())
    generators.clear_caches()


def _config(url: str, tmp: Path) -> str:
    """The sample system's platform config (§8.6) without remote_mdtrtarea_admvs: its remote visits cannot be sent."""
    text = sample_config(url)
    assert "remote_mdtrtarea_admvs" in text
    text = re.sub(r"(?m)^remote_mdtrtarea_admvs = .*\n", "", text)
    path = tmp / "no-remote.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


class _PlatformServer(SampleServer):
    """The sample system in platform mode, its test hooks on."""

    def __init__(self, defect: str | None = None):
        super().__init__(defect=defect)
        self.args += ["--profile", "platform", "--platform-hooks", "all"]


def test_leave_out_draws_no_remote_visit_and_no_exclusion_and_keeps_the_rest_of_the_visit():
    # 攀枝花 with its unfiled-remote ratio supplied: a remote visit is determined, and 第八条 names exclusions
    setting = next(x for x in generators.settings_for("panzhihua") if "ordinary.ratio.remote_unfiled" in x.param_dict)
    person = generators.decode_person(setting, 2024, "1101", 0, None)
    # the decoder's digits: a remote visit needs the remote digit 5 (one in six) and, in 攀枝花, an allowed remote;
    # seeds from a fixed generator, the same on every run
    import random

    rnd = random.Random(11)
    seeds = [rnd.getrandbits(96) for _ in range(600)]
    drawn = [generators.decode_settlement(setting, person, s)[0] for s in seeds]
    remote = sum(v["remote"] for v in drawn)
    excluded = sum(v["exclusion"] is not None for v in drawn)
    assert remote > 20 and excluded > 10  # the default draws have both (about 1 in 6, 1 in 10)
    with generators.leave_out({"remote", "exclusion"}) as kinds:
        assert kinds == generators.left_out() == {"remote", "exclusion"}
        local = [generators.decode_settlement(setting, person, s)[0] for s in seeds]
    assert generators.left_out() == frozenset()
    assert not any(v["remote"] for v in local) and all(v["exclusion"] is None for v in local)
    # everything else about each visit is what it was: the same amounts, facility, med_type
    keep = ("med_type", "facility", "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt")
    assert [[v[k] for k in keep] for v in local] == [[v[k] for k in keep] for v in drawn]


def test_an_example_the_system_cannot_be_sent_is_skipped_and_the_search_goes_on():
    from conform.harness.properties.runner import SKIP_LIMIT, Skips, _Tried

    count = _Tried(None)
    skips = Skips(count)
    ran = []

    @settings(max_examples=30, database=None, suppress_health_check=list(HealthCheck), deadline=None)
    @given(st.integers(0, 10**9))
    def prop(n):
        count[0] += 1
        if n % 3 == 0:  # a third of the examples cannot be sent
            skips.skip(Inapplicable("platform", "没有配置该级别的定点机构 no fixmedins_code for 'pharmacy'"))
        ran.append(n)

    prop()
    assert len(ran) == 30 and count[0] == 30  # 30 examples checked; the skipped ones are not counted as tried
    assert sum(skips.reasons.values()) >= 1
    assert "pharmacy" in skips.note() and "例" in skips.note()

    # none could ever be sent: not applicable after SKIP_LIMIT, with the reason (never an empty pass)
    count2 = _Tried(None)
    none = Skips(count2)

    @settings(max_examples=30, database=None, suppress_health_check=list(HealthCheck), deadline=None)
    @given(st.integers(0, 10**9))
    def never(n):
        count2[0] += 1
        none.skip(Inapplicable("platform", "测试人员池中没有匹配的人员 no pool person matches"))

    with pytest.raises(Inapplicable, match="no pool person"):
        never()
    assert sum(none.reasons.values()) == SKIP_LIMIT


def test_a_platform_environment_without_a_remote_area_still_runs_the_properties_and_catches_a_defect(tmp_path):
    """Before: 12 of 浙江's 14 properties not applicable (异地就医 … remote_mdtrtarea_admvs) and the defective system's
    run passed with exit 0. deductible_per_visit charges the deductible again on every visit: the deductible
    properties catch it as soon as they run."""
    server = _PlatformServer(defect="deductible_per_visit").start()
    try:
        run, code = execute(adapter=f"platform+{server.url}", config=_config(server.url, tmp_path),
                            policies=("zhejiang",), paths=PROPERTIES,
                            extra_args=("--conform-seed", "7", "--conform-examples", "12"))
    finally:
        server.stop()
    props = [c for c in run.checks if c.kind == "property"]
    assert len(props) >= 12
    remote_na = [c.name for c in props if c.status == "not_applicable" and "remote" in c.message]
    assert not remote_na, remote_na
    assert code != 0 and any(c.status == "failed" for c in props), [(c.name, c.status, c.message[:80]) for c in props]
    drew = [c for c in props if c.status in ("passed", "failed")]
    assert len(drew) >= 12
    # each settling property says it drew no remote visit, and why
    said = [c for c in drew if "remote" in (c.extra or {}).get("not_drawn", {})]
    assert said and all("remote_mdtrtarea_admvs" in c.extra["not_drawn"]["remote"] for c in said)


def test_a_facility_level_without_a_test_institution_is_not_drawn(tmp_path):
    """A test environment without a 定点药店 (or an 未定级 institution) among [adapter.platform.facilities]: its pharmacy
    purchases were not applicable one by one, and a long year almost always holds one; now none is drawn."""
    import random

    from conform.harness.adapters import make_adapter
    from conform.harness.config import load_adapter_config

    text = sample_config("http://127.0.0.1:9/")
    text = re.sub(r"(?m)^(pharmacy|unrated) = \{.*\n", "", text)
    path = tmp_path / "no-pharmacy.toml"
    path.write_text(text, encoding="utf-8")
    kinds = make_adapter(config=load_adapter_config(str(path))).unsendable()
    assert {"facility:pharmacy", "facility:unrated"} <= set(kinds) and "facility:tertiary" not in kinds
    assert "pharmacy" in kinds["facility:pharmacy"] and "[adapter.platform.facilities]" in kinds["facility:pharmacy"]

    setting = generators.settings_for("panzhihua")[0]
    person = generators.decode_person(setting, 2024, "1101", 0, None)
    rnd = random.Random(5)
    seeds = [rnd.getrandbits(96) for _ in range(400)]
    drawn = [generators.decode_settlement(setting, person, s)[0] for s in seeds]
    assert {v["facility"] for v in drawn} == {"tertiary", "secondary", "primary", "unrated", "pharmacy"}
    with generators.leave_out(kinds):
        kept = [generators.decode_settlement(setting, person, s)[0] for s in seeds]
    assert {v["facility"] for v in kept} == {"tertiary", "secondary", "primary"}
    assert not any(v["med_type"] == "41" for v in kept)
    # the default draw is what it was before any leave_out
    assert [generators.decode_settlement(setting, person, s)[0] for s in seeds] == drawn
