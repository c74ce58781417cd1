"""The platform profile's messages: requests as the national platform writes them, answers read back.

Shapes follow what public HIS integrations send and receive for the national
medical insurance platform (国家医疗保障信息平台); docs/connect-your-system.md
cites the code they were checked against. Amounts go out as JSON numbers with
two decimals; answers may give them as numbers or strings and are read exactly
(`amounts`). `READS` lists every answer field the reader uses: a test checks
each is described in docs/openapi.yaml, so the reader and the description
cannot drift apart.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from conform.reference.case import Settlement

from ... import evidence
from ..base import ROUTE_SPLIT, SETLINFO_AMOUNTS, SPLIT_UNREPORTED
from ..wire import WireError, got
from . import amounts
from .config import PlatformConfig
from .fees import FeeLine

INSUTYPE_EMPLOYEE = "310"   # 职工基本医疗保险
RATIO = Decimal("0.0001")
ZERO = Decimal("0.00")


# setlinfo figures the platform's own setlinfo leaves optional (实际支付起付线, 个人负担总金额: 是否必填 blank): an
# answer without one is no error; the figure is left out of what the adapter reports, as `balc` and the route
# split are when a system does not give them.
SETLINFO_OPTIONAL = ("act_pay_dedc", "psn_part_amt")
# The visit's split 2207 carries (each 数值型 16,2, required), copied from the 2206 answer's setlinfo by a HIS.
SETTLE_PARTS = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")
# Answers whose `output` the harness reads nothing from (2203 就诊信息上传 has no 输出 in the national spec; T001 is a
# test hook answering any object): infcode 0 with output null, "" or absent is read as `{}` (PlatformTransport
# hands the http profile `{}` for them, which would call an absent output missing).
OUTPUT_UNREAD = ("2203", "2203A", "T001")
# Every field the reader takes from an answer, by the description's component that must describe it.
READS: dict[str, tuple[str, ...]] = {
    "PlatformSigninOutput.signinoutb": ("sign_no",),
    "Platform2201Output.data": ("mdtrt_id",),
    "Platform1101Output.insuinfo": ("insutype", "balc", "psn_insu_stas", "insuplc_admdvs"),
    "Platform1101Output.baseinfo": ("psn_no",),
    "Platform2204Result": ("feedetl_sn", "det_item_fee_sumamt", "fulamt_ownpay_amt", "overlmt_amt",
                           "preselfpay_amt", "inscp_scp_amt"),
    "PlatformSetlinfo": ("setl_id", *SETLINFO_AMOUNTS, "pool_prop_selfpay", "balc", *SETTLE_PARTS),
    "PlatformSetldetail": ("fund_pay_type", "fund_payamt", "setl_proc_info"),
    "PlatformCuminfo": ("year", "cum_ym", "cum_type_code", "cum"),
}


def now_text(d: dt.datetime | None = None) -> str:
    return f"{d or dt.datetime.now():%Y-%m-%d %H:%M:%S}"


# --------------------------------------------------------------------------- requests


def sign_in(cfg: PlatformConfig) -> dict:
    """9001 签到 input."""
    return {"signIn": {"opter_no": cfg.opter, "mac": cfg.mac, "ip": cfg.ip}}


def person_info(cert_no: str, cfg: PlatformConfig) -> dict:
    """1101 人员信息获取 input, by the person's 就诊凭证."""
    return {"data": {"mdtrt_cert_type": cfg.mdtrt_cert_type, "mdtrt_cert_no": cert_no, "card_sn": "",
                     "begntime": now_text(), "psn_cert_type": "", "certno": "", "psn_name": ""}}


# 1101 insuinfo 人员参保状态 psn_insu_stas: 1 正常参保 (2 暂停, 4 终止). `insuinfo` lists a person's 参保关系, some of
# them no longer in force (a 310 row ended by 转移接续 before the one in force: s29 probeP2 F1).
INSU_ACTIVE = "1"


