"""Region files as a 医保局 engineer writes them (s9 review rregion D10, D8, D5, D9, Q5): every message about a
region's value names the file as well as the region, a name is looked up as .yaml or .yml and a failed look-up
says where it looked, and the usual slips (ratio "75" for 75%) get a hint."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from conform.reference import policy
from conform.reference.policy import PolicyError, bind, load_region_file


def _write(folder: Path, stem: str, body: str, suffix: str = ".yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}{suffix}"
    path.write_text(body, encoding="utf-8")
    return path


def _zj(name: str, values: str, policy_id: str = "zhejiang") -> str:
    return f"name: {name}\nlabel: 湖州（测试）\npolicy: {policy_id}\nvalues:\n{values}"


# ---------------------------------------------------------------- D10: the file, not only the name


def test_a_value_error_names_the_file_and_the_region_and_hints_at_percent(tmp_path):
    """`ordinary.ratio.primary: "75"` meant 75%: refused naming the region, its file and what to write."""
    path = _write(tmp_path, "huzhou", _zj("huzhou", '  ordinary.ratio.primary: "75"\n'))
    with pytest.raises(PolicyError) as e:
        bind("zhejiang", str(path))
    msg = str(e.value)
    assert msg.startswith(f"region huzhou (file {path}): ordinary.ratio.primary: ratio must lie between 0 and 1"), msg
    assert "(write 0.75 or 75%)" in msg  # 75 / 100 = 0.75


def test_a_bonus_written_in_points_gets_the_same_hint(tmp_path):
    """浙江 二（一）“报销比例提高5个百分点”: a bonus written "5" means 5 points = 0.05."""
    path = _write(tmp_path, "huzhou", _zj("huzhou", '  ordinary.retiree_ratio_bonus: "5"\n'))
    with pytest.raises(PolicyError, match=r"\(file .*huzhou\.yaml\): ordinary\.retiree_ratio_bonus: .*"
                                          r"\(write 0\.05 or 5%\)"):
        bind("zhejiang", str(path))


def test_a_constraint_refusal_names_the_file_too(tmp_path):
    """浙江 二（一）基层 from 60%: 0.55 is below the floor; the message says which file said 55%."""
    path = _write(tmp_path, "huzhou", _zj("huzhou", '  ordinary.ratio.primary: "0.55"\n'))
    with pytest.raises(PolicyError, match=rf"^region huzhou \(file {path}\): ordinary.ratio.primary = 55% is below"):
        bind("zhejiang", str(path))


def test_a_name_is_found_as_yml_in_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "fixtures" / "regions", "hz", _zj("hz", '  ordinary.ratio.primary: "0.75"\n'), ".yml")
    region = load_region_file("hz")
    assert region.path == str(Path("fixtures") / "regions" / "hz.yml")
    assert bind("zhejiang", region).get("ordinary.ratio.primary").value == Decimal("0.75")


def test_a_name_given_as_yaml_and_yml_in_one_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "fixtures" / "regions"
    _write(folder, "hz", _zj("hz", '  ordinary.ratio.primary: "0.75"\n'), ".yml")
    _write(folder, "hz", _zj("hz", '  ordinary.ratio.primary: "0.80"\n'), ".yaml")
    with pytest.raises(PolicyError, match=r"region 'hz': both fixtures/regions/hz.yaml and fixtures/regions/hz.yml "
                                          r"exist; keep one of them"):
        load_region_file("hz")


def test_an_unknown_name_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError) as e:
        load_region_file("huzhou")
    msg = str(e.value)
    assert "looked for huzhou.yaml and huzhou.yml" in msg
    assert f"{policy.REGION_DIR}/" in msg and f"fixtures/regions/ of the working folder ({tmp_path.resolve()})" in msg
    assert "known: beijing-example" in msg


def test_a_missing_path_is_said_to_be_missing(tmp_path):
    with pytest.raises(PolicyError, match=r"^region '.*nothere\.yaml': no such file$"):
        load_region_file(str(tmp_path / "nothere.yaml"))


# ---------------------------------------------------------------- D8: `policy:` must be a policy id


@pytest.mark.parametrize("given, meant", [("zhejian", "zhejiang"), ("浙江", "zhejiang"), ("hubei", None)])
def test_a_policy_that_is_no_id_is_refused_naming_file_value_and_the_five_ids(tmp_path, given, meant):
    path = _write(tmp_path, "hz", _zj("hz", '  ordinary.ratio.primary: "0.75"\n', given))
    with pytest.raises(PolicyError) as e:
        load_region_file(str(path))
    msg = str(e.value)
    assert msg.startswith(f"region file {path}: policy {given!r} is not a policy id"), msg
    assert ("write `policy: zhejiang` (浙江)" in msg) == (meant is not None)
    assert msg.endswith("the ids: panzhihua (攀枝花), nanchang (南昌), jilin (吉林), beijing (北京), zhejiang (浙江)")


# ---------------------------------------------------------------- D5: one identity, the file's name

# 湖州 under the 浙江 opinions, as rregion wrote it (figures fictitious): retiree deductible 800 × 0.5 = 400
# (二（一）减半执行), retiree 基层 ratio 75% + 5 points = 80%.
HUZHOU = """  ordinary.deductible.in_service: "800"
  ordinary.cap: "2500"
  ordinary.ratio.primary: "0.75"
  ordinary.ratio.unrated: "0.75"
  ordinary.ratio.secondary: "0.65"
  ordinary.ratio.tertiary: "0.55"
  ordinary.ratio.pharmacy: "0.75"
  ordinary.retiree_ratio_bonus: "0.05"
  account.in_service.rate_of_base: "0.015"
  account.retiree.monthly: "100"
