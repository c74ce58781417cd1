"""Cases: one insured person, their settlements, account credits and account uses.

Field names follow the national medical insurance platform where it has them
(`psn_no`, `psn_type`, `med_type`, `medfee_sumamt`, `fulamt_ownpay_amt`,
`overlmt_selfpay`, `preselfpay_amt`, `dise_codg`, `setl_id`). Parsing checks
everything a settlement needs up front, so the engine itself never meets bad
input; every refusal names the case, the item and the field.
"""
from __future__ import annotations

import datetime as dt
import re
import reprlib
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from typing import Any

from conform.display import quoted

from .ledger import YearState
from .loading import InputError, check_depth, load_json, load_yaml
from .money import _READ, MAX_YUAN_DIGITS, ZERO, AmountError, parse_amount

PSN_TYPES = {
    "1101": ("in_service", False, "职工在职"),
    "1103": ("in_service", True, "灵活就业在职"),
    "1201": ("retiree", False, "职工退休"),
    "1203": ("retiree", True, "灵活就业退休"),
}
MED_TYPES = {
    "11": "普通门诊",
    "13": "急诊",
    "14": "门诊慢特病",
    "28": "日间手术",
    "41": "定点药店购药",
}
FACILITIES = {
    "tertiary": "三级定点医疗机构",
    "secondary": "二级定点医疗机构",
    "primary": "一级定点医疗机构",
    "unrated": "未定级定点医疗机构",
    "pharmacy": "定点零售药店",
}
DISEASE_KINDS = {"chronic": "门诊慢特病", "special": "门诊特殊疾病", "two_disease": "“两病”门诊用药"}
EXCLUSIONS = {
    "other_fund": "由其他资金（基金）保障的费用",
    "account_paid": "用个人账户支付的费用",
    "third_party": "应由第三人负担的费用",
    "other_state_rule": "国家、省规定的其他不予支付的费用",
}
RELATIONS = {"self": "本人", "spouse": "配偶", "parent": "父母", "child": "子女", "other": "其他人"}
PURPOSES = {
    "medical_selfpay": "在定点医疗机构就医发生的由个人负担的医疗费",
    "pharmacy_selfpay": "在定点零售药店购买药品、医疗器械、医用耗材的个人负担费用",
    "resident_insurance_contribution": "城乡居民基本医疗保险个人缴费",
    "government_insurance_contribution": "由政府开展的补充医疗、重特大疾病、长期护理保险个人缴费",
    "commercial_insurance": "商业补充（健康）医疗保险",
    "public_health": "公共卫生费用",
    "fitness": "体育健身消费",
    "wellness": "养生保健消费",
}


def amount_message(value: Any, error: AmountError) -> str:
    """Why `value` is not an amount, with a JSON number shown as written ('500.005'), as a YAML or text
    amount is, never as Python's Decimal('500.005') (JSON numbers are read exactly, as Decimals)."""
    if isinstance(value, Decimal):
        try:
            parse_amount(str(value))
        except AmountError as e:
            return str(e)
    return str(error)