def _row_said(row: dict) -> str:
    parts = [f"insutype {evidence.quote(row.get('insutype'), 20)}"]
    for name in ("psn_insu_stas", "insuplc_admdvs", "balc"):
        v = row.get(name)
        if v not in (None, ""):
            parts.append(f"{name} {_got(v) if isinstance(v, Decimal) else evidence.quote(v, 20)}")
    return " ".join(parts)


def read_balance(output: dict, insuplc: str = "", who: str = "") -> Decimal | None:
    """1101 `insuinfo[]`: the balc of the 职工医保 (insutype 310) 参保关系 in force — psn_insu_stas "1" where the row
    gives one, of the run's 参保地 `insuplc` where the row gives one — the personal account balance.

    None where that row leaves balc out. No such row is the exchange's error (`missing_field`, naming the rows that
    arrived), never a balance missing; two such rows with different balc are `malformed` (which is the balance
    cannot be told), as two 5206 rows of one code are."""
    rows = _list(output, "insuinfo", "output")
    usable = []
    for i, row in enumerate(rows):
        if str(row.get("insutype")) != INSUTYPE_EMPLOYEE:
            continue
        stas, place = row.get("psn_insu_stas"), row.get("insuplc_admdvs")
        if stas not in (None, "") and str(stas) != INSU_ACTIVE:
            continue
        if insuplc and place not in (None, "") and str(place) != insuplc:
            continue
        usable.append((i, row))
    if not usable:
        listed = "; ".join(_row_said(r) for r in rows[:6]) or "no rows"
        raise WireError("missing_field", "output.insuinfo",
                        f"lists no 职工基本医疗保险 (insutype 310) 参保关系 in force (psn_insu_stas 1)"
                        f"{' of 参保地 ' + insuplc if insuplc else ''}{' for ' + who if who else ''}, so there is no "
                        f"account balance to read; rows given: {listed} — check the pool entry (mdtrt_cert_no, "
                        f"insuplc_admdvs)")
    found = [(i, _amount(row, "balc", f"output.insuinfo[{i}]", required=False)) for i, row in usable]
    given = [(i, b) for i, b in found if b is not None]
    if len({b for _, b in given}) > 1:
        (i, a), (j, b) = given[0], next(x for x in given if x[1] != given[0][1])
        raise WireError("malformed", "output.insuinfo",
                        f"two 职工基本医疗保险 (310) 参保关系 in force give different balc: insuinfo[{i}] "
                        f"{amounts.text(a)} and insuinfo[{j}] {amounts.text(b)} (which is the balance cannot be told)")
    return given[0][1] if given else None


def read_person_no(output: dict) -> Any:
    """1101 `baseinfo.psn_no`, where the answer gives one (None otherwise): whom the answer is about."""
    base = output.get("baseinfo") if isinstance(output, dict) else None
    return base.get("psn_no") if isinstance(base, dict) else None


def register(psn_no: str, cert_no: str, begntime: str, cfg: PlatformConfig, otp_no: str) -> dict:
    """2201 门诊挂号 input: the system answers with its own mdtrt_id."""
    return {"data": {"psn_no": psn_no, "insutype": INSUTYPE_EMPLOYEE, "begntime": begntime,
                     "mdtrt_cert_type": cfg.mdtrt_cert_type, "mdtrt_cert_no": cert_no, "ipt_otp_no": otp_no,
                     "atddr_no": cfg.opter, "dr_name": cfg.opter_name, "dept_code": "A03", "dept_name": "内科",
                     "caty": "A03"}}