"""


def test_a_working_folder_file_whose_name_is_not_its_file_name_is_refused(tmp_path, monkeypatch):
    """hz2024.yaml saying `name: huzhou2024`: listed as huzhou2024, a name nothing finds (rregion D5)."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "fixtures" / "regions", "hz2024", _zj("huzhou2024", HUZHOU))
    for ref in ("hz2024", "fixtures/regions/hz2024.yaml"):
        with pytest.raises(PolicyError) as e:
            load_region_file(ref)
        assert str(e.value) == (
            "region file fixtures/regions/hz2024.yaml: `name: huzhou2024` differs from the file's name 'hz2024'; "
            "a region in fixtures/regions/ is found by its file name, so write `name: hz2024` or rename the file "
            "to huzhou2024.yaml")


def test_a_file_of_conforms_own_folder_cannot_take_the_examples_name(tmp_path, monkeypatch):
    """huzhou-copy.yaml saying `name: zhejiang-example` settled under its own figures, reported as the example's."""
    own = tmp_path / "own"
    monkeypatch.setattr(policy, "REGION_DIR", own)
    _write(own, "zhejiang-example", _zj("zhejiang-example", HUZHOU))
    _write(own, "huzhou-copy", _zj("zhejiang-example", HUZHOU.replace('"2500"', '"9999"')))
    assert load_region_file("zhejiang-example").values["ordinary.cap"] == "2500"
    with pytest.raises(PolicyError, match=r"`name: zhejiang-example` differs from the file's name 'huzhou-copy'"):
        load_region_file("huzhou-copy")


def test_a_file_given_by_a_path_elsewhere_keeps_its_name_and_is_named_by_its_path(tmp_path):
    """A path outside the region folders is its own identity: its `name:` may differ (a case's copy of a city's
    file), and every message names the path."""
    path = _write(tmp_path, "copy", _zj("huzhou", HUZHOU.replace('"0.75"\n  ordinary.ratio.unrated', '"0.55"\n'
                                                                     '  ordinary.ratio.unrated')))
    assert load_region_file(str(path)).name == "huzhou"
    with pytest.raises(PolicyError, match=rf"^region huzhou \(file {path}\): ordinary.ratio.primary = 55%"):
        bind("zhejiang", str(path))


