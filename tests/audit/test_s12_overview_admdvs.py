"""概要 says where the region's division code came from: the --region file's admdvs stands for --admdvs not given
(run.py), and a regulator reading the overview must see that the code was read from that file, not typed.

Figures as in test_s12_implG_region_admdvs (攀枝花 第七条, the example region's figures): each person's one
settlement, 600.00 in scope: 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00 from the fund — as recorded."""
from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from conform.audit.run import audit
from conform.reference.policy import REGION_DIR

ROWS = ["setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay,insuplc_admdvs",
        "S0,P0,1101,2023-03-01 10:00:00,11,tertiary,600.00,200.00,200.00,510402",
        "S1,P1,1101,2023-03-02 10:00:00,11,tertiary,600.00,200.00,200.00,510104"]  # P1: 成都, left out


def _overview_row(tmp_path: Path, **kw) -> str:
    text = (REGION_DIR / "panzhihua-example.yaml").read_text(encoding="utf-8")
    region = tmp_path / "pzh-s12-overview.yaml"
    region.write_text(text.replace("name: panzhihua-example", 'name: pzh-s12-overview\nadmdvs: "510400"'), encoding="utf-8")
    ledger = tmp_path / "l.csv"
    ledger.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    code, _ = audit([str(ledger)], "panzhihua", str(region), workers=1, out=tmp_path / "out", **kw)
    assert code == 0
    ws = load_workbook(tmp_path / "out" / "audit.xlsx")["概要"]
    (text,) = [r[1] for r in ws.iter_rows(values_only=True) if r[0] == "本地区医保区划 --admdvs"]
    return text


def test_the_region_files_code_is_said_to_come_from_it(tmp_path):
    text = _overview_row(tmp_path)
    assert text.startswith(f"510400（取自地区配置 {tmp_path / 'pzh-s12-overview.yaml'} 的 admdvs，未给 --admdvs）：只审核")


def test_a_code_given_with_admdvs_is_not_said_to_come_from_a_file(tmp_path):
    assert _overview_row(tmp_path, admdvs="510400").startswith("510400：只审核")