def visit_info(mdtrt_id: str, psn_no: str, med_type: str, begntime: str, dise_codg: str | None,
               cfg: PlatformConfig | None = None) -> dict:
    """2203 / 2203A 就诊信息上传 input (the two take the same): medical type, the disease (for 门诊慢特病) and the diagnosis.

    The platform marks 诊断名称 and 诊断医生 required, so none goes empty: an ordinary visit is diagnosed
    `diag_code`/`diag_name`, a 门诊慢特病 visit by its disease (its name from `[adapter.platform.dise_names]`, else
    the code), and the doctor is `dise_dor_no`/`dise_dor_name` (default: opter/opter_name, as 2201 and 2204)."""
    cfg = cfg or PlatformConfig()
    code = dise_codg or cfg.diag_code
    name = cfg.dise_names.get(dise_codg, dise_codg) if dise_codg else cfg.diag_name
    info: dict[str, Any] = {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": med_type, "begntime": begntime,
                            "main_cond_dscr": "", "dise_codg": dise_codg or "", "dise_name": name if dise_codg else ""}
    diag = {"diag_type": "1", "diag_srt_no": "1", "diag_code": code, "diag_name": name,
            "diag_dept": "内科", "dise_dor_no": cfg.dise_dor_no or cfg.opter,
            "dise_dor_name": cfg.dise_dor_name or cfg.opter_name, "diag_time": begntime, "vali_flag": "1"}
    return {"mdtrtinfo": info, "diseinfo": [diag]}


def fee_details(lines: list[FeeLine], mdtrt_id: str, psn_no: str, chrg_bchno: str, dise_codg: str | None,
                fee_time: str, cfg: PlatformConfig) -> dict:
    """2204 门诊费用明细信息上传 input: one line per composed fee (cnt 1, pric = amount).

    The 开单医生 bilg_dr_codg/bilg_dr_name are the visit's doctor of 2201 (atddr_no/dr_name: the configured
    opter/opter_name), never empty: the platform marks them required."""
    rows = []
    for ln in lines:
        rows.append({"feedetl_sn": ln.feedetl_sn, "mdtrt_id": mdtrt_id, "psn_no": psn_no, "chrg_bchno": chrg_bchno,
                     "dise_codg": dise_codg or "", "rxno": "", "rx_circ_flag": "0", "fee_ocur_time": fee_time,
                     "med_list_codg": ln.item.med_list_codg, "medins_list_codg": ln.item.med_list_codg,
                     "det_item_fee_sumamt": amounts.wire(ln.amount), "cnt": Decimal("1"),
                     "pric": amounts.wire(ln.amount), "sin_dos_dscr": "", "used_frqu_dscr": "", "prd_days": Decimal("1"),
                     "medc_way_dscr": "", "bilg_dept_codg": "A03", "bilg_dept_name": "内科", "bilg_dr_codg": cfg.opter,
                     "bilg_dr_name": cfg.opter_name, "hosp_appr_flag": "1"})
    return {"feedetail": rows}


def scenario_parts(s: Settlement) -> dict[str, Decimal]:
    """The visit's split as the scenario states it: 全自费, 超限价, 先行自付 and the policy scope left."""
    return {"fulamt_ownpay_amt": s.fulamt_ownpay_amt, "overlmt_selfpay": s.overlmt_selfpay,
            "preselfpay_amt": s.preselfpay_amt,
            "inscp_scp_amt": s.medfee_sumamt - s.fulamt_ownpay_amt - s.overlmt_selfpay - s.preselfpay_amt}


def line_parts(lines: list[FeeLine]) -> dict[str, Decimal]:
    """The split the composed 2204 lines were built to yield, summed (超限价 overlmt_amt → overlmt_selfpay)."""
    return {"fulamt_ownpay_amt": sum((ln.fulamt_ownpay_amt for ln in lines), ZERO),
            "overlmt_selfpay": sum((ln.overlmt_amt for ln in lines), ZERO),
            "preselfpay_amt": sum((ln.preselfpay_amt for ln in lines), ZERO),
            "inscp_scp_amt": sum((ln.inscp_scp_amt for ln in lines), ZERO)}


