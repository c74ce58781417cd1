"""The wire form of the http protocol: persons, visits, credits and answers as JSON.

Field names are the national platform's where it has them (`psn_no`,
`psn_type`, `med_type`, `medfee_sumamt`, `dise_codg`, `acct_used_flag`,
`setl_id`, `hifp_pay`…); amounts travel as strings with two decimals, flags
as "1"/"0", dates as YYYY-MM-DD, so no float ever carries money. Both sides
use this module: the `http` adapter to build requests and check answers, the
sample system (conform/fixtures/sample_system) to read requests and write answers.
docs/connect-your-system.md and docs/openapi.yaml describe the same shapes.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from conform.reference.case import CreditRequest, Person, Settlement, UseRequest, parse_person, parse_settlement
from conform.reference.money import fmt

from .. import evidence

from .base import SETLINFO_FIELDS, Subject

INSUTYPE_EMPLOYEE = "310"  # 职工基本医疗保险
def admdvs(policy: str, region: str | None = None, params: dict | None = None) -> str:
    """The envelope's insuplc_admdvs (参保地医保区划) for a test person: the region file's own code where it gives
    one (湖州 330500 — what a real system keys its figures on), else the document's (浙江 330000)."""
    from conform.reference.policy import PolicyError, bind_cached, load_policy

    try:
        return bind_cached(policy, region, params).admdvs
    except PolicyError:  # the settlement will be refused with the reason; the envelope still names the document
        try:
            return load_policy(policy).admdvs
        except PolicyError:
            return ""

# Test-only transactions: not national ones; a vendor exposes them on a test system only.
TEST_ONLY = {"T001": "创建或重置测试参保人", "T002": "个人账户按月计入", "T003": "个人账户使用范围校验"}
TRANSACTIONS = {"2206": "门诊预结算", "2207": "门诊结算", "2208": "门诊结算撤销", "5206": "人员年度累计信息查询",
                **TEST_ONLY}

SETTLEMENT_REQUIRED = ("setl_id", *SETLINFO_FIELDS)
SETTLEMENT_OPTIONAL = ("ordinary_pay", "chronic_pay", "inpatient_pay", "balc")
CUMINFO_REQUIRED = ("ordinary_dedc", "ordinary_pay", "inpatient_pay", "special_dedc")
USE_DECISIONS = ("allowed", "refused", "undetermined")


class WireError(ValueError):
    """An answer that does not have the protocol's shape: kind is missing_field or wrong_type."""

    def __init__(self, kind: str, path: str, message: str):
        self.kind, self.path = kind, path
        super().__init__(f"{path}: {message}")


# --------------------------------------------------------------------------- small codecs


def _flag(v: bool) -> str:
    return "1" if v else "0"


