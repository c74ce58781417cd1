"""A region file's `admdvs` (its 医保区划) stands for --admdvs when that is not given: a ledger of persons insured in
several cities is audited for the region's own (the others left out, counted, and said: which code, from which region
file) instead of refused; a ledger whose coded persons are all insured in another city is refused with the remedy
(auditing 宁波's ledger by 杭州's figures would read every difference of the two cities' rules as the system's), unless
--admdvs is given; a ledger without insuplc_admdvs is audited as before. The shipped example regions give no admdvs:
with them nothing changes. Needs /work/notes/s12/implG-region-admdvs-run.patch and implG-region-admdvs-ledger.patch.

Figures by hand, 攀枝花 第七条 (the example region's figures, here in a region file that adds admdvs 510400; in service,
deductible 200.00 a natural year, 三级 50%): each person's one settlement, 600.00 in scope: 200.00 to the deductible,
(600.00 − 200.00) × 50% = 200.00 from the fund — as recorded, so every audit that runs is clean (exit 0).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.reference.policy import REGION_DIR

HEADER = "setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay,insuplc_admdvs"


def _region(tmp_path: Path) -> Path:
    """panzhihua-example's made-up figures, under another name, with the city's admdvs."""
    text = (REGION_DIR / "panzhihua-example.yaml").read_text(encoding="utf-8")
    path = tmp_path / "pzh-s12-implg.yaml"
    path.write_text(text.replace("name: panzhihua-example", 'name: pzh-s12-implg\nadmdvs: "510400"'), encoding="utf-8")
    return path


def _run(tmp_path: Path, insured: list[str], region: str | None = None, header: str = HEADER, **kw):
    rows = [f"S{i},P{i},1101,2023-03-0{i + 1} 10:00:00,11,tertiary,600.00,200.00,200.00,{adm}"
            for i, adm in enumerate(insured)]
    if header != HEADER:
        rows = [r.rsplit(",", 1)[0] for r in rows]
    p = tmp_path / "l.csv"
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    said: list[str] = []
    code, s = audit([str(p)], "panzhihua", region or str(_region(tmp_path)), write=False, workers=1,
                    progress=said.append, **kw)
    return code, s, said


def test_several_cities_take_the_regions_admdvs_and_say_so(tmp_path):
    # P0 (510402) and P2 (510411) are 攀枝花's; P1 (510104, 成都) is left out
    code, s, said = _run(tmp_path, ["510402", "510104", "510411"])
    assert (code, s["rows_read"], s["rows_skipped"]) == (0, 3, 1)
    assert s["skipped_by_code"] == [{"skip": "insuplc_admdvs=510104", "rows": 1}]
    assert (s["admdvs"], s["admdvs_from"]) == ("510400", str(tmp_path / "pzh-s12-implg.yaml"))
    (note,) = [n for n in said if "--admdvs 510400" in n]
    assert f"the admdvs of the region file {tmp_path / 'pzh-s12-implg.yaml'}" in note and "510100: 1 rows" in note


def test_a_ledger_of_another_city_is_refused_with_the_remedy(tmp_path):
    with pytest.raises(AuditInputError) as e:
        _run(tmp_path, ["510104", "510104", "510105"])
    said = e.value.detail
    assert "insuplc_admdvs by city: 510100: 3 rows" in said and "admdvs 510400" in said
    assert "--region" in said and "--admdvs 510100" in said


def test_admdvs_given_overrides_the_region_file(tmp_path):
    code, s, _ = _run(tmp_path, ["510104", "510104", "510105"], admdvs="510100")
    assert (code, s["rows_skipped"], s["admdvs"], s["admdvs_from"]) == (0, 0, "510100", "--admdvs")


def test_one_city_the_regions_own_and_a_ledger_without_the_column_are_as_before(tmp_path):
    code, s, said = _run(tmp_path, ["510402", "510411"])
    assert (code, s["rows_skipped"], s["admdvs"]) == (0, 0, None) and not [n for n in said if "--admdvs" in n]
    code, s, _ = _run(tmp_path, ["", ""], header=HEADER.rsplit(",", 1)[0])
    assert (code, s["rows_read"], s["admdvs"]) == (0, 2, None)


def test_an_example_region_without_admdvs_still_asks_for_it(tmp_path):
    with pytest.raises(AuditInputError, match=r"give the region's six-digit division code with --admdvs"):
        _run(tmp_path, ["510402", "510104"], region="panzhihua-example")