def settle(s: Settlement, psn_no: str, cert_no: str, mdtrt_id: str, chrg_bchno: str | None, med_type: str,
           cfg: PlatformConfig, setl_time: str | None, parts: dict[str, Decimal] | None = None) -> dict:
    """2206/2207 input. Without 2201–2204 (`itemised` false) the totals and parts travel here instead.

    `parts` (2207 only): fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt, which the
    platform requires in 2207 and a HIS copies from the 2206 answer's setlinfo; with them an empty invono."""
    data: dict[str, Any] = {"psn_no": psn_no, "mdtrt_cert_type": cfg.mdtrt_cert_type, "mdtrt_cert_no": cert_no,
                            "med_type": med_type, "medfee_sumamt": amounts.wire(s.medfee_sumamt),
                            "psn_setlway": cfg.psn_setlway, "mdtrt_id": mdtrt_id, "chrg_bchno": chrg_bchno or "",
                            "acct_used_flag": "1" if s.acct_used_flag else "0", "insutype": INSUTYPE_EMPLOYEE}
    if not cfg.itemised:
        data.update({"fulamt_ownpay_amt": amounts.wire(s.fulamt_ownpay_amt),
                     "overlmt_selfpay": amounts.wire(s.overlmt_selfpay),
                     "preselfpay_amt": amounts.wire(s.preselfpay_amt), "dise_codg": s.dise_codg or ""})
    if parts is not None:
        data["invono"] = ""                  # 发票号: none in a test
        data.update({k: amounts.wire(parts[k]) for k in SETTLE_PARTS})
    if setl_time is not None:
        data["setl_time"] = setl_time        # test hook settle_as_of
    if s.exclusion is not None:
        data["exclusion"] = s.exclusion      # test hook exclusion
    return {"data": data}


def reverse(psn_no: str, setl_id: str, mdtrt_id: str) -> dict:
    """2208 门诊结算撤销 input."""
    return {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no}}


def cum_query(psn_no: str, cum_ym: str) -> dict:
    """5206 人员累计信息查询 input."""
    return {"data": {"psn_no": psn_no, "cum_ym": cum_ym}}


# --------------------------------------------------------------------------- answers


def _got(v: Any) -> str:
    """A wrong value as a message says it: a number (decoded as Decimal) by its exact digits, "the number -0.5000"
    (wire.got would say "Decimal Decimal('-0.5000')"); anything else as wire.got says it."""
    if isinstance(v, Decimal):
        return "the number " + evidence.shorten(format(v, "f"), 60, "…")
    return got(v)


def _amount(obj: dict, name: str, path: str, required: bool = True) -> Decimal | None:
    """An amount of the answer; an optional one that is absent or "" (how real answers leave an amount unset) is None."""
    v = obj.get(name)
    if v is None or (v == "" and not required):
        if required:
            raise WireError("missing_field", f"{path}.{name}", "missing")
        return None
    d = amounts.amount(v)
    if d is None:
        exact = amounts.exact(v)
        if exact is not None and exact.adjusted() >= 14:  # its decimals are fine; no fen of it fits 数值型(16,2)
            raise WireError("wrong_type", f"{path}.{name}",
                            f"a number of {exact.adjusted() + 1} digits before the point, too large for an amount "
                            f"(the platform's amounts are 数值型 16,2), got {_got(v)}")
        raise WireError("wrong_type", f"{path}.{name}",
                        f"expected an amount (a JSON number or numeric text) with at most two decimals, "
                        f"got {_got(v)}")
    return d


# The national spec's 2208 output (【2208】门诊结算撤销, 输出 setlinfo, field 26 个人现金支出) spells the field
# pdn_cash_pay, and the platform's JSON carries that spelling (the HIS models docs/connect-your-system.md §8.7 cites:
# openhis Output_2208.cs, TeaHZ/185 T2208.cs); 2206/2207 spell it psn_cash_pay. A 2208 may give either.
CASH_2208 = "pdn_cash_pay"


