"""A fen off in a split visit's ordinary part that the cap decided is the cap's, not the split's (rclose10 D1).

攀枝花 第十一条 splits a chronic visit past its disease's cap into ordinary pooling; the split rounds the covered
part to the fen (A-PZH-OVERFLOW-SPLIT). Where the ordinary part is then capped (第七条), its figure is the cap's
remainder, which no rounding before it moves: a one-fen error there is blamed at the cap, not at the split.
"""
from __future__ import annotations

from conform.harness.report.causes import _step, blame

from test_s6_implE_blame_readings import M001, traces

# 攀枝花 example region, in service, 二级: ordinary deductible 200.00, ratio 60%, cap 1000.00 (第七条);
# M001 (params): deductible 100.00, ratio 80%, cap 800.00.
VISITS = [
    # V0 ordinary 1200.00: (1200 − 200) × 60% = 600.00 of the 1000.00 cap → 400.00 left; deductible met
    {"id": "V0", "date": "2023-01-10", "facility": "secondary", "med_type": "11", "medfee_sumamt": "1200.00"},
    # V1 M001 1049.53: (1049.53 − 100) × 80% = 759.624 → 759.62 of the 800.00 → 40.38 left
    {"id": "V1", "date": "2023-02-01", "facility": "secondary", "med_type": "14", "dise_codg": "M001",
     "medfee_sumamt": "1049.53"},
    # V2 M001 1000.00: chronic pays the 40.38 left; covered part 40.38 / 80% = 50.475 → 50.48 (the split rounds);
    # ordinary base 1000 − 50.48 = 949.52, × 60% = 569.712 → 569.71, capped at the 400.00 left: ordinary_pay 400.00
    {"id": "V2", "date": "2023-03-01", "facility": "secondary", "med_type": "14", "dise_codg": "M001",
     "medfee_sumamt": "1000.00"},
]
PERSON = {"psn_no": "P2", "psn_type": "1101", "chronic_diseases": [{"dise_codg": "M001", "kind": "chronic"}]}


def _trace():
    return traces("panzhihua", PERSON, VISITS, region="panzhihua-example", params=M001)["V2"]


def test_the_split_rounded_and_the_ordinary_part_was_capped():
    tr = _trace()
    split = [t for t in tr if t["step"] == "转入普通门诊统筹"]
    assert split and split[0].get("rounded") is True          # 50.475 → 50.48
    assert any(t.get("value") == "400.00" and "限额" in t["step"] for t in tr)


def test_a_fen_off_a_capped_ordinary_part_is_the_caps_not_the_splits():
    tr = _trace()
    m = {"field": "ordinary_pay", "expected": "400.00", "actual": "399.99", "item": "V2"}
    step, clause = _step(m, tr)
    assert "限额" in step and "A-PZH-OVERFLOW-SPLIT" not in clause and "第十一条" not in clause
    assert blame([m], {"V2": tr}, "panzhihua") == (["panzhihua-7"], [])
