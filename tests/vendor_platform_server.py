"""A second platform-profile server, written from docs/connect-your-system.md §8 and docs/openapi.yaml alone.

It stands for a vendor's real test environment: no test hooks (persons exist,
visits settle today), its own institution codes, catalogue, regional
`cum_type_code`s and `fund_pay_type` rows, answers mixing JSON numbers and
numeric text. It implements only 攀枝花 第七条 ordinary outpatient pooling, with
the article's figures: 在职 起付线200元, 三级/药店50%, 二级及以下60%, 限额1000元;
退休 150元, 55%, 65%, 1500元. It imports nothing from the harness or the
reference; tests/test_platform_vendor.py runs the harness against it to check
the docs are enough to connect a system. Like a strict platform it refuses a
2207 without the visit's split (fulamt_ownpay_amt, overlmt_selfpay,
preselfpay_amt, inscp_scp_amt) and a 2208 from another institution or 就医地
than the 2207's; it leaves unset amounts as "" (balc: it keeps no accounts).

    python tests/vendor_platform_server.py --port 0 --port-file F
"""
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import threading
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FEN = Decimal("0.01")
# 第七条: (deductible, ratio at 三级/药店, ratio at 二级及以下, annual cap) per person type
RULES = {"1101": (Decimal("200"), Decimal("0.50"), Decimal("0.60"), Decimal("1000")),
         "1201": (Decimal("150"), Decimal("0.55"), Decimal("0.65"), Decimal("1500"))}
INSTITUTIONS = {"VH3": "high", "VH2": "low", "VH1": "low", "VH0": "low", "VRX": "high"}   # 三级 / 药店 vs 二级及以下
CATALOGUE = {"A001": ("covered", None), "C001": ("selfpay", None), "L001": ("over_limit", Decimal("0.50")),
             "B010": ("preselfpay", Decimal("0.10")), "B100": ("preselfpay", Decimal("1"))}
PERSONS = {"V1101A": "1101", "V1101B": "1101", "V1201A": "1201"}
AREA = "510400"


def r2(d: Decimal) -> Decimal:
    return d.quantize(FEN, rounding=ROUND_HALF_UP)


def number(d: Decimal) -> str:
    return f"{r2(d):.2f}"