def spell_cash(infno: str, output: Any) -> Any:
    """A 2208 answer's 个人现金支出 given as pdn_cash_pay, put where the reader and the description read it
    (setlinfo.psn_cash_pay); both given, they must be the same amount. Neither given is missing, naming both."""
    info = output.get("setlinfo") if isinstance(output, dict) else None
    if infno != "2208" or not isinstance(info, dict):
        return output
    path = "output.setlinfo"
    if CASH_2208 not in info:
        if "psn_cash_pay" not in info:
            raise WireError("missing_field", f"{path}.psn_cash_pay",
                            f"missing (个人现金支出: 2208 may name it {CASH_2208}, as the national spec does, or "
                            f"psn_cash_pay; the answer gives neither)")
        return output
    cash = _amount(info, CASH_2208, path)
    if "psn_cash_pay" in info:
        other = _amount(info, "psn_cash_pay", path)
        if other != cash:
            raise WireError("malformed", f"{path}.{CASH_2208}",
                            f"the answer gives 个人现金支出 twice, different: {CASH_2208} {amounts.text(cash)} and "
                            f"psn_cash_pay {amounts.text(other)}")
        return output
    return {**output, "setlinfo": {**info, "psn_cash_pay": info[CASH_2208]}}


def _obj(parent: Any, name: str, path: str) -> dict:
    v = parent.get(name) if isinstance(parent, dict) else None
    if v is None:
        raise WireError("missing_field", f"{path}.{name}", "missing")
    if not isinstance(v, dict):
        raise WireError("wrong_type", f"{path}.{name}", f"expected an object, got {type(v).__name__}")
    return v


def _list(parent: dict, name: str, path: str, required: bool = True) -> list:
    v = parent.get(name)
    if v is None:
        if required:
            raise WireError("missing_field", f"{path}.{name}", "missing")
        return []
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise WireError("wrong_type", f"{path}.{name}", "expected a list of objects")
    return v


def _text(obj: dict, name: str, path: str) -> str:
    v = obj.get(name)
    if v is None:
        raise WireError("missing_field", f"{path}.{name}", "missing")
    if isinstance(v, bool) or not isinstance(v, (str, int)) or str(v) == "":
        raise WireError("wrong_type", f"{path}.{name}", f"expected non-empty text, got {type(v).__name__} {evidence.quote(v, 150)}")
    return str(v)


def read_sign_no(output: dict) -> str:
    return _text(_obj(output, "signinoutb", "output"), "sign_no", "output.signinoutb")


def read_mdtrt_id(output: dict) -> str:
    return _text(_obj(output, "data", "output"), "mdtrt_id", "output.data")


# 2204 result parts the platform leaves optional (数值型 16,2 without 必填; only det_item_fee_sumamt of the amounts is
# required): a row that leaves one out (or gives it as "" or null) derived 0.00 of it, as a HIS reads it.
FEE_PARTS_ZERO_IF_ABSENT = ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt")


def read_fee_results(output: dict) -> dict[str, dict[str, Decimal | None]]:
    """2204 `result[]` by feedetl_sn: the line's amount and the parts the system derived.

    A FEE_PARTS_ZERO_IF_ABSENT part absent, null or "" is 0.00; inscp_scp_amt absent is None (not checked)."""
    out = {}
    for i, row in enumerate(_list(output, "result", "output")):
        path = f"output.result[{i}]"
        sn = _text(row, "feedetl_sn", path)
        parts: dict[str, Decimal | None] = {"det_item_fee_sumamt": _amount(row, "det_item_fee_sumamt", path)}
        for name in FEE_PARTS_ZERO_IF_ABSENT:
            value = _amount(row, name, path, required=False)
            parts[name] = ZERO if value is None else value
        parts["inscp_scp_amt"] = _amount(row, "inscp_scp_amt", path, required=False)
        out[sn] = parts
    return out