class CaseError(ValueError):
    """Bad input, located: which case, which item, which field."""

    def __init__(self, message: str, *, case: str | None = None, item: str | None = None, field: str | None = None):
        self.case, self.item, self.field, self.detail = case, item, field, message
        where = []
        if case is not None:
            where.append(f"case {case}")
        if item is not None:
            where.append(item)
        if field is not None:
            where.append(f"field {field}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


@dataclass(frozen=True, slots=True)
class Disease:
    dise_codg: str
    kind: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Period:
    begin: dt.date
    end: dt.date

    def __contains__(self, d: dt.date) -> bool:
        return self.begin <= d <= self.end


# Totals already counted this year before the harness's first settlement: the ledger's own state type.
YearToDate = YearState


@dataclass(frozen=True, slots=True)
class Person:
    psn_no: str
    psn_type: str
    birth_date: dt.date | None = None
    flex_tier: int | None = None
    has_account: bool | None = None
    retire_date: dt.date | None = None
    benefit_period: Period | None = None
    remote_filing: bool = False
    acct_balance: Decimal | None = None
    diseases: tuple[Disease, ...] = ()
    hospital_stays: tuple[Period, ...] = ()
    ytd: YearToDate | None = None
    # Whether the record gave chronic_diseases at all: `[]` says "registered: none", which `conform audit` reads
    # apart from a record that leaves the field out (the audit then takes the ledger's disease as certified, a
    # reading docs/audit.md names). A case reads both alike: its settlements name only registered diseases.
    diseases_given: bool = False

    @property
    def is_flexible(self) -> bool:
        return PSN_TYPES[self.psn_type][1]

    def role_on(self, d: dt.date) -> str:
        """in_service or retiree on a date (A-MIDYEAR-RETIREMENT: the type in force that day). A retire
        date splits the person's time whatever the type says: a retiree type with the date of retirement
        (as a personnel export gives it) was in service before it."""
        if self.retire_date is not None:
            return "retiree" if d >= self.retire_date else "in_service"
        return PSN_TYPES[self.psn_type][0]

    def disease(self, code: str) -> Disease | None:
        for d in self.diseases:
            if d.dise_codg == code:
                return d
        return None


@dataclass(frozen=True, slots=True)
class Settlement:
    id: str
    date: dt.date
    med_type: str
    facility: str
    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal = ZERO
    overlmt_selfpay: Decimal = ZERO
    preselfpay_amt: Decimal = ZERO
    dise_codg: str | None = None
    remote: bool = False
    exclusion: str | None = None
    acct_used_flag: bool = True
    # What other funds paid (公务员医疗补助, 大额, 医疗救助…), as a ledger records it: no document here
    # governs them, but they lower 个人负担 before the account pays. Set by `conform audit`, not by cases.
    other_funds_pay: Decimal = ZERO
    # 医院负担金额 and 个人账户共济支付金额 (a relative's account, 配偶、父母、子女), as a ledger records them:
    # the platform's 医疗费总额 = 基金支付总额 + 个人负担总金额 + 医院负担金额, and its 个人账户支出 includes
    # the mutual-aid payment. Set by `conform audit`, not by cases.
    hosp_part_amt: Decimal = ZERO
    acct_mulaid_pay: Decimal = ZERO

    @property
    def inscp_scp_amt(self) -> Decimal:
        """政策范围内费用: the total less 全自费, 超限价 and 先行自付."""
        return self.medfee_sumamt - self.fulamt_ownpay_amt - self.overlmt_selfpay - self.preselfpay_amt


@dataclass(frozen=True, slots=True)
class Reversal:
    """结算撤销 (2208) of an earlier settlement of the same person."""

    id: str
    date: dt.date
    reverses: str


@dataclass(frozen=True, slots=True)
class CreditRequest:
    month: str  # YYYY-MM
    base: Decimal | None = None
    contribution: Decimal | None = None

    @property
    def first_day(self) -> dt.date:
        return dt.date(int(self.month[:4]), int(self.month[5:7]), 1)


@dataclass(frozen=True, slots=True)
class UseRequest:
    id: str
    relation: str
    purpose: str
    amount: Decimal | None = None
    date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Case:
    policy: str
    person: Person
    items: tuple[Settlement | Reversal, ...] = ()
    credits: tuple[CreditRequest, ...] = ()
    uses: tuple[UseRequest, ...] = ()
    region: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    name: str = ""


# --------------------------------------------------------------------------- loading

MAX_TEXT = 200  # ids, codes and names: far beyond any real one
MAX_LISTED = 5  # unknown field names an error lists before "and N more"
YEAR_RANGE = (1900, 2100)  # dates and months outside are refused before any date arithmetic
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
_DATES: dict[str, dt.date] = {}


def _show(v: Any) -> str:
    """A value for an error message: short, whatever its size or depth. A JSON number with a fraction or an exponent
    (read exactly, as a Decimal) is said as a number with its digits (`a number (1E+400)`), never as Python's
    Decimal('1E+400')."""
    if type(v) in (Decimal, float):
        return f"a number ({_REPR.repr(str(v))[1:-1]})"
    return _REPR.repr(v)


def _got(v: Any) -> str:
    """What a field holds where another kind was expected: `a number (5.104000000000102E+15)`, `bool True`."""
    return _show(v) if type(v) in (Decimal, float) else f"{type(v).__name__} {_show(v)}"


# Input text named in a message (an id, a code): as it is, else escaped and quoted (conform.display.quoted) — an
# ESC sequence retitling the terminal, a newline forging a second line, a bidi override turning it around never
# reach a terminal or a report raw. `shown` is the name benefits.py imports it by.
shown = quoted


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60
_REPR.maxlevel = 2


def parse_date(v: Any) -> dt.date:
    """YYYY-MM-DD (ASCII digits, a real day, years 1900–2100); ValueError with the reason otherwise."""
    if type(v) is str:
        d = _DATES.get(v)
        if d is not None:
            return d
        m = _DATE_RE.fullmatch(v)
        if m is None:
            raise ValueError(f"not a date (YYYY-MM-DD): {_show(v)}")
        try:
            d = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as e:
            raise ValueError(f"not a date (YYYY-MM-DD): {_show(v)}: {e}") from None
        if not YEAR_RANGE[0] <= d.year <= YEAR_RANGE[1]:
            raise ValueError(f"date {v} is outside the years {YEAR_RANGE[0]}–{YEAR_RANGE[1]} this tool settles")
        if len(_DATES) > 100_000:
            _DATES.clear()
        _DATES[v] = d
        return d
    if isinstance(v, dt.datetime):
        raise ValueError(f"a date-time where a date (YYYY-MM-DD) is expected: {v.isoformat()}")
    if isinstance(v, dt.date):
        if not YEAR_RANGE[0] <= v.year <= YEAR_RANGE[1]:
            raise ValueError(f"date {v} is outside the years {YEAR_RANGE[0]}–{YEAR_RANGE[1]} this tool settles")
        return v
    raise ValueError(f"not a date (YYYY-MM-DD): {_show(v)}")


def parse_month(v: Any) -> str:
    """YYYY-MM with a real month and a year in YEAR_RANGE."""
    m = _MONTH_RE.fullmatch(v) if type(v) is str else None
    if m is None or not 1 <= int(m[2]) <= 12:
        raise ValueError(f"not a month (YYYY-MM): {_show(v)}")
    if not YEAR_RANGE[0] <= int(m[1]) <= YEAR_RANGE[1]:
        raise ValueError(f"month {v} is outside the years {YEAR_RANGE[0]}–{YEAR_RANGE[1]} this tool settles")
    return v


def load_text(text: str, source: str = "<input>") -> Any:
    """Parse JSON or YAML case text (see conform.reference.loading): decimals exact, YAML scalars kept as text."""
    stripped = text.lstrip()
    try:
        if stripped.startswith(("{", "[")):
            return load_json(text, extra_hint="; for several cases give a JSON array or JSON lines (--jsonl)")
        value = load_yaml(text)
        check_depth(value)
        return value
    except InputError as e:
        raise CaseError(str(e), case=source) from None


class _Reader:
    """Reads fields from one mapping, raising CaseError that names where it is."""

    __slots__ = ("case", "item", "data")

    def __init__(self, data: Any, case: str, item: str | None, allowed: frozenset[str]):
        self.case, self.item = case, item
        if type(data) is not dict:
            raise CaseError(f"expected a mapping, got {type(data).__name__}", case=case, item=item)
        if not data.keys() <= allowed:
            # the first few only: a mapping of 200,000 stray keys must not become a 1.7 M-character line
            unknown = [k for k in data if k not in allowed]
            listed = sorted(_show(k) if not isinstance(k, str) else _show(k)[1:-1] for k in unknown[:MAX_LISTED])
            more = f" and {len(unknown) - MAX_LISTED} more" if len(unknown) > MAX_LISTED else ""
            raise CaseError(f"unknown field(s) {', '.join(listed)}{more}; allowed: {', '.join(sorted(allowed))}",
                            case=case, item=item)
        self.data = data

    def fail(self, name: str, message: str) -> CaseError:
        return CaseError(message, case=self.case, item=self.item, field=name)

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def raw(self, name: str, required: bool = False) -> Any:
        v = self.data.get(name)
        if v is None and required:
            raise self.fail(name, "missing")
        return v

    def text(self, name: str, required: bool = False, choices: dict | None = None) -> str | None:
        v = self.data.get(name)
        if v is None:
            if required:
                raise self.fail(name, "missing")
            return None
        if type(v) is str:
            s = v
        elif type(v) is int:
            s = str(v)
        else:
            raise self.fail(name, f"expected text, got {_got(v)}")
        if choices is not None:
            if s not in choices:
                raise self.fail(name, f"unknown code {_show(s)}; expected one of " +
                                ", ".join(f"{k} ({n[-1] if isinstance(n, tuple) else n})" for k, n in choices.items()))
        elif len(s) > MAX_TEXT:
            raise self.fail(name, f"longer than {MAX_TEXT} characters ({len(s)})")
        return s

    def amount(self, name: str, required: bool = False, default: Decimal | None = None) -> Decimal | None:
        v = self.data.get(name)
        if v is None:
            if required:
                raise self.fail(name, "missing")
            return default
        try:
            return parse_amount(v)
        except AmountError as e:
            raise self.fail(name, amount_message(v, e)) from None

    def date(self, name: str, required: bool = False) -> dt.date | None:
        v = self.data.get(name)
        if v is None:
            if required:
                raise self.fail(name, "missing")
            return None
        try:
            return parse_date(v)
        except ValueError as e:
            raise self.fail(name, str(e)) from None

    def flag(self, name: str, default: bool) -> bool:
        v = self.data.get(name)
        if v is None:
            return default
        if v is True or v is False:
            return v
        if type(v) in (str, int):
            s = str(v)
            if s in ("1", "true", "True"):
                return True
            if s in ("0", "false", "False"):
                return False
        raise self.fail(name, f"expected true/false (or 1/0), got {_show(v)}")

    def items(self, name: str) -> list:
        v = self.data.get(name)
        if v is None:
            return []
        if type(v) is not list:
            raise self.fail(name, f"expected a list, got {type(v).__name__}")
        return v


PERSON_FIELDS = frozenset({"psn_no", "psn_type", "birth_date", "flex_tier", "has_account", "retire_date",
                 "benefit_period", "remote_filing", "acct_balance", "chronic_diseases", "hospital_stays", "ytd"})
SETTLEMENT_FIELDS = frozenset({"id", "setl_id", "date", "med_type", "facility", "medfee_sumamt", "fulamt_ownpay_amt",
                     "overlmt_selfpay", "preselfpay_amt", "dise_codg", "remote", "exclusion", "acct_used_flag"})
PERIOD_FIELDS = frozenset({"begin", "end"})
DISEASE_FIELDS = frozenset({"dise_codg", "kind", "name"})
YTD_FIELDS = frozenset({"year", "ordinary_dedc", "ordinary_pay", "inpatient_pay", "special_dedc", "chronic_dedc",
                        "chronic_pay"})
_PARTS = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt")
MAX_REGION_REF = 1024
_YEAR_RE = re.compile(r"[0-9]{4}")
REVERSAL_FIELDS = frozenset({"id", "date", "reverses"})
CREDIT_FIELDS = frozenset({"month", "base", "contribution"})
USE_FIELDS = frozenset({"id", "relation", "purpose", "amount", "date"})
CASE_FIELDS = frozenset({"policy", "region", "params", "person", "settlements", "account_credits", "account_uses", "name"})


def _period(r: _Reader, name: str, raw: Any) -> Period:
    p = _Reader(raw, r.case, f"{r.item or 'person'} {name}", PERIOD_FIELDS)
    begin, end = p.date("begin", True), p.date("end", True)
    if end < begin:
        raise p.fail("end", f"{end} is before begin {begin}")
    return Period(begin, end)


def _fast_person(data: Any) -> Person | None:
    """The common person (no diseases, stays, periods or year-to-date totals) without per-field calls.

    Returns None for anything else, and parse_person's general path then decides and names the problem;
    for what it accepts it builds exactly what that path would. A retirement date is common too (a persons
    file of a city: one record in twelve), so it is read here as well.
    """
    if type(data) is not dict:
        return None
    get = data.get
    psn_no, psn_type = get("psn_no"), get("psn_type")
    if type(psn_no) is not str or len(psn_no) > MAX_TEXT or type(psn_type) is not str or psn_type not in PSN_TYPES:
        return None
    balance = get("acct_balance")
    if balance is not None and len(data) == 3:  # the most common person of all: psn_no, psn_type, acct_balance
        birth = tier = remote = retire = None
    else:
        birth, tier, remote, retire = get("birth_date"), get("flex_tier"), get("remote_filing"), get("retire_date")
        # Every key read that holds a value, counted: any other key (or an explicit null) goes the general way.
        if len(data) != 2 + (birth is not None) + (tier is not None) + (remote is not None) + (balance is not None) + (
                retire is not None):
            return None
    if tier is not None:
        if type(tier) not in (str, int) or str(tier) not in ("1", "2") or not PSN_TYPES[psn_type][1]:
            return None
        tier = int(tier)
    if birth is not None:
        birth = _fast_date(birth)
        if birth is None:
            return None
    if retire is not None:
        retire = _fast_date(retire)
        if retire is None or (birth is not None and retire < birth):
            return None
    if remote is None:
        remote = False
    elif type(remote) not in _FLAG_TYPES or (remote := _FLAGS.get(remote)) is None:
        return None
    if balance is not None:
        # A balance is mostly read once (one a person): parse_amount's usual form, yuan.fen (at most MAX_YUAN_DIGITS
        # ASCII digits of yuan, exactly two decimals), read here as it reads it, without keeping it in its table.
        if (type(balance) is str and 3 < len(balance) <= MAX_YUAN_DIGITS + 3 and balance[-3] == "."
                and balance.isascii() and balance[:-3].isdigit() and balance[-2:].isdigit()):
            balance = Decimal(balance) or ZERO
        else:
            try:
                balance = parse_amount(balance)
            except AmountError:
                return None
    return _build_person(psn_no, psn_type, birth, tier, None, retire, None, remote, balance, (), (), None, False)


def _fast_date(v: Any) -> dt.date | None:
    """parse_date's date, or None where it refuses (the general path then names why)."""
    d = _DATES.get(v) if type(v) is str else None
    if d is None:
        try:
            d = parse_date(v)
        except ValueError:
            return None
    return d


def parse_person(data: Any, case: str) -> Person:
    fast = _fast_person(data)
    return fast if fast is not None else _parse_person(data, case)


def _parse_person(data: Any, case: str) -> Person:
    """parse_person field by field: every check, and the located error of the first that fails."""
    r = _Reader(data, case, "person", PERSON_FIELDS)
    psn_no = r.text("psn_no", True)
    psn_type = r.text("psn_type", True, PSN_TYPES)
    tier = r.raw("flex_tier")
    if tier is not None:
        if type(tier) not in (str, int) or str(tier) not in ("1", "2"):
            raise r.fail("flex_tier", f"must be 1 (一档) or 2 (二档), got {_show(tier)}")
        if not PSN_TYPES[psn_type][1]:
            raise r.fail("flex_tier", f"only flexible workers (1103, 1203) have a tier; psn_type is {psn_type}")
        tier = int(tier)
    diseases = []
    kinds: dict[str, str] = {}
    for i, d in enumerate(r.items("chronic_diseases")):
        dr = _Reader(d, case, f"person chronic_diseases[{i}]", DISEASE_FIELDS)
        code, kind = dr.text("dise_codg", True), dr.text("kind", True, DISEASE_KINDS)
        # Settlements look a code up once (Person.disease): under two kinds the first would win silently, and
        # 吉林's figures would change with the order (门诊慢性病 or 门诊特殊疾病 along inpatient rules).
        if kinds.setdefault(code, kind) != kind:
            raise dr.fail("kind", f"{_show(code)} is registered as {kind} here and as {kinds[code]} before; "
                                  "a disease has one kind: give it once")
        diseases.append(Disease(code, kind, dr.text("name") or ""))
    stays = tuple(_period(r, f"hospital_stays[{i}]", s) for i, s in enumerate(r.items("hospital_stays")))
    bp = r.raw("benefit_period")
    ytd = None
    if r.has("ytd"):
        y = _Reader(r.raw("ytd"), case, "person ytd", YTD_FIELDS)
        year = y.raw("year", True)
        if type(year) not in (str, int) or not _YEAR_RE.fullmatch(str(year)):
            raise y.fail("year", f"not a year (YYYY): {_show(year)}")
        if not YEAR_RANGE[0] <= int(year) <= YEAR_RANGE[1]:
            raise y.fail("year", f"year {year} is outside {YEAR_RANGE[0]}–{YEAR_RANGE[1]}")

        def per_disease(name: str) -> dict[str, Decimal]:
            v = y.raw(name) or {}
            if not isinstance(v, dict):
                raise y.fail(name, "expected a mapping of dise_codg to amount")
            out = {}
            for k, a in v.items():
                if type(k) not in (str, int) or len(str(k)) > MAX_TEXT:
                    raise y.fail(name, f"not a disease code: {_show(k)}")
                try:
                    out[str(k)] = parse_amount(a)
                except AmountError as e:
                    raise y.fail(f"{name}.{k}", amount_message(a, e)) from None
            return out

        ytd = YearToDate(int(year), y.amount("ordinary_dedc", default=ZERO), y.amount("ordinary_pay", default=ZERO),
                         y.amount("inpatient_pay", default=ZERO), y.amount("special_dedc", default=ZERO),
                         per_disease("chronic_dedc"), per_disease("chronic_pay"))
    has_account = r.raw("has_account")
    has_account = None if has_account is None else r.flag("has_account", True)
    balance = r.amount("acct_balance")
    # A person without an account has no balance to pay from: the record contradicts itself.
    if balance is not None and has_account is False:
        raise r.fail("acct_balance", "has_account is false: a person without a personal account has no balance")
    birth, retire = r.date("birth_date"), r.date("retire_date")
    # role_on would count such a person retired on every visit: the record contradicts itself.
    if birth is not None and retire is not None and retire < birth:
        raise r.fail("retire_date", f"{retire} is before birth_date {birth}")
    return Person(
        psn_no=psn_no,
        psn_type=psn_type,
        birth_date=birth,
        flex_tier=tier,
        has_account=has_account,
        retire_date=retire,
        benefit_period=_period(r, "benefit_period", bp) if bp is not None else None,
        remote_filing=r.flag("remote_filing", False),
        acct_balance=balance,
        diseases=tuple(diseases),
        hospital_stays=stays,
        ytd=ytd,
        diseases_given=r.has("chronic_diseases"),
    )


_FLAGS = {True: True, False: False, "true": True, "false": False, "True": True, "False": False,
          "1": True, "0": False, 1: True, 0: False}
_NO_CODES: frozenset[str] = frozenset()


def _fast_settlement(data: Any, codes: frozenset[str] = _NO_CODES) -> Settlement | None:
    """The common settlement (string fields, known codes) without per-field calls.

    `codes` are the person's registered disease codes (a med_type 14 settlement must name one).
    Returns None for anything else, and the general path below then decides and names the problem;
    for what it accepts it builds exactly what that path would.
    """
    if type(data) is not dict:
        return None
    try:
        sid, med_type, facility, day, total = (data["id"], data["med_type"], data["facility"], data["date"],
                                               data["medfee_sumamt"])
    except KeyError:
        return None
    if (type(sid) is not str or not 0 < len(sid) <= MAX_TEXT or type(day) is not str
            or type(med_type) is not str or type(facility) is not str or (med_type, facility) not in _FAST_PAIRS):
        return None
    n = len(data)
    if n == 5:  # the five keys above and nothing else: the usual settlement
        if med_type == "14":  # it needs its disease code, which the general path asks for
            return None
        own = over = pre = ZERO
        dise = excl = None
        remote, acct = False, True
    else:
        get = data.get
        own, over, pre = get("fulamt_ownpay_amt"), get("overlmt_selfpay"), get("preselfpay_amt")
        dise, excl, remote, acct = get("dise_codg"), get("exclusion"), get("remote"), get("acct_used_flag")
        # Every key read that holds a value, counted: fewer than the mapping's keys means a key this
        # path does not know (or an explicit null), which the general path names.
        if n != (5 + (own is not None) + (over is not None) + (pre is not None) + (dise is not None)
                 + (excl is not None) + (remote is not None) + (acct is not None)):
            return None
        if dise is not None and (type(dise) is not str or len(dise) > MAX_TEXT):
            return None
        if med_type == "14" and dise not in codes:  # also None: the general path names what is missing
            return None
        if excl is not None and (type(excl) is not str or excl not in EXCLUSIONS):
            return None
        if remote is None:
            remote = False
        elif type(remote) not in _FLAG_TYPES or (remote := _FLAGS.get(remote)) is None:
            return None
        if acct is None:
            acct = True
        elif type(acct) not in _FLAG_TYPES or (acct := _FLAGS.get(acct)) is None:
            return None
        try:
            own = ZERO if own is None else parse_amount(own)
            over = ZERO if over is None else parse_amount(over)
            pre = ZERO if pre is None else parse_amount(pre)
        except AmountError:
            return None
    d = _DATES.get(day)
    if d is None:
        try:
            d = parse_date(day)
        except ValueError:
            return None
    # The amount read before, if this text was (parse_amount's own table), else parse_amount.
    t = _READ.get(total) if type(total) is str else None
    if t is not None:
        total = t
    else:
        try:
            total = parse_amount(total)
        except AmountError:
            return None
    if (own or over or pre) and own + over + pre > total:  # all zero: nothing can exceed the total
        return None
    return _build_settlement(sid, d, med_type, facility, total, own, over, pre, dise, remote, excl, acct, ZERO, ZERO, ZERO)


def _unfrozen_builder(cls: type, order: str):
    """A constructor for the frozen slotted dataclass `cls` without its frozen __init__ (one
    object.__setattr__ call per field): a plain class with the same slots fills them, then becomes a
    `cls` (`__class__` assignment, which CPython allows between classes of identical slot layout).
    The same object cls(...) builds, at a third of the cost; only for values already validated.
    The twin is generated from cls's own fields, as dataclasses generates __init__, so the two
    cannot drift apart; `order` is the field order the callers pass positionally, checked here."""
    names = tuple(f.name for f in dataclass_fields(cls))
    assert names == tuple(order.split()), f"{cls.__name__}'s fields changed: update the fast paths' arguments"
    assert cls.__slots__ == names and cls.__bases__ == (object,), cls
    ns: dict[str, Any] = {}
    exec(f"def __init__(self, {', '.join(names)}):\n" + "".join(f"    self.{n} = {n}\n" for n in names), ns)
    twin = type(f"_{cls.__name__}Fields", (), {"__slots__": names, "__init__": ns["__init__"]})

    def build(*values: Any) -> Any:
        o = twin(*values)
        o.__class__ = cls
        return o

    return build


_build_settlement = _unfrozen_builder(Settlement, "id date med_type facility medfee_sumamt fulamt_ownpay_amt "
                                                  "overlmt_selfpay preselfpay_amt dise_codg remote exclusion acct_used_flag "
                                                  "other_funds_pay hosp_part_amt acct_mulaid_pay")
_build_person = _unfrozen_builder(Person, "psn_no psn_type birth_date flex_tier has_account retire_date benefit_period "
                                          "remote_filing acct_balance diseases hospital_stays ytd diseases_given")
_build_case = _unfrozen_builder(Case, "policy person items credits uses region params name")


_FLAG_TYPES = (bool, str, int)
# (med_type, facility) pairs parse_settlement accepts: 41 only at a pharmacy, a pharmacy only 41 or 14.
_FAST_PAIRS = frozenset((m, f) for m in MED_TYPES for f in FACILITIES
                        if (m != "41" or f == "pharmacy") and (f != "pharmacy" or m in ("41", "14")))


def parse_settlement(data: Any, case: str, index: int, person: Person) -> Settlement | Reversal:
    fast = _fast_settlement(data, frozenset(d.dise_codg for d in person.diseases))
    if fast is not None:
        return fast
    return _parse_settlement(data, case, index, person)


def _parse_settlement(data: Any, case: str, index: int, person: Person) -> Settlement | Reversal:
    """parse_settlement field by field: every check, and the located error of the first that fails."""
    label: Any = index
    if type(data) is dict:
        sid0 = data.get("id")
        if sid0 is not None:
            label = quoted(sid0) if type(sid0) is str and len(sid0) <= MAX_TEXT else _show(sid0)
    item = f"settlement {label}"
    if type(data) is dict and "reverses" in data:
        r = _Reader(data, case, item, REVERSAL_FIELDS)
        return Reversal(r.text("id", True), r.date("date", True), r.text("reverses", True))
    r = _Reader(data, case, item, SETTLEMENT_FIELDS)
    sid = r.text("id") or r.text("setl_id")
    if sid is None:
        raise r.fail("id", "missing")
    med_type = r.text("med_type", True, MED_TYPES)
    facility = r.text("facility", True, FACILITIES)
    if med_type == "41" and facility != "pharmacy":
        raise r.fail("facility", f"med_type 41 (定点药店购药) needs facility pharmacy, not {facility}")
    if facility == "pharmacy" and med_type not in ("41", "14"):
        raise r.fail("med_type", f"a pharmacy settles med_type 41 (or 14 for chronic drugs), not {med_type}")
    total = r.amount("medfee_sumamt", True)
    parts = {n: r.amount(n, default=ZERO) for n in _PARTS}
    if sum(parts.values()) > total:
        listed = " + ".join(f"{n} {v}" for n, v in parts.items())
        raise r.fail("medfee_sumamt", f"parts exceed the total: {listed} > medfee_sumamt {total}")
    dise = r.text("dise_codg")
    if med_type == "14":
        if dise is None:
            raise r.fail("dise_codg", "med_type 14 (门诊慢特病) needs the registered disease code")
        if person.disease(dise) is None:
            known = ", ".join(quoted(d.dise_codg) for d in person.diseases) or "none"
            raise r.fail("dise_codg", f"{_show(dise)} is not among the person's registered diseases ({known})")
    return Settlement(
        id=sid,
        date=r.date("date", True),
        med_type=med_type,
        facility=facility,
        medfee_sumamt=total,
        dise_codg=dise,
        remote=r.flag("remote", False),
        exclusion=r.text("exclusion", choices=EXCLUSIONS),
        acct_used_flag=r.flag("acct_used_flag", True),
        **parts,
    )


_POLICY_IDS: tuple[str, ...] = ()


def _policy_ids() -> tuple[str, ...]:
    """conform.reference.policy.POLICY_IDS, imported on first use: policy data is not needed to parse shapes."""
    global _POLICY_IDS
    if not _POLICY_IDS:
        from .policy import POLICY_IDS

        _POLICY_IDS = POLICY_IDS
    return _POLICY_IDS


def parse_case(data: Any, name: str = "0") -> Case:
    """Build a Case from a parsed mapping; dates must be in order, ids unique."""
    case_label = name
    if type(data) is dict and type(data.get("person")) is dict:
        psn_no = data["person"].get("psn_no")
        if psn_no:
            case_label = f"{name} ({quoted(psn_no) if type(psn_no) is str and len(psn_no) <= MAX_TEXT else _show(psn_no)})"
    r = _Reader(data, case_label, None, CASE_FIELDS)
    policy = r.text("policy", True)
    if policy not in _policy_ids():
        raise r.fail("policy", f"unknown policy {_show(policy)}; known: {', '.join(_policy_ids())}")
    params = r.raw("params") or {}
    if type(params) is not dict:
        raise r.fail("params", "expected a mapping of parameter to value")
    for k, v in params.items():
        if type(k) is not str or len(k) > MAX_TEXT:
            raise r.fail("params", f"not a parameter name: {_show(k)}")
        if type(v) not in (str, int, bool, Decimal):
            raise r.fail(f"params.{k}", f"expected a value (text or number), got {type(v).__name__}")
    region = r.raw("region")
    if region is not None and (type(region) is not str or not 0 < len(region) <= MAX_REGION_REF):
        raise r.fail("region", f"expected a region name or a file path of at most {MAX_REGION_REF} characters, "
                               f"got {type(region).__name__} {_show(region)}")
    person = parse_person(r.raw("person", True), case_label)
    items: list[Settlement | Reversal] = []
    seen: set[str] = set()
    last: dt.date | None = None
    codes = frozenset(d.dise_codg for d in person.diseases) if person.diseases else _NO_CODES
    fast, append, add = _fast_settlement, items.append, seen.add
    for i, s in enumerate(r.items("settlements")):
        it = fast(s, codes)
        if it is None:
            it = _parse_settlement(s, case_label, i, person)
        sid, day = it.id, it.date
        if sid in seen:
            raise CaseError(f"duplicate id {_show(sid)}", case=case_label, item=f"settlement {quoted(sid)}", field="id")
        if type(it) is Reversal and it.reverses not in seen:
            raise CaseError(f"reverses {_show(it.reverses)}, which is not an earlier settlement of this case",
                            case=case_label, item=f"settlement {quoted(sid)}", field="reverses")
        if last is not None and day < last:
            raise CaseError(f"date {day} is before the previous item's date {last}; settlements must be in date order",
                            case=case_label, item=f"settlement {quoted(sid)}", field="date")
        add(sid)
        last = day
        append(it)
    credits = []
    credited: dict[str, int] = {}  # month → the index of its credit
    for i, c in enumerate(r.items("account_credits")):
        cr = _Reader(c, case_label, f"account_credits[{i}]", CREDIT_FIELDS)
        try:
            month = parse_month(cr.raw("month", True))
        except ValueError as e:
            raise cr.fail("month", str(e)) from None
        if month in credited:  # a second credit of a month would be added twice
            raise cr.fail("month", f"month {month} is already credited at account_credits[{credited[month]}]; "
                                   "an account is credited once a month (A-ACCOUNT-MONTH: 个人账户按自然月计入，每月一笔)")
        credited[month] = i
        credits.append(CreditRequest(month, cr.amount("base"), cr.amount("contribution")))
    uses = []
    for i, u in enumerate(r.items("account_uses")):
        ur = _Reader(u, case_label, f"account_uses[{i}]", USE_FIELDS)
        uses.append(UseRequest(ur.text("id") or str(i), ur.text("relation", True, RELATIONS),
                               ur.text("purpose", True, PURPOSES), ur.amount("amount"), ur.date("date")))
    if person.birth_date is not None:
        _born_before(person.birth_date, items, credits, uses, case_label)
    return _build_case(policy, person, tuple(items), tuple(credits), tuple(uses), region, dict(params),
                       r.text("name") or case_label)


def _born_before(birth: dt.date, items: list, credits: list, uses: list, case: str) -> None:
    """Refuse a case whose person is born after one of its dates: a settlement (or reversal), an account use, or an
    account credit for a month before the month of birth (a credit in the month of birth is age 0). The engine would
    compute with a negative age (北京's credit read “年满-7周岁”); the record contradicts itself, as a retire_date
    before birth_date does, so it is named at the person's birth_date."""
    dated = [(it.date, f"settlement {quoted(it.id)}", "dated") for it in items]
    dated += [(u.date, f"account_uses[{i}]", "dated") for i, u in enumerate(uses) if u.date is not None]
    born_month = birth.replace(day=1)
    dated += [(c.first_day, f"account_credits[{i}]", "for the month") for i, c in enumerate(credits)
              if c.first_day < born_month]
    early = [d for d in dated if d[0] < birth]
    if early:
        when, what, how = min(early, key=lambda d: d[0])
        said = when.strftime("%Y-%m") if how == "for the month" else str(when)
        raise CaseError(f"{birth} is after {what}, {how} {said}: no one is settled or credited before they are "
                        "born; check birth_date (or the dates)", case=case, item="person", field="birth_date")
