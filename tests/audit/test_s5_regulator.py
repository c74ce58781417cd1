"""The regulator's review raudit3 (s5): a reversal left out alone, the one-fen class, the mid-year retirement's
citation, the export's order of a same-day re-settlement, the engines' discrepancies.parquet.

Figures by hand from 攀枝花 第七条 (在职: 起付线 200 a natural year, 三级 50%) with A-REVERSAL (a 2208 cancels
what its settlement counted): Y1 600.00 reversed by Y1R, so Y2 600.00 is the year's first live settlement:
deductible min(600, 200) = 200.00, pool (600 − 200) × 50% = 200.00 — as recorded. Kept without its reversal,
Y1 would use up the deductible and Y2 read 0.00 / 300.00, a false 100.00 underpayment.
"""
from __future__ import annotations

from pathlib import Path

from _kept import kept_audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,fixmedins_code,medfee_sumamt,inscp_scp_amt,"
          "act_pay_dedc,hifp_pay,pool_prop_selfpay,fund_pay_sumamt,psn_part_amt,init_setl_id")
Y1 = "Y1,W2,1101,2024-03-01 10:00:00,11,tertiary,H1,600.00,600.00,200.00,200.00,0.5000,200.00,400.00,"
Y1R = "Y1R,W2,1101,2024-03-02 10:00:00,11,tertiary,H1,-600.00,-600.00,-200.00,-200.00,0.5000,-200.00,-400.00,Y1"
Y2 = "Y2,W2,1101,2024-03-03 10:00:00,11,tertiary,H1,600.00,600.00,200.00,200.00,0.5000,200.00,400.00,"


def _csv(tmp_path: Path, lines: list[str], name: str = "ledger.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _run(paths, **kw) -> tuple[int, dict, list[tuple]]:
    with kept_audit([str(p) for p in paths], "panzhihua", "panzhihua-example", write=False, **kw) as (code, s, con):
        rows = con.execute("SELECT l.setl_id, e.act_pay_dedc, e.hifp_pay FROM expected_rows e "
                           "JOIN ledger l ON l.rid = e.rid ORDER BY l.setl_id").fetchall()
    return code, s, rows


def _map(tmp_path: Path, text: str) -> str:
    p = tmp_path / "map.toml"
    p.write_text(text, encoding="utf-8")
    return str(p)


# D1: the reversal left out (another insured city on the 2208 alone, or a [skip] code on it alone) takes its
# settlement with it, counted as such; Y2 is then the year's first settlement and clean.
def test_a_reversal_left_out_by_admdvs_takes_its_settlement_with_it(tmp_path):
    ledger = _csv(tmp_path, [HEADER + ",insuplc_admdvs,mdtrtarea_admvs", Y1 + ",510400,510400",
                             Y1R + ",510100,510400", Y2 + ",510400,510400"])
    code, s, rows = _run([ledger], admdvs="510400")
    assert (code, rows) == (0, [("Y2", 20000, 20000)])
    assert (s["rows_read"], s["rows_skipped"], s["settlements"], s["reversals"]) == (3, 2, 1, 0)
    assert s["skipped_by_code"] == [{"skip": "insuplc_admdvs=510100", "rows": 1},
                                    {"skip": "其撤销行被排除的结算（insuplc_admdvs=510100）", "rows": 1}]


def test_a_reversal_left_out_by_skip_takes_its_settlement_with_it(tmp_path):
    ledger = _csv(tmp_path, [HEADER + ",insutype", Y1 + ",310", Y1R + ",390", Y2 + ",310"])
    code, s, rows = _run([ledger], mapping=[_map(tmp_path, '[skip]\ninsutype = ["390"]\n')])
    assert (code, rows, s["rows_skipped"]) == (0, [("Y2", 20000, 20000)], 2)
    assert s["skipped_by_code"][1] == {"skip": "其撤销行被排除的结算（insutype=390）", "rows": 1}


def test_a_void_reversal_leaves_its_settlement_standing(tmp_path):
    # vali_flag 0 on Y1R: it never happened, so Y1 stands and uses up the deductible: Y2 expected 0.00 and
    # 600 × 50% = 300.00, recorded 200.00 — a real discrepancy. Also where the void 2208 carries a [skip] code:
    # void is why it is left out (counted so), and its settlement stays.
    rows_in = [HEADER + ",vali_flag,insutype", Y1 + ",1,310", Y1R + ",0,390", Y2 + ",1,310"]
    for mapping in ([], [_map(tmp_path, '[skip]\ninsutype = ["390"]\n')]):
        code, s, rows = _run([_csv(tmp_path, rows_in)], mapping=mapping)
        assert (code, rows) == (1, [("Y1", 20000, 20000), ("Y2", 0, 30000)])
        assert s["skipped_by_code"] == [{"skip": "vali_flag=0", "rows": 1}]
