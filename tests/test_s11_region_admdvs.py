"""A region file may carry its 统筹区's own 医保区划 (`admdvs:`): requests to the system under test then name that
city (湖州 330500), not the province of the document (浙江 330000) — what a real system keys its figures on
(rregion2 Q1). A code outside the document's area, or not six digits, is refused naming the file."""
from __future__ import annotations

import pytest

from conform.harness.adapters import wire
from conform.reference.policy import REGION_DIR, PolicyError, bind, load_policy, load_region_file


def _city(tmp_path, admdvs: str | None, policy: str = "zhejiang"):
    text = (REGION_DIR / f"{policy}-example.yaml").read_text(encoding="utf-8")
    text = text.replace(f"name: {policy}-example", "name: s11-city")
    if admdvs is not None:
        text = text.replace("name: s11-city", f'name: s11-city\nadmdvs: "{admdvs}"')
    path = tmp_path / "s11-city.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_each_document_names_its_issuers_code():
    assert {p: load_policy(p).admdvs for p in ("zhejiang", "jilin", "beijing", "nanchang", "panzhihua")} == {
        "zhejiang": "330000", "jilin": "220000", "beijing": "110000", "nanchang": "360100", "panzhihua": "510400"}


def test_the_envelope_names_the_regions_own_code(tmp_path):
    city = _city(tmp_path, "330500")
    assert load_region_file(city).admdvs == "330500"
    assert bind("zhejiang", city).admdvs == "330500"
    assert wire.admdvs("zhejiang", city) == "330500"
    assert wire.admdvs("zhejiang", "zhejiang-example") == "330000"   # no code of its own: the document's
    other = tmp_path / "other"
    other.mkdir()
    assert wire.admdvs("zhejiang", _city(other, None)) == "330000"


def test_a_city_document_takes_a_district_code(tmp_path):
    assert wire.admdvs("panzhihua", _city(tmp_path, "510402", "panzhihua")) == "510402"  # 东区 inside 攀枝花 5104


@pytest.mark.parametrize("code, words", [
    ("510400", "not inside 浙江 (330000)"),   # 攀枝花's code in a 浙江 region
    ("3305", "six-digit"),
    ("33050a", "six-digit"),
])
def test_a_code_outside_the_documents_area_or_malformed_is_refused(tmp_path, code, words):
    with pytest.raises(PolicyError, match="s11-city.yaml: admdvs") as e:
        load_region_file(_city(tmp_path, code))
    assert words in str(e.value)


def test_a_panzhihua_region_cannot_name_another_sichuan_city(tmp_path):
    with pytest.raises(PolicyError, match="starting with 5104"):
        load_region_file(_city(tmp_path, "510100", "panzhihua"))  # 成都


def test_list_regions_and_the_record_show_the_code(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from conform.harness.listing import list_command
    from conform.harness.report.certify import region_record as _region

    folder = tmp_path / "fixtures" / "regions"
    folder.mkdir(parents=True)
    city = _city(folder, "330500")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(list_command, ["regions", "--policy", "zhejiang"])
    assert result.exit_code == 0, result.output
    assert "医保区划 admdvs: 330500" in result.output
    assert _region(city)["admdvs"] == "330500"