def _route(code: str, row: dict, med_type: str, cfg: PlatformConfig, rpath: str) -> tuple[str | None, str]:
    """The route `[adapter.platform.fund_pay_type]` gives a setldetail row, or None with why it cannot be told: a code
    routed `by = "setl_proc_info"` whose row gives no setl_proc_info (optional, free text) or one containing none of
    the listed words, or routed `by = "med_type"` whose map does not list the visit's med_type (the code sent, per
    disease kind where [adapter.platform.med_type] gives one: PlatformConfig.med_type_code). A code not listed is
    "other" (docs/connect-your-system.md §8.3)."""
    rule = cfg.fund_pay_type.get(code)
    if rule is None:
        return "other", ""
    if rule.route is not None:
        return rule.route, ""
    key_ = f'[adapter.platform.fund_pay_type] "{evidence.shorten(code, 40)}"'
    if rule.by == "med_type":
        if med_type in rule.table:
            return rule.table[med_type], ""
        return None, (f'{key_} routes by med_type, and its map does not list this visit\'s med_type '
                      f'{evidence.quote(med_type, 20)}')
    info = row.get("setl_proc_info")
    words = "、".join(evidence.shorten(w, 40) for w in rule.table)
    if info is None or (isinstance(info, str) and not info.strip()):
        return None, (f"{rpath} gives no setl_proc_info (optional; {key_} routes by the words it contains: "
                      f"{words})")
    key = str(info)
    for word, route in rule.table.items():   # setl_proc_info: the first listed word it contains
        if word in key:
            return route, ""
    return None, (f"{rpath}.setl_proc_info {evidence.quote(key, 60)} contains none of the words {key_} routes by "
                  f"({words})")


def read_parts(output: dict) -> dict[str, Decimal]:
    """The split a 2206 answer's setlinfo gives (those of SETTLE_PARTS it gives), for the 2207 to carry."""
    info = _obj(output, "setlinfo", "output")
    got = {name: _amount(info, name, "output.setlinfo", required=False) for name in SETTLE_PARTS}
    return {k: v for k, v in got.items() if v is not None}


def _ratio(obj: dict, name: str, path: str) -> Decimal:
    """A ratio between 0 and 1 with at most four decimals (the platform's 数值型 5,4), never rounded here."""
    v = obj.get(name)
    if v is None:
        raise WireError("missing_field", f"{path}.{name}", "missing")
    ratio = amounts.exact(v)
    if ratio is None or not 0 <= ratio <= 1 or ratio != ratio.quantize(RATIO):
        raise WireError("wrong_type", f"{path}.{name}",
                        f"expected a ratio between 0 and 1 with at most four decimals, got {_got(v)}")
    return ratio


def read_settlement(output: dict, infno: str, med_type: str, cfg: PlatformConfig) -> dict:
    """2206/2207/2208 `setlinfo` + `setldetail` → the harness's settlement fields (amounts as text).

    ordinary_pay / chronic_pay / inpatient_pay are the setldetail rows' fund_payamt summed by the
    route `[adapter.platform.fund_pay_type]` gives their fund_pay_type; where the answer does not tell them
    (_route_split) they are left out, and SPLIT_UNREPORTED says why. A SETLINFO_OPTIONAL figure
    the answer leaves out (or gives as "") is left out here too: the checks get no figure for it."""
    info = _obj(output, "setlinfo", "output")
    path = "output.setlinfo"
    out: dict[str, Any] = {}
    if infno != "2206":
        out["setl_id"] = _text(info, "setl_id", path)
    for name in SETLINFO_AMOUNTS:
        value = _amount(info, name, path, required=name not in SETLINFO_OPTIONAL)
        if value is not None:
            out[name] = amounts.text(value)
    out["pool_prop_selfpay"] = f"{_ratio(info, 'pool_prop_selfpay', path):.4f}"
    balc = _amount(info, "balc", path, required=False)
    if balc is not None:
        out["balc"] = amounts.text(balc)
    out.update(_route_split(output, infno, med_type, cfg, _amount(info, "hifp_pay", path)))
    return out