def test_a_working_folder_file_hidden_by_conforms_own_is_flagged(tmp_path, monkeypatch):
    """README: a name the examples use always means the shipped file; the working folder's file of that name is
    never read by name — said, not silently passed over."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "fixtures" / "regions", "zhejiang-example", _zj("zhejiang-example", HUZHOU))
    check = policy.check_region("fixtures/regions/zhejiang-example.yaml")
    assert check.ok and len(check.warnings) == 1
    assert "the name 'zhejiang-example' means" in check.warnings[0]
    assert str(policy.REGION_DIR / "zhejiang-example.yaml") in check.warnings[0]


# ---------------------------------------------------------------- D9: a region file checked as a whole


def test_check_region_lists_every_bad_value_with_its_clause(tmp_path):
    path = _write(tmp_path, "huzhou", _zj("huzhou", HUZHOU.replace('primary: "0.75"', 'primary: "0.55"')
                                          .replace('"2500"', '"2,500"')))
    check = policy.check_region(str(path))
    assert not check.ok and check.name == "huzhou" and check.policy == "zhejiang" and check.path == str(path)
    cap, primary = sorted(check.errors)
    assert cap.startswith(f"region huzhou (file {path}): ordinary.cap: not a number: '2,500'")
    assert cap.endswith("(浙江 二（一）: “合理确定职工医保门诊起付标准、最高支付限额和基金支付比例。”)")
    # 浙江 二（一）“基层医疗机构政策范围内支付比例从60％起步”: 55% < 60%
    assert primary.startswith(f"region huzhou (file {path}): ordinary.ratio.primary = 55% is below the floor 60%")


def test_check_region_lists_what_the_file_leaves_out(tmp_path):
    """浙江's required list asks every city for the 未定级 ratio; the retiree deductible (800 × 0.5, 减半执行) and
    valid_from are optional, and the former is given by the document."""
    full = policy.check_region(str(_write(tmp_path, "huzhou", _zj("huzhou", HUZHOU))))
    assert (full.ok, full.missing_required) == (True, ())
    assert "valid_from" in full.missing_optional and "ordinary.deductible.retiree" not in full.missing_optional
    lacking = HUZHOU.replace('  ordinary.ratio.unrated: "0.75"\n', "")
    gap = policy.check_region(str(_write(tmp_path, "huzhou", _zj("huzhou", lacking))))
    assert (gap.ok, gap.missing_required) == (True, ("ordinary.ratio.unrated",))


def test_check_region_of_a_file_that_does_not_load_gives_the_reason(tmp_path):
    path = _write(tmp_path, "huzhou", _zj("huzhou", HUZHOU, "zhejian"))
    check = policy.check_region(str(path))
    assert check.errors == (f"region file {path}: policy 'zhejian' is not a policy id; write `policy: zhejiang` "
                            "(浙江); the ids: panzhihua (攀枝花), nanchang (南昌), jilin (吉林), beijing (北京), "
                            "zhejiang (浙江)",)
    assert check.path == str(path) and check.name is None


def test_per_disease_values_are_asked_for_each_disease_the_file_names():
    """南昌 四（二）2 asks a ratio and a cap per disease: a file giving M03900's cap alone lacks its ratio."""
    check = policy.check_region(str(policy.REGION_DIR / "invalid" / "nanchang-chronic-cap-3000.yaml"))
    assert "chronic.M03900.ratio" in check.missing_required
    assert check.errors and "chronic.M03900.cap = 3000.00 is below the floor 4000.00" in check.errors[0]


def _listed(*args: str):
    from click.testing import CliRunner

    from conform.harness.cli import main as cli

    return CliRunner().invoke(cli, ["list", "regions", *args])


def test_list_regions_flags_a_bad_file_first_and_says_what_a_file_leaves_out(tmp_path, monkeypatch):
    """rregion D9: huzhou-bad.yaml with ratio "75" was listed beside the good ones, unflagged; a file lacking the
    required 未定级 ratio was listed without remark. Exit 0 (a listing), the flags unmissable."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "fixtures" / "regions"
    _write(folder, "huzhou-bad", _zj("huzhou-bad", HUZHOU.replace('primary: "0.75"', 'primary: "75"')))
    _write(folder, "huzhou", _zj("huzhou", HUZHOU.replace('  ordinary.ratio.unrated: "0.75"\n', "")))
    result = _listed("--policy", "zhejiang")
    assert result.exit_code == 2, result.output  # as conform run refuses it: a CI step checking the files fails
    lines = result.output.splitlines()
    assert lines[1] == "  ✗ 1 个地区配置无效，不能使用 1 invalid region file(s), see ✗ below: huzhou-bad"
    bad = lines.index(next(x for x in lines if x.startswith("  ✗ huzhou-bad")))
    assert lines[bad + 1] == (
        "      ✗ 无效 invalid: region huzhou-bad (file fixtures/regions/huzhou-bad.yaml): ordinary.ratio.primary: "
        "ratio must lie between 0 and 1: '75' (write 0.75 or 75%) (line 7 of the file) (浙江 二（一）: “合理确定职工医保门诊起付标准、最高支付限额和基金支付比例。”)")
    assert ("      缺少必需参数 missing required (a settlement needing one is refused): "
            "ordinary.ratio.unrated（浙江 二（一））") in lines
    rows = {r["name"]: r for r in json.loads(_listed("--policy", "zhejiang", "--json").output)}
    assert rows["huzhou-bad"]["valid"] is False and rows["huzhou"]["valid"] is True
    assert rows["huzhou"]["missing_required"] == ["ordinary.ratio.unrated"]
    assert "valid_from" in rows["huzhou"]["missing_optional"]
    assert rows["zhejiang-example"]["valid"] is True and rows["zhejiang-example"]["errors"] == []


def test_list_regions_flags_a_misspelt_policy_and_a_hidden_file(tmp_path, monkeypatch):
    """rregion D8: `policy: zhejian` was listed unflagged; a working-folder zhejiang-example.yaml was left out."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "fixtures" / "regions"
    _write(folder, "huzhou", _zj("huzhou", HUZHOU, "zhejian"))
    _write(folder, "zhejiang-example", _zj("zhejiang-example", HUZHOU))
    out = _listed().output
    assert "  ✗ huzhou" in out and "policy 'zhejian' is not a policy id; write `policy: zhejiang`" in out
    assert "! 注意 note: region file fixtures/regions/zhejiang-example.yaml: the name 'zhejiang-example' means" in out