def _date(d: dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


# --------------------------------------------------------------------------- requests (client side)


def person_to_wire(subject: Subject) -> dict:
    """T001 input: the rules to settle under and the test person with everything known about them."""
    p: Person = subject.person
    person = _drop_none({
        "psn_no": p.psn_no,
        "psn_type": p.psn_type,
        "birth_date": _date(p.birth_date),
        "flex_tier": str(p.flex_tier) if p.flex_tier is not None else None,
        "has_account": _flag(p.has_account) if p.has_account is not None else None,
        "retire_date": _date(p.retire_date),
        "benefit_period": ({"begin": p.benefit_period.begin.isoformat(), "end": p.benefit_period.end.isoformat()}
                           if p.benefit_period is not None else None),
        "remote_filing": _flag(p.remote_filing),
        "acct_balance": fmt(p.acct_balance) if p.acct_balance is not None else None,
        "chronic_diseases": [_drop_none({"dise_codg": d.dise_codg, "kind": d.kind, "name": d.name or None})
                             for d in p.diseases] or None,
        "hospital_stays": [{"begin": s.begin.isoformat(), "end": s.end.isoformat()} for s in p.hospital_stays] or None,
    })
    if p.ytd is not None:
        y = p.ytd
        person["ytd"] = {"year": str(y.year), "ordinary_dedc": fmt(y.ordinary_dedc), "ordinary_pay": fmt(y.ordinary_pay),
                         "inpatient_pay": fmt(y.inpatient_pay), "special_dedc": fmt(y.special_dedc),
                         "chronic_dedc": {k: fmt(v) for k, v in y.chronic_dedc.items()},
                         "chronic_pay": {k: fmt(v) for k, v in y.chronic_pay.items()}}
    out: dict[str, Any] = {"policy": subject.policy, "person": person}
    if subject.region:
        out["region"] = subject.region
    if subject.params:
        out["params"] = {str(k): str(v) for k, v in subject.params.items()}
    return out


def settlement_to_wire(psn_no: str, s: Settlement) -> dict:
    """2206/2207 input `data`: one outpatient visit as the platform describes it."""
    return _drop_none({
        "psn_no": psn_no,
        "insutype": INSUTYPE_EMPLOYEE,
        "mdtrt_id": s.id,
        "setl_date": s.date.isoformat(),
        "med_type": s.med_type,
        "facility": s.facility,
        "medfee_sumamt": fmt(s.medfee_sumamt),
        "fulamt_ownpay_amt": fmt(s.fulamt_ownpay_amt),
        "overlmt_selfpay": fmt(s.overlmt_selfpay),
        "preselfpay_amt": fmt(s.preselfpay_amt),
        "dise_codg": s.dise_codg,
        "acct_used_flag": _flag(s.acct_used_flag),
        "remote_flag": _flag(s.remote),
        "exclusion": s.exclusion,
    })


def reversal_to_wire(psn_no: str, setl_id: str, mdtrt_id: str) -> dict:
    """2208 input `data`."""
    return {"psn_no": psn_no, "setl_id": setl_id, "mdtrt_id": mdtrt_id}


def ytd_query_to_wire(psn_no: str, year: int) -> dict:
    """5206 input `data`."""
    return {"psn_no": psn_no, "year": str(year)}


def credit_to_wire(psn_no: str, req: CreditRequest) -> dict:
    """T002 input `data`."""
    return _drop_none({"psn_no": psn_no, "month": req.month,
                       "base": fmt(req.base) if req.base is not None else None,
                       "contribution": fmt(req.contribution) if req.contribution is not None else None})


def use_to_wire(psn_no: str, relation: str, purpose: str, amount: str | None, date: dt.date | None = None) -> dict:
    """T003 input `data`; `date` (the day of the use) only when the scenario gives one."""
    return _drop_none({"psn_no": psn_no, "relation": relation, "purpose": purpose, "amount": amount,
                       "date": _date(date)})


# --------------------------------------------------------------------------- requests (server side)


def _mapping(data: Any, where: str) -> dict:
    from conform.reference.case import CaseError

    if not isinstance(data, dict):
        raise CaseError(f"expected a JSON object, got {type(data).__name__}", case=where)
    return data


def subject_from_wire(data: Any) -> Subject:
    """Read T001 input; bad input raises CaseError naming the field."""
    from conform.reference.case import CaseError

    data = _mapping(data, "T001 input")
    policy = data.get("policy")
    if not isinstance(policy, str):
        raise CaseError("missing or not text", case="T001 input", field="policy")
    params = data.get("params") or {}
    if not isinstance(params, dict):
        raise CaseError("expected an object of parameter to value", case="T001 input", field="params")
    person = parse_person(data.get("person"), "T001 input")
    return Subject(policy, person, data.get("region") or None, dict(params))


def settlement_from_wire(data: Any, person: Person) -> Settlement:
    """Read 2206/2207 `data` into the reference's Settlement; bad input raises CaseError."""
    data = dict(_mapping(data, "2207 input.data"))
    data.pop("psn_no", None)
    data.pop("insutype", None)
    fields: dict[str, Any] = {"id": data.pop("mdtrt_id", None), "date": data.pop("setl_date", None)}
    if "remote_flag" in data:
        fields["remote"] = data.pop("remote_flag")
    fields.update(data)
    s = parse_settlement(fields, "2207 input.data", 0, person)
    assert isinstance(s, Settlement)
    return s


def _text_in(data: dict, name: str, where: str, choices: dict | None = None) -> str:
    from conform.reference.case import CaseError

    v = data.get(name)
    if not isinstance(v, str) or not v:
        raise CaseError("missing or not text", case=where, field=name)
    if choices is not None and v not in choices:
        raise CaseError(f"unknown code {v[:50]!r}; expected one of {', '.join(choices)}", case=where, field=name)
    return v


def _amount_in(data: dict, name: str, where: str) -> Decimal | None:
    from conform.reference.case import CaseError
    from conform.reference.money import AmountError, parse_amount

    v = data.get(name)
    if v is None:
        return None
    try:
        return parse_amount(v)
    except AmountError as e:
        raise CaseError(str(e), case=where, field=name) from None


def _date_in(data: dict, name: str, where: str) -> dt.date | None:
    """An optional YYYY-MM-DD date; absent (or null) is None, anything else not a date raises CaseError."""
    from conform.reference.case import CaseError, parse_date

    v = data.get(name)
    if v is None:
        return None
    try:
        return parse_date(v)
    except ValueError as e:
        raise CaseError(str(e), case=where, field=name) from None


def credit_from_wire(data: Any) -> CreditRequest:
    """Read T002 input `data`; bad input raises CaseError naming the field."""
    from conform.reference.case import CaseError

    where = "T002 input.data"
    data = _mapping(data, where)
    month = _text_in(data, "month", where)
    try:
        dt.date.fromisoformat(f"{month}-01")
        if len(month) != 7:
            raise ValueError
    except ValueError:
        raise CaseError(f"not a month (YYYY-MM): {month!r}", case=where, field="month") from None
    return CreditRequest(month, _amount_in(data, "base", where), _amount_in(data, "contribution", where))


def use_from_wire(data: Any) -> UseRequest:
    """Read T003 input `data`; bad input raises CaseError naming the field."""
    from conform.reference.case import PURPOSES, RELATIONS

    where = "T003 input.data"
    data = _mapping(data, where)
    return UseRequest("use", _text_in(data, "relation", where, RELATIONS), _text_in(data, "purpose", where, PURPOSES),
                      _amount_in(data, "amount", where), _date_in(data, "date", where))


# --------------------------------------------------------------------------- answers (server side)


def setlinfo_from_output(out: dict, setl_id: str | None, psn_no: str, mdtrt_id: str, balance: Decimal | None) -> dict:
    """The reference engine's settlement output as 2206/2207/2208 `setlinfo` (all strings; no setl_id for 2206)."""
    info = {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no, "setl_time": f"{out['date']} 00:00:00"}
    if setl_id is None:
        del info["setl_id"]
    for name in (*SETLINFO_FIELDS, "ordinary_pay", "chronic_pay", "inpatient_pay"):
        info[name] = str(out[name])
    if balance is not None:
        info["balc"] = fmt(balance)
    return info


# --------------------------------------------------------------------------- answers (client side)


# The accepted amount text (docs/openapi.yaml): ASCII digits, at most two decimals, no exponent, no
# spaces; at most 13 integer digits (10^13 yuan is far beyond any settlement) so arithmetic stays bounded.
AMOUNT = re.compile(r"-?[0-9]{1,13}(?:\.[0-9]{1,2})?")
RATIO = re.compile(r"[0-9](?:\.[0-9]{1,8})?")
TEXT_LIMIT = 1000  # characters of an identifier or code in an answer (setl_id, clause …)


def _is_amount(v: Any) -> bool:
    return isinstance(v, str) and AMOUNT.fullmatch(v) is not None


def _short(v: Any) -> str:
    """A value as quoted in a message: masked, then its repr cut to 100 characters (evidence.quote)."""
    return evidence.quote(v, 100)


class BigNumber(str):
    """A JSON number too long (more digits than http.MAX_INT_DIGITS) or too large (1e999) for an answer to
    mean, kept as its text so nothing unbounded reaches int() or arithmetic; a message calls it a number,
    not the text it is held as."""

    def describe(self) -> str:
        digits = self.lstrip("-")
        if digits.isdigit():
            return f"a JSON number of {len(digits)} digits"
        return f"a JSON number too large to read ({_short(str(self))})"


class JsonNumber(Decimal):
    """A JSON number with a fraction or an exponent in an HTTP system's answer, read exactly (never through a binary
    float): a message quotes it as it was sent (115.50, not 115.5), and calls it a number, not Python's Decimal."""

    __slots__ = ("text",)

    def __new__(cls, text: str) -> JsonNumber:
        number = super().__new__(cls, text)
        number.text = text  # as written: 1.5e3 stays 1.5e3 (Decimal writes it 1.5E+3)
        return number

    def describe(self) -> str:
        return f"a JSON number {evidence.shorten(self.text, 100, '…')}"


def _digits(n: int) -> int:
    """The decimal digits of a Python int without str() (which refuses ints past 4300 digits)."""
    n = abs(n)
    d = max(1, int((n.bit_length() - 1) * 0.30102999566398120) + 1)
    return d + 1 if n >= 10 ** d else d


def got(v: Any) -> str:
    """What a wrong value was, as a message says it: its type and its (masked, bounded) value; a number too
    long to print by its count of digits. Never raises: the value may come from a plugin's own objects."""
    if isinstance(v, (BigNumber, JsonNumber)):
        return v.describe()
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 330:
        return f"an int of {_digits(v)} digits"
    try:
        return f"{type(v).__name__} {_short(v)}"
    except Exception:  # noqa: BLE001 - a plugin object whose repr fails is still named
        return f"{type(v).__name__} (whose repr fails)"


def nulls_absent(value: Any) -> Any:
    """An answer with every field given as JSON null left out: an optional field given as null is absent (both
    profiles, docs/connect-your-system.md §1 and §8.1); a required one so given is then missing. A null inside a list
    stays (it is no field). Depth is bounded by the decoder (http.parse_json, amounts.decode)."""
    if isinstance(value, dict):
        return {k: nulls_absent(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [nulls_absent(v) for v in value]
    return value


def _missing(obj: dict, name: str) -> str:
    """How a required field that has no value is said: left out, or given as JSON null."""
    return "missing (given as null; a required field needs a value)" if name in obj else "missing"


def _obj(parent: dict, name: str, path: str, required: bool = True) -> dict | None:
    v = parent.get(name)
    if v is None:
        if required:
            raise WireError("missing_field", f"{path}.{name}", _missing(parent, name))
        return None
    if not isinstance(v, dict):
        raise WireError("wrong_type", f"{path}.{name}", f"expected an object, got {got(v)}")
    return v


def _amount_field(obj: dict, name: str, path: str, required: bool) -> None:
    v = obj.get(name)
    if v is None:
        if required:
            raise WireError("missing_field", f"{path}.{name}", _missing(obj, name))
        return
    if not _is_amount(v):
        raise WireError("wrong_type", f"{path}.{name}",
                        f"expected an amount string with at most two decimals such as \"115.00\", "
                        f"got {got(v)}")


def _ratio_field(obj: dict, name: str, path: str) -> None:
    v = obj.get(name)
    if v is None:
        raise WireError("missing_field", f"{path}.{name}", _missing(obj, name))
    ok = isinstance(v, str) and RATIO.fullmatch(v) is not None
    if ok:
        try:
            ok = 0 <= Decimal(v) <= 1
        except InvalidOperation:  # pragma: no cover - RATIO admits only plain decimals
            ok = False
    if not ok:
        raise WireError("wrong_type", f"{path}.{name}",
                        f"expected a ratio string between 0 and 1 such as \"0.5000\", got {got(v)}")


def _text_field(obj: dict, name: str, path: str, required: bool = True) -> None:
    v = obj.get(name)
    if v is None:
        if required:
            raise WireError("missing_field", f"{path}.{name}", _missing(obj, name))
        return
    if not isinstance(v, str) or isinstance(v, BigNumber) or not v or len(v) > TEXT_LIMIT:
        raise WireError("wrong_type", f"{path}.{name}",
                        f"expected non-empty text of at most {TEXT_LIMIT} characters, got {got(v)}")


def read_setlinfo(output: dict, infno: str, optional: frozenset[str] = frozenset()) -> dict:
    """Check a 2206/2207/2208 output and return its `setlinfo` (amounts stay strings). `optional`: the
    figures an adapter may leave out (`Adapter.optional_figures`; a plugin's answers are read here too)."""
    info = _obj(output, "setlinfo", "output")
    assert info is not None
    path = "output.setlinfo"
    if infno != "2206":
        _text_field(info, "setl_id", path)
    for name in SETLINFO_FIELDS:
        if name in optional and info.get(name) is None:
            continue
        if name == "pool_prop_selfpay":
            _ratio_field(info, name, path)
        else:
            _amount_field(info, name, path, True)
    for name in SETTLEMENT_OPTIONAL:
        _amount_field(info, name, path, False)
    return dict(info)


def _same_year(value: Any, year: int) -> bool:
    """Whether an answer's `year` (2023, "2023", 2023.0) names `year`."""
    try:
        return Decimal(str(value).strip()) == year
    except ArithmeticError:
        return False


def read_cuminfo(output: dict, year: int) -> dict:
    """Check a 5206 output; return the year's totals in the reference's shape (year as int). The optional
    chronic_dedc / chronic_pay are in it only where the answer gives them (an object, `{}` included)."""
    cum = _obj(output, "cuminfo", "output")
    assert cum is not None
    path = "output.cuminfo"
    for name in CUMINFO_REQUIRED:
        _amount_field(cum, name, path, True)
    _amount_field(cum, "acct_balance", path, False)
    # an answer about another year is no answer to this query (as psn_no is held to the request): "2022" to a query for
    # 2023 would be read as 2023's totals (probe s24 W); `year` stays optional, a number or its digits as text
    if year and cum.get("year") not in (None, "") and not _same_year(cum["year"], year):
        raise WireError("wrong_type", f"{path}.year",
                        f"the answer is about year {str(cum['year'])[:20]!r}, the query asked for {year}")
    out: dict[str, Any] = {"year": year}
    for name in CUMINFO_REQUIRED:
        out[name] = cum[name]
    for name in ("chronic_dedc", "chronic_pay"):
        per = _obj(cum, name, path, required=False)
        if per is None:  # optional: left out or null is not reported, so not compared (a `{}` reports none)
            continue
        for code in per:
            _amount_field(per, code, f"{path}.{name}", True)
        out[name] = dict(per)
    if cum.get("acct_balance") is not None:
        out["acct_balance"] = cum["acct_balance"]
    return out


def read_credit(output: dict) -> dict:
    """Check a T002 output: the month credited and the amount."""
    _text_field(output, "month", "output")
    _amount_field(output, "amount", "output", True)
    _amount_field(output, "acct_balance", "output", False)
    return dict(output)


def read_use(output: dict) -> dict:
    """Check a T003 output: the decision, the clause it rests on, the balance after."""
    v = output.get("decision")
    if v is None:
        raise WireError("missing_field", "output.decision", _missing(output, "decision"))
    if v not in USE_DECISIONS:
        raise WireError("wrong_type", "output.decision", f"expected one of {', '.join(USE_DECISIONS)}, got {got(v)}")
    _text_field(output, "clause", "output", required=False)
    _amount_field(output, "acct_balance", "output", False)
    return dict(output)