def _route_split(output: dict, infno: str, med_type: str, cfg: PlatformConfig, hifp_pay: Decimal | None) -> dict:
    """ordinary_pay / chronic_pay / inpatient_pay from the setldetail rows, or, where the answer does not tell them,
    none of the three and SPLIT_UNREPORTED saying why (the checks then treat the split as not reported, as the http
    profile's answer leaving it out: a scenario naming one is 不适用, never "实际 0.00"). Not told: no setldetail
    (optional) while hifp_pay is not 0; a row with an amount whose route cannot be told (_route); or rows of codes
    the configuration does not list holding an amount while the routed rows do not add up to hifp_pay (all routes
    together), so the pooling may be in those rows."""
    routes = {name: ZERO for name in ROUTE_SPLIT}
    rows = _list(output, "setldetail", "output", required=False)
    unknown, unmapped = [], []
    for i, row in enumerate(rows):
        rpath = f"output.setldetail[{i}]"
        code = _text(row, "fund_pay_type", rpath)
        pay = _amount(row, "fund_payamt", rpath)  # required: a row without it is refused there, never None here
        route, why = _route(code, row, med_type, cfg, rpath)
        if route is None:
            if pay != 0:
                unknown.append(f"{why}, fund_payamt {amounts.text(pay)}")
        elif route in routes:
            routes[route] += pay  # type: ignore[operator]
        elif code not in cfg.fund_pay_type and pay != 0:
            unmapped.append(f"fund_pay_type {evidence.quote(code, 40)} ({rpath}, fund_payamt {amounts.text(pay)})")
    routed = sum(routes.values(), ZERO)
    why = ""
    if unknown:
        why = "; ".join(unknown)
    elif not rows and hifp_pay:
        why = (f"the {infno} answer gives no setldetail rows (setldetail is optional), so its hifp_pay "
               f"{amounts.text(hifp_pay)} cannot be split by route")
    elif unmapped and hifp_pay is not None and routed != hifp_pay:
        why = (f"{'; '.join(unmapped)} not in [adapter.platform.fund_pay_type] (a code not listed counts as other): "
               f"the rows routed to the pooling add up to {amounts.text(routed)}, hifp_pay is "
               f"{amounts.text(hifp_pay)}; list the code with its route")
    if why:
        return {SPLIT_UNREPORTED: evidence.shorten(why, 600, "…")}
    return {k: amounts.text(v) for k, v in routes.items()}


def fund_rows_total(output: dict, med_type: str, cfg: PlatformConfig) -> tuple[Decimal, Decimal] | None:
    """(Σ fund_payamt of the setldetail rows that are no personal-account row, setlinfo.fund_pay_sumamt): the fund
    rows must add up to the fund's total (基金支付总额 is every fund but the account), a row of a code not listed
    (`other`) included — an `other` row is money a fund paid, not nothing (s28 probeH4 F4). None where the answer
    gives no rows, or a row's route cannot be told (it may be the account's). Read after read_settlement, which
    has refused a row or figure of the wrong shape."""
    rows = output.get("setldetail") if isinstance(output, dict) else None
    info = output.get("setlinfo") if isinstance(output, dict) else None
    if not rows or not isinstance(info, dict):
        return None
    total = ZERO
    for i, row in enumerate(rows):
        route, _ = _route(_text(row, "fund_pay_type", f"output.setldetail[{i}]"), row, med_type, cfg,
                          f"output.setldetail[{i}]")
        if route is None:
            return None
        if route != "account":
            total += _amount(row, "fund_payamt", f"output.setldetail[{i}]")  # type: ignore[operator]
    fund = _amount(info, "fund_pay_sumamt", "output.setlinfo")
    # a platform listing the hospital's share (医院负担, hosp_part_amt: no fund's money, beside fund_pay_sumamt) as a row
    # of its own adds up to both: the rows are then whole, not another settlement's
    hosp = _amount(info, "hosp_part_amt", "output.setlinfo", required=False) if info.get("hosp_part_amt") else None
    if hosp and total == fund + hosp:  # type: ignore[operator]
        return total, total
    return total, fund  # type: ignore[return-value]


