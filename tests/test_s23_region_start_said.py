"""A refusal before a region's own start names the region's valid_from, not the document (probe s23 Q F3): "before
北京 takes effect on 2024-01-01 (北京 (五))" sent a user looking for a date the document does not contain."""
from __future__ import annotations

import pytest

from conform.reference.case import parse_case
from conform.reference.benefits import OutsideValidity
from conform.reference.engine import compute_case
from conform.reference.policy import REGION_DIR


def _case(tmp_path, region: str, date: str) -> dict:
    lines = (REGION_DIR / "jilin-example.yaml").read_text(encoding="utf-8").splitlines()
    lines = [f"name: {region}" if x.startswith("name: ") else x for x in lines]
    at = lines.index("values:") + 1
    lines.insert(at, '  valid_from: "2023-03-01"')
    path = tmp_path / f"{region}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"policy": "jilin", "region": str(path), "person": {"psn_no": "J1", "psn_type": "1101"},
            "settlements": [{"id": "V1", "date": date, "med_type": "11", "facility": "secondary",
                             "medfee_sumamt": "1000.00"}]}


def test_a_visit_before_the_regions_own_start_names_the_region_and_its_valid_from(tmp_path):
    with pytest.raises(OutsideValidity) as e:
        compute_case(parse_case(_case(tmp_path, "jl-late", "2023-02-28")))
    said = str(e.value)
    assert "before region jl-late's figures apply (its valid_from 2023-03-01, 吉林 六（一）" in said, said
    assert "吉林 takes effect" not in said
    assert "地区配置 jl-late 的起始日期 2023-03-01" in e.value.zh, e.value.zh


def test_the_documents_own_start_is_still_the_documents():
    case = {"policy": "panzhihua", "region": "panzhihua-example", "person": {"psn_no": "P1", "psn_type": "1101"},
            "settlements": [{"id": "V0", "date": "2022-12-01", "med_type": "11", "facility": "secondary",
                             "medfee_sumamt": "100.00"}]}
    with pytest.raises(OutsideValidity, match="before 攀枝花 takes effect on 2023-01-01"):
        compute_case(parse_case(case))