class Vendor:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seq = itertools.count(1)
        self.signs: set[str] = set()
        self.visits: dict[str, dict] = {}
        self.settled: dict[str, dict] = {}
        self.years: dict[tuple[str, int], dict] = {}

    def year(self, psn: str, y: int) -> dict:
        return self.years.setdefault((psn, y), {"dedc": Decimal("0"), "pay": Decimal("0")})

    def answer(self, env: dict) -> dict:
        infno = env.get("infno")
        inp = env.get("input") or {}
        if infno != "9001" and env.get("sign_no") not in self.signs:
            raise ValueError("请先签到")
        if infno == "9001":
            no = f"S{next(self.seq):08d}"
            self.signs.add(no)
            return {"signinoutb": {"sign_time": f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}", "sign_no": no}}
        if infno == "2201":
            d = inp["data"]
            if d["psn_no"] not in PERSONS:
                raise ValueError("无此参保人")
            level = INSTITUTIONS.get(env.get("fixmedins_code"))
            if level is None:
                raise ValueError("无此定点机构")
            if env.get("mdtrtarea_admvs") != env.get("insuplc_admdvs"):
                raise ValueError("本系统不办理异地就医")
            mdtrt_id = f"M{next(self.seq):08d}"
            self.visits[mdtrt_id] = {"psn": d["psn_no"], "level": level, "lines": {}, "med_type": None}
            return {"data": {"mdtrt_id": mdtrt_id, "psn_no": d["psn_no"], "ipt_otp_no": d.get("ipt_otp_no", "")}}
        if infno == "2203":
            info = inp["mdtrtinfo"]
            self.visits[info["mdtrt_id"]]["med_type"] = info["med_type"]
            return {}
        if infno == "2204":
            result = []
            for row in inp["feedetail"]:
                v = self.visits[row["mdtrt_id"]]
                kind, fig = CATALOGUE[row["med_list_codg"]]
                amt, pric, cnt = Decimal(str(row["det_item_fee_sumamt"])), Decimal(str(row["pric"])), Decimal(str(row["cnt"]))
                full = over = pre = Decimal("0")
                if kind == "selfpay":
                    full = amt
                elif kind == "over_limit":
                    over = r2(max(pric - fig, Decimal("0")) * cnt)
                elif kind == "preselfpay":
                    pre = r2(amt * fig)
                part = {"feedetl_sn": row["feedetl_sn"], "det_item_fee_sumamt": amt, "fulamt_ownpay_amt": full,
                        "overlmt_amt": over, "preselfpay_amt": pre, "inscp_scp_amt": amt - full - over - pre}
                v["lines"].setdefault(row["chrg_bchno"], []).append(part)
                result.append({**part, "cnt": cnt, "pric": pric, "pric_uplmt_amt": fig if kind == "over_limit" else 0,
                               "selfpay_prop": fig if kind == "preselfpay" else 0, "chrgitm_lv": "01"})
            return {"result": result}
        if infno in ("2206", "2207"):
            d = inp["data"]
            v = self.visits[d["mdtrt_id"]]
            lines = v["lines"][d["chrg_bchno"]]
            total = sum(ln["det_item_fee_sumamt"] for ln in lines)
            if total != Decimal(str(d["medfee_sumamt"])):
                raise ValueError("费用总额与明细不符")
            scope = sum(ln["inscp_scp_amt"] for ln in lines)
            split = {"fulamt_ownpay_amt": sum(ln["fulamt_ownpay_amt"] for ln in lines),
                     "overlmt_selfpay": sum(ln["overlmt_amt"] for ln in lines),
                     "preselfpay_amt": sum(ln["preselfpay_amt"] for ln in lines), "inscp_scp_amt": scope}
            if infno == "2207":
                for k, want in split.items():
                    if d.get(k) in (None, ""):
                        raise ValueError(f"{k}不能为空")
                    if Decimal(str(d[k])) != want:
                        raise ValueError(f"{k}与预结算不符")
            psn = v["psn"]
            dedc_std, high, low, cap = RULES[PERSONS[psn]]
            ratio = high if v["level"] == "high" else low
            ys = self.year(psn, dt.date.today().year)
            if (v["med_type"] or d["med_type"]) not in ("11", "13", "41"):   # 普通门诊, 急诊, 药店购药 (第七条)
                raise ValueError("本系统只办理普通门诊统筹")
            dedc = min(scope, max(dedc_std - ys["dedc"], Decimal("0")))
            pay = min(r2((scope - dedc) * ratio), max(cap - ys["pay"], Decimal("0")))
            setl_id = None
            if infno == "2207":
                ys["dedc"] += dedc
                ys["pay"] += pay
                setl_id = f"T{next(self.seq):08d}"
                self.settled[setl_id] = {"psn": psn, "mdtrt_id": d["mdtrt_id"], "dedc": dedc, "pay": pay,
                                         "total": total, "split": split, "ratio": ratio,
                                         "year": dt.date.today().year, "where": self.where(env)}
            return self.setl(setl_id, d["mdtrt_id"], psn, total, split, dedc, pay, ratio)
        if infno == "2208":
            d = inp["data"]
            s = self.settled.get(d["setl_id"])
            if s is None or s["psn"] != d["psn_no"]:
                raise ValueError("无此结算")
            if self.where(env) != s["where"]:
                raise ValueError("非本机构结算，不能撤销")
            del self.settled[d["setl_id"]]
            ys = self.year(s["psn"], s["year"])
            ys["dedc"] -= s["dedc"]
            ys["pay"] -= s["pay"]
            return self.setl(f"T{next(self.seq):08d}", s["mdtrt_id"], s["psn"], -s["total"],
                             {k: -v for k, v in s["split"].items()}, -s["dedc"], -s["pay"], s["ratio"])
        if infno == "5206":
            d = inp["data"]
            ym = d["cum_ym"]
            ys = self.year(d["psn_no"], int(ym[:4]))
            return {"cuminfo": [{"insutype": "310", "year": ym[:4], "cum_ym": ym, "cum_type_code": "Q0000",
                                 "cum": number(ys["dedc"])},
                                {"insutype": "310", "year": ym[:4], "cum_ym": ym, "cum_type_code": "Q0001",
                                 "cum": ys["pay"]}]}
        raise ValueError(f"不支持的交易 {infno}")

    @staticmethod
    def where(env: dict) -> tuple:
        return env.get("fixmedins_code"), env.get("mdtrtarea_admvs")

    @staticmethod
    def setl(setl_id, mdtrt_id, psn, total, split, dedc, pay, ratio) -> dict:
        info = {"mdtrt_id": mdtrt_id, "psn_no": psn, "medfee_sumamt": total,
                "fulamt_ownpay_amt": split["fulamt_ownpay_amt"], "overlmt_selfpay": split["overlmt_selfpay"],
                "preselfpay_amt": number(split["preselfpay_amt"]), "inscp_scp_amt": number(split["inscp_scp_amt"]),
                "act_pay_dedc": dedc, "hifp_pay": pay, "pool_prop_selfpay": ratio, "fund_pay_sumamt": pay,
                "psn_part_amt": total - pay, "acct_pay": Decimal("0"), "psn_cash_pay": total - pay,
                "balc": "", "acct_mulaid_pay": ""}
        if setl_id:
            info["setl_id"] = setl_id
        detail = [{"fund_pay_type": "310100", "fund_payamt": pay, "fund_pay_type_name": "统筹基金",
                   "setl_proc_info": "普通门诊统筹"}] if pay else []
        return {"setlinfo": info, "setldetail": detail}


def encode(obj) -> bytes:
    def conv(o):
        if isinstance(o, Decimal):
            return int(o) if o == o.to_integral_value() else str(o)   # whole yuan as JSON numbers, else numeric text
        raise TypeError(type(o).__name__)
    return json.dumps(obj, default=conv, ensure_ascii=False).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY the body waits for the client's
    # delayed ACK (about 40 ms a request on Linux), as in conform/fixtures/sample_system/server.py.
    disable_nagle_algorithm = True
    vendor = Vendor()

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = json.loads(body, parse_float=Decimal)
        base = {"inf_refmsgid": env.get("msgid", ""), "refmsg_time": f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}"}
        try:
            with self.vendor.lock:
                out = {"infcode": 0, "err_msg": "", **base, "output": self.vendor.answer(env)}
        except (ValueError, KeyError) as e:
            out = {"infcode": -1, "err_msg": str(e), **base}
        data = encode(out)
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


CONFIG = """[adapter]
url = "{url}"
profile = "platform"

[adapter.platform]
recer_sys_code = "VENDOR"
fixmedins_code = "VH3"
sign_in = true
transactions = ["9001", "2201", "2203", "2204", "2206", "2207", "2208", "5206"]
hooks = []

[adapter.platform.facilities]
tertiary = {{ fixmedins_code = "VH3" }}
secondary = {{ fixmedins_code = "VH2" }}
primary = {{ fixmedins_code = "VH1" }}
unrated = {{ fixmedins_code = "VH0" }}
pharmacy = {{ fixmedins_code = "VRX" }}

[adapter.platform.cum_type_code]
"Q0000" = "ordinary_dedc"
"Q0001" = "ordinary_pay"

[[adapter.platform.catalogue]]
med_list_codg = "A001"
kind = "covered"

[[adapter.platform.catalogue]]
med_list_codg = "C001"
kind = "selfpay"

[[adapter.platform.catalogue]]
med_list_codg = "L001"
kind = "over_limit"
pric_uplmt_amt = "0.50"

[[adapter.platform.catalogue]]
med_list_codg = "B010"
kind = "preselfpay"
selfpay_prop = "0.10"

[[adapter.platform.catalogue]]
med_list_codg = "B100"
kind = "preselfpay"
selfpay_prop = "1"

[[adapter.platform.pool]]
psn_no = "V1101A"
policy = "panzhihua"
psn_type = "1101"
mdtrt_cert_no = "IDV1101A"

[[adapter.platform.pool]]
psn_no = "V1101B"
policy = "panzhihua"
psn_type = "1101"
mdtrt_cert_no = "IDV1101B"

[[adapter.platform.pool]]
psn_no = "V1201A"
policy = "panzhihua"
psn_type = "1201"
mdtrt_cert_no = "IDV1201A"
"""


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", type=Path)
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.port_file:
        tmp = args.port_file.with_name(args.port_file.name + ".tmp")
        tmp.write_text(str(server.server_address[1]))
        os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