def read_cuminfo(output: dict, year: int, cfg: PlatformConfig, cum_ym: str | None = None) -> dict:
    """5206 `cuminfo[]` rows of the year → the harness's totals through `[adapter.platform.cum_type_code]`.

    cum_rows = "total": each row holds the year's total to its cum_ym (the latest cum_ym wins);
    "monthly": each row holds one month, and the year's rows are added up. A mapped code ending
    in * stands for a family: "MTB-PAY-*" = "chronic_pay" reads row MTB-PAY-M00500 as chronic_pay of
    M00500 (and MTB-PAY-* itself, with dise_codg "*", as the cap all diseases share).

    Only the 职工基本医疗保险 rows count (insutype 310, as read_balance reads 1101): a platform lists every
    insurance type the person has, and a 320/390… row with the same cum_type_code is another fund's total.
    A row without insutype (optional in docs/openapi.yaml) is read as before.

    year and cum_ym are optional too (docs/openapi.yaml): the answer is to a query naming the month (`cum_ym`, the
    query's; default December of `year`), so a row giving neither is of that query: of the year asked and, for
    "total", its total up to the month asked (never dropped, which read a right total as 0.00). A row giving only
    year counts as of the month asked when that is the year asked. Either may be text or a JSON number."""
    asked_ym = cum_ym or f"{year}12"
    rows = _list(output, "cuminfo", "output")
    best: dict[str, tuple[str, Decimal]] = {}
    sums: dict[str, Decimal] = {}
    seen: dict[tuple[str, str], tuple[str, Decimal]] = {}   # (code, cum_ym) → its first row's path and cum
    for i, row in enumerate(rows):
        path = f"output.cuminfo[{i}]"
        insutype = row.get("insutype")
        if insutype not in (None, "") and str(insutype) != INSUTYPE_EMPLOYEE:
            continue
        code = _text(row, "cum_type_code", path)
        cum = _amount(row, "cum", path)
        assert cum is not None
        ym = str(row.get("cum_ym") or "")
        row_year = str(row.get("year") or ym[:4] or year)
        if row_year != str(year):
            continue
        ym = ym or asked_ym
        # two rows of one code for one month: which holds the figure cannot be told (or, "monthly", it would be
        # counted twice), so the answer is refused naming both rather than one picked silently (s28 probeH4 F5)
        first = seen.get((code, ym))
        if first is not None and (first[1] != cum or cfg.cum_rows == "monthly"):
            raise WireError("malformed", f"{path}.cum_type_code",
                            f"two rows of cum_type_code {evidence.quote(code, 40)} for cum_ym {evidence.quote(ym, 20)}: "
                            f"{first[0]} cum {amounts.text(first[1])} and {path} cum {amounts.text(cum)} (one row per "
                            f"code and month)")
        seen.setdefault((code, ym), (path, cum))
        sums[code] = sums.get(code, Decimal("0.00")) + cum
        if code not in best or ym >= best[code][0]:
            best[code] = (ym, cum)
    values = sums if cfg.cum_rows == "monthly" else {k: v for k, (_, v) in best.items()}
    out: dict[str, Any] = {"year": year, "ordinary_dedc": "0.00", "ordinary_pay": "0.00", "inpatient_pay": "0.00",
                           "special_dedc": "0.00", "chronic_dedc": {}, "chronic_pay": {}}
    for code, target in cfg.cum_type_code.items():
        if code.endswith("*"):   # a family of codes: the rest of each code is the dise_codg
            for found, value in sorted(values.items()):
                if found.startswith(code[:-1]) and len(found) > len(code) - 1:
                    out[target][found[len(code) - 1:]] = amounts.text(value)
            continue
        v = amounts.text(values.get(code, Decimal("0.00")))
        if ":" in target:
            name, dise = target.split(":", 1)
            if code in values:
                out[name][dise] = v
        else:
            out[target] = v
    return out
