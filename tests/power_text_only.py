"""A settlement system written from the texts alone: ordinary pooling as 攀枝花 第七条 and 南昌 四（二）1 read.

Used by tests/test_power_text_only.py to show the suite does not demand more than the text: it
shares no code with reference/ (the figures are re-typed here on purpose, as a vendor would type
them from the articles), and follows only the assumptions the docs publish (A-ROUND-FEN,
A-MIDYEAR-RETIREMENT, A-REVERSAL, A-YEAR-BY-SETTLEMENT-DATE, A-PZH-UNRATED, A-NC-UNRATED,
A-NC-PHARMACY (the region's pharmacy ratio, +5 points for retirees), A-NC-RETIREE-DEDUCTIBLE, A-EMERGENCY-ORDINARY, A-PZH-FLEX-TIER2, A-BEFORE-VALIDITY,
A-SETTLE-ONCE).

    conform run --adapter python:power_text_only:TextOnlySystem   (with tests/ on sys.path)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

from conform.harness.adapters import Adapter, SettlementRefused, Subject

FEN = Decimal("0.01")
Z = Decimal("0.00")
REGIONS = Path(__file__).resolve().parent.parent / "conform" / "fixtures" / "regions"

# 攀枝花 第七条: 在职 起付线200元；三级和药店50%、二级及以下60%；限额1000元。退休 150元；55%、65%；1500元。
# 南昌 四（二）1: 起付线600元；一级及以下60%、二级55%、三级50%；限额1800元；退休比例+5个百分点、限额2000元。
TEXT = {
    "panzhihua": {"in_service": (Decimal(200), {"tertiary": "0.50", "pharmacy": "0.50", "secondary": "0.60",
                                                 "primary": "0.60", "unrated": "0.60"}, Decimal(1000)),
                  "retiree": (Decimal(150), {"tertiary": "0.55", "pharmacy": "0.55", "secondary": "0.65",
                                             "primary": "0.65", "unrated": "0.65"}, Decimal(1500))},
    # (南昌 四（四）: a pharmacy's ratio is not in the text; the region's, plus 5 points for retirees)
    "nanchang": {"in_service": (Decimal(600), {"primary": "0.60", "unrated": "0.60", "secondary": "0.55",
                                                "tertiary": "0.50"}, Decimal(1800)),
                 "retiree": (Decimal(600), {"primary": "0.65", "unrated": "0.65", "secondary": "0.60",
                                            "tertiary": "0.55"}, Decimal(2000))},
}
START = dt.date(2023, 1, 1)               # 攀枝花 第十九条；南昌 四（六）
PZH_END = dt.date(2027, 12, 31)           # 攀枝花 第十九条：有效期5年


def rnd(d: Decimal) -> Decimal:
    return d.quantize(FEN, rounding=ROUND_HALF_UP)


def s2(d: Decimal) -> str:
    return str(d.quantize(FEN))


@dataclass
class Year:
    dedc: Decimal = Z
    pay: Decimal = Z


@dataclass
class Person:
    subject: Subject
    years: dict[int, Year] = field(default_factory=dict)
    settled: dict[str, tuple[int, Decimal, Decimal, Decimal, dict]] = field(default_factory=dict)
    balance: Decimal | None = None


class TextOnlySystem(Adapter):
    name = "text-only"
    supports = frozenset({"prepare_person", "presettle", "settle", "reverse", "query_ytd"})
    description = "只按条文实现普通门诊统筹的结算系统（攀枝花 第七条、南昌 四（二）1）"

    def __init__(self, config=None):
        self.persons: dict[str, Person] = {}

    def prepare_person(self, subject: Subject) -> None:
        if subject.policy not in TEXT:
            raise SettlementRefused(f"本系统只实现攀枝花、南昌普通门诊统筹，不支持 {subject.policy}")
        p = subject.person
        years = {}
        if p.ytd is not None:
            years[p.ytd.year] = Year(p.ytd.ordinary_dedc, p.ytd.ordinary_pay)
        self.persons[p.psn_no] = Person(subject, years, {}, p.acct_balance)

    def _region_value(self, subject: Subject, key: str) -> Decimal | None:
        values = dict(subject.params or {})
        if subject.region:
            data = yaml.safe_load((REGIONS / f"{subject.region}.yaml").read_text(encoding="utf-8"))
            values = {**{str(k): str(v) for k, v in (data.get("values") or {}).items()}, **values}
        v = values.get(key)
        return Decimal(str(v)) if v is not None else None

    def _remote_ratio(self, subject: Subject) -> Decimal | None:
        return self._region_value(subject, "ordinary.ratio.remote_unfiled")

    def _compute(self, psn_no: str, s) -> tuple[dict, int, Decimal, Decimal, Decimal]:
        person = self.persons[psn_no]
        subj, p = person.subject, person.subject.person
        policy = subj.policy
        if s.med_type not in ("11", "13", "28", "41"):
            raise SettlementRefused(f"本系统只实现普通门诊统筹，不支持医疗类别 {s.med_type}")
        inscp = s.medfee_sumamt - s.fulamt_ownpay_amt - s.overlmt_selfpay - s.preselfpay_amt
        year = s.date.year
        ys = person.years.get(year, Year())
        role = "retiree" if (p.psn_type in ("1201", "1203") or (p.retire_date and s.date >= p.retire_date)) \
            else "in_service"
        deductible, ratios, cap = TEXT[policy][role]
        if s.facility in ratios:
            ratio = Decimal(ratios[s.facility])
        else:  # 南昌 四（四）支持外配处方在定点零售药店结算: the ratio is the region's; 四（二）1 退休提高5个百分点
            r = self._region_value(subj, "ordinary.ratio.in_service.pharmacy")
            if r is None and s.date >= START:
                raise SettlementRefused("定点零售药店的比例起草说明未规定，缺少地区参数 ordinary.ratio.in_service.pharmacy")
            ratio = Z if r is None else r + (Decimal("0.05") if role == "retiree" else Z)
        paid = True
        if s.date < START:
            if policy == "nanchang":  # 南昌 一：此前普通门诊费用由个人账户支付
                paid, ratio = False, Z
            else:
                raise SettlementRefused("攀枝花细则2023年1月1日起实施，此前的规则不在细则中")
        if policy == "panzhihua":
            if s.date > PZH_END:
                raise SettlementRefused("攀枝花细则有效期至2027年12月31日")
            if s.exclusion is not None:  # 第八条
                paid, ratio = False, Z
            has_account = p.has_account
            if has_account is None:
                if p.psn_type in ("1103", "1203") and p.flex_tier is None:
                    raise SettlementRefused("灵活就业人员须说明一档或二档（第四条、第七条）")
                has_account = not (p.psn_type in ("1103", "1203") and p.flex_tier == 2)
            if not has_account or (p.benefit_period and not (p.benefit_period.begin <= s.date <= p.benefit_period.end)):
                paid, ratio = False, Z  # 第七条：建立了个人账户且在待遇享受期内
            if paid and s.remote and not p.remote_filing:
                r = self._remote_ratio(subj)
                if r is None:
                    raise SettlementRefused("未办理异地备案在市外就医：细则未规定待遇，缺少参数 ordinary.ratio.remote_unfiled")
                ratio = r
        dedc = pay = Z
        if paid:
            dedc = min(inscp, max(deductible - ys.dedc, Z))
            pay = min(rnd((inscp - dedc) * ratio), max(cap - ys.pay, Z))
        psn_part = s.medfee_sumamt - pay
        acct = Z
        if s.acct_used_flag and person.balance is not None and person.balance > 0 and psn_part > 0:
            acct = min(psn_part, person.balance)
        out = {"setl_id": f"TX-{psn_no}-{s.id}", "medfee_sumamt": s2(s.medfee_sumamt), "inscp_scp_amt": s2(inscp),
               "act_pay_dedc": s2(dedc), "hifp_pay": s2(pay), "pool_prop_selfpay": str(ratio.quantize(Decimal("0.0001"))),
               "fund_pay_sumamt": s2(pay), "psn_part_amt": s2(psn_part), "acct_pay": s2(acct),
               "psn_cash_pay": s2(psn_part - acct), "ordinary_pay": s2(pay), "chronic_pay": "0.00",
               "inpatient_pay": "0.00"}
        if person.balance is not None:
            out["balc"] = s2(person.balance - acct)
        return out, year, dedc, pay, acct

    def presettle(self, psn_no: str, settlement) -> dict:
        return self._compute(psn_no, settlement)[0]

    def settle(self, psn_no: str, settlement) -> dict:
        person = self.persons[psn_no]
        if settlement.id in person.settled:  # A-SETTLE-ONCE: a repeated 2207 answers the settlement it already made
            return person.settled[settlement.id][4]
        out, year, dedc, pay, acct = self._compute(psn_no, settlement)
        ys = person.years.setdefault(year, Year())
        ys.dedc += dedc
        ys.pay += pay
        if person.balance is not None:
            person.balance -= acct
        person.settled[settlement.id] = (year, dedc, pay, acct, out)
        return out

    def reverse(self, psn_no: str, setl_id: str) -> dict:
        person = self.persons[psn_no]
        if setl_id not in person.settled:
            raise SettlementRefused(f"没有结算 {setl_id}")
        year, dedc, pay, acct, out = person.settled.pop(setl_id)
        ys = person.years[year]  # A-REVERSAL: the settlement's own year
        ys.dedc -= dedc
        ys.pay -= pay
        if person.balance is not None:
            person.balance += acct
        neg = {k: s2(-Decimal(v)) for k, v in out.items() if k not in ("setl_id", "pool_prop_selfpay", "balc")}
        return {**neg, "setl_id": f"{out['setl_id']}-R", "pool_prop_selfpay": out["pool_prop_selfpay"]}

    def query_ytd(self, psn_no: str, year: int) -> dict:
        person = self.persons[psn_no]
        ys = person.years.get(year, Year())
        out = {"year": year, "ordinary_dedc": s2(ys.dedc), "ordinary_pay": s2(ys.pay), "inpatient_pay": "0.00",
               "special_dedc": "0.00", "chronic_dedc": {}, "chronic_pay": {}}
        if person.balance is not None:
            out["acct_balance"] = s2(person.balance)
        return out