# ---------------------------------------------------------------- Q5: the full-width percent sign


def test_a_ratio_with_the_full_width_percent_sign_is_read_as_percent(tmp_path):
    """浙江 二（一）writes “从60％起步”: a city copying “75％” means 75%. A retiree's 1000.00 at a 基层 institution:
    deductible 800 × 0.5 = 400 (减半执行), ratio 75% + 5 points = 80%, pays (1000 − 400) × 80% = 480.00."""
    from conform.reference.case import parse_case
    from conform.reference.engine import compute_case

    path = _write(tmp_path, "huzhou", _zj("huzhou", HUZHOU.replace('primary: "0.75"', 'primary: "75％"')))
    assert bind("zhejiang", str(path)).get("ordinary.ratio.primary").value == Decimal("0.75")
    case = parse_case({"policy": "zhejiang", "region": str(path), "person": {"psn_no": "R1", "psn_type": "1201"},
                       "settlements": [{"id": "V1", "date": "2023-03-01", "facility": "primary", "med_type": "11",
                                        "medfee_sumamt": "1000.00"}]})
    out = compute_case(case, with_trace=False)["settlements"][0]
    assert (out["act_pay_dedc"], out["hifp_pay"]) == ("400.00", "480.00")


def test_a_value_missing_at_settlement_names_the_region_file(tmp_path):
    """rregion D9's file without the 未定级 ratio settled a 基层 visit and was refused only at an unrated one: the
    refusal says which file to add it to."""
    from conform.reference.policy import MissingParameter

    path = _write(tmp_path, "huzhou", _zj("huzhou", HUZHOU.replace('  ordinary.ratio.unrated: "0.75"\n', "")))
    rules = bind("zhejiang", str(path))
    assert rules.get("ordinary.ratio.primary").value == Decimal("0.75")
    with pytest.raises(MissingParameter, match=rf"add it under `values:` in the region file {path} \(region huzhou\) "
                                               r"or the case's `params`"):
        rules.get("ordinary.ratio.unrated")


def test_a_figure_given_for_each_person_type_is_not_asked_for_both(tmp_path):
    """南昌 四（二）2: a disease's ratio may be each person type's own (80%–98% each). With M03900's in-service 85%
    and retiree 90% the unsuffixed ratio is never used: in service 1000.00 × 85% = 850.00, retired × 90% = 900.00
    (零起付线, within the cap 4000), so check_region does not list chronic.M03900.ratio as missing."""
    from conform.reference.case import parse_case
    from conform.reference.engine import compute_case

    path = _write(tmp_path, "nc", "name: nc\npolicy: nanchang\nvalues:\n"
                                  '  account.retiree.average_pension: "2987.50"\n'
                                  '  ordinary.ratio.in_service.pharmacy: "0.58"\n'  # 四（四）, A-NC-PHARMACY
                                  '  chronic.overflow_to_ordinary: "false"\n'  # 四（二）2, A-NC-CHRONIC-OVERFLOW
                                  '  chronic.M03900.ratio.in_service: "0.85"\n  chronic.M03900.ratio.retiree: "0.90"\n'
                                  '  chronic.M03900.cap: "4000"\n')
    check = policy.check_region(str(path))
    assert (check.errors, check.missing_required) == ((), ())
    for psn_type, paid in (("1101", "850.00"), ("1201", "900.00")):
        case = parse_case({"policy": "nanchang", "region": str(path),
                           "person": {"psn_no": "P1", "psn_type": psn_type,
                                      "chronic_diseases": [{"dise_codg": "M03900", "kind": "chronic"}]},
                           "settlements": [{"id": "V1", "date": "2023-03-01", "facility": "secondary",
                                            "med_type": "14", "dise_codg": "M03900", "medfee_sumamt": "1000.00"}]})
        assert compute_case(case, with_trace=False)["settlements"][0]["hifp_pay"] == paid
