"""A registered disease is drawn with the kind its region file gives it, not as any kind the document provides for.

攀枝花's example region names M03900 “两病”门诊用药 (第九条) and M00500 门诊慢特病 (第十条), in the comments heading
their keys. The draws registered either code as either kind: M00500 drawn as 两病 made the differential blame
第九条 where the scenarios blame 第十条, and its counterexample said 参保人登记两病病种 "M00500", which the region
file contradicts. The kinds are read from the region file (the comment on a key, else the one heading its group),
so a file naming them the other way round is drawn the other way round; a code with figures of its own whose file
names no kind is drawn as the kinds that read those figures (吉林 M00500, a 门诊慢性病 cap of its own, is never a
特殊疾病, which is paid along inpatient rules); a generic code with no figure of its own, as every kind.
"""
from __future__ import annotations

from pathlib import Path

from conform.harness.generators import (PSN_TYPES, Setting, decode_person, region_disease_kinds, settings_for,
                                        settleable_diseases)
from conform.harness.properties.differential import _differential_examples

PZH = Setting("panzhihua", "panzhihua-example")


def test_panzhihua_example_codes_are_drawn_with_the_kind_the_region_file_gives():
    assert dict(settleable_diseases(PZH)) == {"M00500": ("chronic",), "M03900": ("two_disease",)}
    for s in settings_for("panzhihua"):  # with inline parameters beside the file too
        assert dict(settleable_diseases(s)) == {"M00500": ("chronic",), "M03900": ("two_disease",)}


def test_no_drawn_person_registers_m00500_as_two_disease():
    kinds = set()
    for traits in range(0, 20_000, 7):
        for psn_type in PSN_TYPES:
            p = decode_person(PZH, 2024, psn_type, traits * 7919, None)
            kinds |= {(d.dise_codg, d.kind) for d in p.diseases}
    assert kinds == {("M00500", "chronic"), ("M03900", "two_disease")}


def test_jilin_code_with_a_chronic_cap_of_its_own_is_no_special_disease():
    got = dict(settleable_diseases(Setting("jilin", "jilin-example")))
    assert got["M00500"] == ("chronic",)
    assert got["M03900"] == ("chronic", "special")  # generic: no figure of its own, any kind


def test_kinds_are_read_from_the_file_not_from_the_codes(tmp_path: Path):
    text = (Path(__file__).resolve().parent.parent / "conform/fixtures/regions/panzhihua-example.yaml").read_text(
        encoding="utf-8")
    swapped = (text.replace("name: panzhihua-example", "name: s20-swapped")
               .replace("“两病”门诊用药：M03900", "门诊慢特病：M03900").replace("# 门诊慢特病：M00500", "# “两病”门诊用药：M00500"))
    path = tmp_path / "s20-swapped.yaml"
    path.write_text(swapped, encoding="utf-8")
    assert region_disease_kinds(str(path)) == {"M03900": "chronic", "M00500": "two_disease"}
    # an inline comment on a key names its kind over the heading
    inline = text.replace("name: panzhihua-example", "name: s20-inline").replace(
        'chronic.M00500.cap: "4000"', 'chronic.M00500.cap: "4000"   # 两病')
    path2 = tmp_path / "s20-inline.yaml"
    path2.write_text(inline, encoding="utf-8")
    assert region_disease_kinds(str(path2))["M03900"] == "two_disease"
    assert "M00500" not in region_disease_kinds(str(path2))  # named both ways: no kind of its own


def test_the_differential_fixed_chronic_example_registers_the_chronic_code():
    chronic = [py for py in _differential_examples("panzhihua") if py.person.diseases]
    assert chronic and all(d.dise_codg == "M00500" and d.kind == "chronic" for py in chronic for d in py.person.diseases)
