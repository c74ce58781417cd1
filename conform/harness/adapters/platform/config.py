"""The `[adapter.platform]` table: how to speak one vendor's national-platform test environment.

Everything a vendor's environment decides for itself lives here, never in code:
the envelope's fixed fields, which transactions and test hooks exist, the
test catalogue of `med_list_codg` items, which `fund_pay_type` codes carry
which benefit route, which `cum_type_code` rows carry which year-to-date
total, and the pool of test persons. Every problem names the file and the key
(exit 2). Amounts in the file are written as strings ("50.00") so that no
binary float ever carries money.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

# The kinds of a registered disease (T001 chronic_diseases kind): a `[adapter.platform.med_type]` key "14:<kind>" gives
# a 门诊慢特病 visit for a disease of that kind its own 医疗类别 (a region may split 慢病 / 特病 / 两病 by med_type).
from conform.reference.case import DISEASE_KINDS

# Transactions of the profile (the national platform's numbers).
# 2203A (门诊就诊信息上传A, the newer 2203) takes the same input (mdtrtinfo + diseinfo[]); a system declares one of them.
TRANSACTIONS = {"9001": "签到", "1101": "人员信息获取", "2201": "门诊挂号", "2203": "就诊信息上传",
                "2203A": "门诊就诊信息上传A", "2204": "门诊费用明细信息上传",
                "2206": "门诊预结算", "2207": "门诊结算", "2208": "门诊结算撤销", "5206": "人员累计信息查询"}
VISIT_INFO = ("2203", "2203A")
# Test hooks a test environment may offer (none is a national transaction).
HOOKS = {"person_reset": "T001 创建或重置测试参保人", "settle_as_of": "按指定日期结算（setl_time）",
         "account_credit": "T002 个人账户按月计入", "account_use": "T003 个人账户使用范围校验",
         "exclusion": "不予支付情形（扩展字段 exclusion）"}
ROUTES = ("ordinary_pay", "chronic_pay", "inpatient_pay", "account", "other")
ROUTE_BY = ("setl_proc_info", "med_type")
YTD_TARGETS = ("ordinary_dedc", "ordinary_pay", "inpatient_pay", "special_dedc")
CATALOGUE_KINDS = ("covered", "selfpay", "over_limit", "preselfpay")
FACILITIES = ("tertiary", "secondary", "primary", "unrated", "pharmacy")
PLATFORM_KEYS = {"infver", "recer_sys_code", "fixmedins_code", "fixmedins_name", "opter_type", "opter", "opter_name",
                 "mdtrtarea_admvs", "remote_mdtrtarea_admvs", "dev_no", "signtype", "sign_in", "mac", "ip",
                 "transactions", "hooks", "mdtrt_cert_type", "psn_setlway", "cum_rows", "med_type", "facilities",
                 "catalogue", "fund_pay_type", "cum_type_code", "pool", "diag_code", "diag_name", "dise_dor_no",
                 "dise_dor_name", "dise_names"}
POOL_KEYS = {"psn_no", "policy", "psn_type", "region", "params", "mdtrt_cert_no", "insuplc_admdvs",
             "chronic_diseases", "flex_tier", "has_account", "remote_filing", "birth_date"}
DEFAULT_FUND_PAY_TYPE = {"310100": "ordinary_pay", "310200": "account"}


@dataclass(frozen=True)
class CatalogueItem:
    """One item of the vendor's test catalogue (医保目录 in their test environment)."""

    med_list_codg: str
    kind: str                          # covered 甲类 | selfpay 全自费 | over_limit 超限价 | preselfpay 先行自付
    name: str = ""
    pric_uplmt_amt: Decimal | None = None   # over_limit: the price cap per unit
    selfpay_prop: Decimal | None = None     # preselfpay: the 先行自付 proportion


@dataclass(frozen=True)
class FundRoute:
    """Where one fund_pay_type's payment goes: a fixed route, or decided by setl_proc_info/med_type."""

    route: str | None = None
    by: str | None = None
    table: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PoolPerson:
    """A person who already exists in the vendor's test environment, with what is known about them."""

    psn_no: str
    policy: str
    psn_type: str
    region: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    mdtrt_cert_no: str | None = None
    insuplc_admdvs: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)   # chronic_diseases, flex_tier, has_account, …


@dataclass
class PlatformConfig:
    infver: str = "V1.0"
    recer_sys_code: str = "MDY32"
    fixmedins_code: str = "H00000000000"
    fixmedins_name: str = ""
    opter_type: str = "1"
    opter: str = "CONFORM"
    opter_name: str = "conform"
    mdtrtarea_admvs: str | None = None
    remote_mdtrtarea_admvs: str | None = None
    dev_no: str = ""
    signtype: str = ""
    sign_in: bool = False
    mac: str = "00:00:00:00:00:00"
    ip: str = "127.0.0.1"
    transactions: frozenset[str] = frozenset(TRANSACTIONS) - {"2203A"}
    hooks: frozenset[str] = frozenset()
    mdtrt_cert_type: str = "02"
    psn_setlway: str = "01"
    cum_rows: str = "total"
    med_type: dict[str, str] = field(default_factory=dict)
    facilities: dict[str, tuple[str, str]] = field(default_factory=dict)
    catalogue: tuple[CatalogueItem, ...] = ()
    fund_pay_type: dict[str, FundRoute] = field(
        default_factory=lambda: {k: FundRoute(route=v) for k, v in DEFAULT_FUND_PAY_TYPE.items()})
    cum_type_code: dict[str, str] = field(default_factory=dict)
    pool: tuple[PoolPerson, ...] = ()
    # 2203's diagnosis (诊断代码/名称 and 诊断医生 are required by the platform): an ordinary visit's diagnosis,
    # the doctor (None: opter/opter_name) and the names of the 门诊慢特病 diseases by dise_codg
    diag_code: str = "Z00.000"
    diag_name: str = "一般性医学检查"
    dise_dor_no: str | None = None
    dise_dor_name: str | None = None
    dise_names: dict[str, str] = field(default_factory=dict)

    @property
    def visit_info(self) -> str | None:
        """The 就诊信息上传 transaction declared (2203 or 2203A), or None: sent between 2201 and 2204."""
        return next((t for t in VISIT_INFO if t in self.transactions), None)

    @property
    def itemised(self) -> bool:
        """True when the system takes visits as 2201→2203→2204 before settling (else 2207 carries the totals)."""
        return {"2201", "2204"} <= self.transactions

    def med_type_code(self, code: str, kind: str | None = None) -> str:
        """The 医疗类别 sent for a harness med_type: "code:kind" for a visit whose disease is of that kind, else
        "code", else the national code itself (the table lists only the codes that differ)."""
        if kind is not None and f"{code}:{kind}" in self.med_type:
            return self.med_type[f"{code}:{kind}"]
        return self.med_type.get(code, code)


class PlatformConfigError(ValueError):
    """Raised with the key at fault; conform.harness.config turns it into a ConfigError naming the file."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(message)


def _text(v: Any, key: str, pattern: str | None = None, what: str = "non-empty text") -> str:
    if not isinstance(v, str) or not v.strip() or (pattern and not re.fullmatch(pattern, v)):
        raise PlatformConfigError(key, f"must be {what}, got {v!r}")
    return v


def _amount(v: Any, key: str) -> Decimal:
    if isinstance(v, bool) or isinstance(v, float):
        raise PlatformConfigError(key, f'write amounts and proportions as text ("50.00"), got {v!r}')
    try:
        d = Decimal(str(v).strip())
    except InvalidOperation:
        raise PlatformConfigError(key, f"not a number: {v!r}") from None
    if not d.is_finite() or d < 0:
        raise PlatformConfigError(key, f"must be a non-negative number, got {v!r}")
    return d


def _codes(v: Any, key: str, known: dict) -> frozenset[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise PlatformConfigError(key, "must be a list of text")
    bad = [x for x in v if x not in known]
    if bad:
        raise PlatformConfigError(key, f"unknown {bad[0]!r}; known: {', '.join(known)}")
    return frozenset(v)


def _catalogue(v: Any) -> tuple[CatalogueItem, ...]:
    if not isinstance(v, list):
        raise PlatformConfigError("catalogue", "must be an array of tables ([[adapter.platform.catalogue]])")
    items = []
    seen: set[str] = set()
    for i, row in enumerate(v):
        key = f"catalogue[{i}]"
        if not isinstance(row, dict):
            raise PlatformConfigError(key, "must be a table")
        unknown = sorted(set(row) - {"med_list_codg", "kind", "name", "pric_uplmt_amt", "selfpay_prop"})
        if unknown:
            raise PlatformConfigError(f"{key}.{unknown[0]}", "unknown key")
        code = _text(row.get("med_list_codg"), f"{key}.med_list_codg")
        if code in seen:
            raise PlatformConfigError(f"{key}.med_list_codg", f"{code!r} listed twice")
        seen.add(code)
        kind = row.get("kind")
        if kind not in CATALOGUE_KINDS:
            raise PlatformConfigError(f"{key}.kind", f"must be one of {', '.join(CATALOGUE_KINDS)}, got {kind!r}")
        limit = prop = None
        if kind == "over_limit":
            limit = _amount(row.get("pric_uplmt_amt"), f"{key}.pric_uplmt_amt")
            if limit != limit.quantize(Decimal("0.01")):
                raise PlatformConfigError(f"{key}.pric_uplmt_amt", "must be an amount with at most two decimals")
        if kind == "preselfpay":
            prop = _amount(row.get("selfpay_prop"), f"{key}.selfpay_prop")
            if not 0 < prop <= 1:
                raise PlatformConfigError(f"{key}.selfpay_prop", "must be more than 0 and at most 1")
        items.append(CatalogueItem(code, kind, str(row.get("name", "")), limit, prop))
    return tuple(items)


def _fund_pay_type(v: Any) -> dict[str, FundRoute]:
    if not isinstance(v, dict):
        raise PlatformConfigError("fund_pay_type", "must be a table of fund_pay_type code to route")
    out = {k: FundRoute(route=r) for k, r in DEFAULT_FUND_PAY_TYPE.items()}
    for code, target in v.items():
        key = f"fund_pay_type.{code}"
        if isinstance(target, str):
            if target not in ROUTES:
                raise PlatformConfigError(key, f"must be one of {', '.join(ROUTES)} or {{ by = …, map = {{…}} }}")
            out[code] = FundRoute(route=target)
        elif isinstance(target, dict):
            if set(target) != {"by", "map"} or target["by"] not in ROUTE_BY or not isinstance(target["map"], dict):
                raise PlatformConfigError(key, 'write { by = "setl_proc_info" or "med_type", map = { "…" = "ordinary_pay" } }')
            bad = [r for r in target["map"].values() if r not in ROUTES]
            if bad:
                raise PlatformConfigError(f"{key}.map", f"unknown route {bad[0]!r}; known: {', '.join(ROUTES)}")
            out[code] = FundRoute(by=target["by"], table=dict(target["map"]))
        else:
            raise PlatformConfigError(key, "must be a route name or a table")
    return out


def _cum_type_code(v: Any) -> dict[str, str]:
    if not isinstance(v, dict):
        raise PlatformConfigError("cum_type_code", "must be a table of cum_type_code to total")
    out = {}
    for code, target in v.items():
        ok = isinstance(target, str) and (target in YTD_TARGETS or re.fullmatch(r"chronic_(dedc|pay):[^\s]+", target)
                                          or (code.endswith("*") and target in ("chronic_dedc", "chronic_pay")))
        if not ok:
            raise PlatformConfigError(f"cum_type_code.{code}",
                                      f"must be one of {', '.join(YTD_TARGETS)}, chronic_dedc:<dise_codg> / "
                                      f"chronic_pay:<dise_codg>, or (for a code ending in *, whose rest is the "
                                      f"dise_codg) chronic_dedc / chronic_pay; got {target!r}")
        out[code] = target
    return out


def _pool(v: Any) -> tuple[PoolPerson, ...]:
    from conform.reference.case import PSN_TYPES
    from conform.reference.policy import POLICY_IDS

    if not isinstance(v, list):
        raise PlatformConfigError("pool", "must be an array of tables ([[adapter.platform.pool]])")
    out, seen = [], set()
    for i, row in enumerate(v):
        key = f"pool[{i}]"
        if not isinstance(row, dict):
            raise PlatformConfigError(key, "must be a table")
        unknown = sorted(set(row) - POOL_KEYS)
        if unknown:
            raise PlatformConfigError(f"{key}.{unknown[0]}", f"unknown key; allowed: {', '.join(sorted(POOL_KEYS))}")
        psn_no = _text(row.get("psn_no"), f"{key}.psn_no")
        if psn_no in seen:
            raise PlatformConfigError(f"{key}.psn_no", f"{psn_no!r} listed twice")
        seen.add(psn_no)
        policy = row.get("policy")
        if policy not in POLICY_IDS:
            raise PlatformConfigError(f"{key}.policy", f"must be one of {', '.join(POLICY_IDS)}, got {policy!r}")
        psn_type = row.get("psn_type")
        if psn_type not in PSN_TYPES:
            raise PlatformConfigError(f"{key}.psn_type", f"must be one of {', '.join(PSN_TYPES)}, got {psn_type!r}")
        params = row.get("params", {})
        if not isinstance(params, dict) or not all(isinstance(x, str) for x in params.values()):
            raise PlatformConfigError(f"{key}.params", 'must be a table of parameter = "value" (text)')
        if row.get("mdtrt_cert_no") is not None:
            _text(row["mdtrt_cert_no"], f"{key}.mdtrt_cert_no")
        admdvs = row.get("insuplc_admdvs")
        if admdvs is not None:
            _text(admdvs, f"{key}.insuplc_admdvs", r"\d{6}", "a six-digit 医保区划 code as text")
        region = row.get("region")
        if region is not None:
            _text(region, f"{key}.region")
        facts = {k: row[k] for k in ("chronic_diseases", "flex_tier", "has_account", "remote_filing", "birth_date")
                 if k in row}
        try:
            from conform.reference.case import parse_person

            parse_person({"psn_no": psn_no, "psn_type": psn_type, **facts}, f"pool {psn_no}")
        except ValueError as e:
            raise PlatformConfigError(key, str(e)) from None
        out.append(PoolPerson(psn_no, policy, psn_type, region, dict(params), row.get("mdtrt_cert_no"), admdvs, facts))
    return tuple(out)


# 就诊凭证类型 of the national spec, each naming what 就诊凭证编号 carries ("就诊凭证类型为“01”时填写电子凭证令牌，为“02”时填写身份证号，
# 为“03”时填写社会保障卡卡号", the 1101/2201/2207 field text the HIS models in docs/connect-your-system.md §8.7 carry). None
# is the 人员编号: under these a pool person's psn_no is no 凭证 (s29 probeP2 F6).
CERT_TYPES = {"01": "电子凭证令牌", "02": "居民身份证号", "03": "社会保障卡卡号"}


def _certs_given(cfg: PlatformConfig) -> None:
    """Under a national 就诊凭证类型 each pool entry names its 就诊凭证编号 (mdtrt_cert_no): the psn_no it would
    otherwise send is no such number, and a test environment refuses the person (as not known) for it."""
    what = CERT_TYPES.get(cfg.mdtrt_cert_type)
    if what is None:   # an environment's own code (e.g. one taking the 人员编号): the psn_no may stand in
        return
    for i, p in enumerate(cfg.pool):
        if not (isinstance(p.mdtrt_cert_no, str) and p.mdtrt_cert_no.strip()):
            raise PlatformConfigError(
                f"pool[{i}].mdtrt_cert_no",
                f"missing for pool person {p.psn_no!r}: mdtrt_cert_type = {cfg.mdtrt_cert_type!r} sends the person's "
                f"{what} as mdtrt_cert_no, and the psn_no is none (write the test person's {what})")


def parse_platform(table: Any) -> PlatformConfig:
    """Check the [adapter.platform] table; raise PlatformConfigError naming the key under it."""
    if not isinstance(table, dict):
        raise PlatformConfigError("", "must be a table ([adapter.platform])")
    unknown = sorted(set(table) - PLATFORM_KEYS)
    if unknown:
        raise PlatformConfigError(unknown[0], f"unknown key; allowed: {', '.join(sorted(PLATFORM_KEYS))}")
    cfg = PlatformConfig()
    for key in ("infver", "recer_sys_code", "fixmedins_code", "fixmedins_name", "opter_type", "opter", "opter_name",
                "mdtrt_cert_type", "psn_setlway", "mac", "ip", "diag_code", "diag_name", "dise_dor_no",
                "dise_dor_name"):
        if key in table:
            setattr(cfg, key, _text(table[key], key))
    for key in ("dev_no", "signtype"):
        if key in table:
            if not isinstance(table[key], str):
                raise PlatformConfigError(key, "must be text")
            setattr(cfg, key, table[key])
    for key in ("mdtrtarea_admvs", "remote_mdtrtarea_admvs"):
        if key in table:
            setattr(cfg, key, _text(table[key], key, r"\d{6}", "a six-digit 医保区划 code as text"))
    if "sign_in" in table:
        if not isinstance(table["sign_in"], bool):
            raise PlatformConfigError("sign_in", f"must be true or false, got {table['sign_in']!r}")
        cfg.sign_in = table["sign_in"]
    if "transactions" in table:
        cfg.transactions = _codes(table["transactions"], "transactions", TRANSACTIONS)
        if "2207" not in cfg.transactions:
            raise PlatformConfigError("transactions", "must include 2207 (门诊结算)")
        if bool({"2201", "2204", *VISIT_INFO} & cfg.transactions) and not {"2201", "2204"} <= cfg.transactions:
            raise PlatformConfigError("transactions", "an itemised visit needs both 2201 and 2204 (2203 or 2203A is "
                                                      "optional)")
        if set(VISIT_INFO) <= cfg.transactions:
            raise PlatformConfigError("transactions", "declare 2203 or 2203A (the same 就诊信息上传, sent once a visit), "
                                                      "not both")
    if "hooks" in table:
        cfg.hooks = _codes(table["hooks"], "hooks", HOOKS)
    if "cum_rows" in table:
        if table["cum_rows"] not in ("total", "monthly"):
            raise PlatformConfigError("cum_rows", f'must be "total" or "monthly", got {table["cum_rows"]!r}')
        cfg.cum_rows = table["cum_rows"]
    if "med_type" in table:
        v = table["med_type"]
        if not isinstance(v, dict) or not all(isinstance(x, str) and x for x in v.values()):
            raise PlatformConfigError("med_type", 'must be a table of harness code = "your code" (e.g. "28" = "9903", '
                                                  'or by disease kind "14:two_disease" = "1404")')
        for key in v:
            code, sep, kind = key.partition(":")
            if not code or (sep and kind not in DISEASE_KINDS):
                raise PlatformConfigError(f"med_type.{key}",
                                          f'a key is a harness code ("14") or a code and the kind of the visit\'s '
                                          f'disease ("14:two_disease"); kinds: {", ".join(DISEASE_KINDS)}')
        cfg.med_type = dict(v)
    if "facilities" in table:
        v = table["facilities"]
        if not isinstance(v, dict):
            raise PlatformConfigError("facilities", "must be a table of facility level to { fixmedins_code, fixmedins_name }")
        for level, row in v.items():
            key = f"facilities.{level}"
            if level not in FACILITIES:
                raise PlatformConfigError(key, f"unknown level; known: {', '.join(FACILITIES)}")
            if not isinstance(row, dict) or set(row) - {"fixmedins_code", "fixmedins_name"}:
                raise PlatformConfigError(key, 'write { fixmedins_code = "…", fixmedins_name = "…" }')
            cfg.facilities[level] = (_text(row.get("fixmedins_code"), f"{key}.fixmedins_code"),
                                     str(row.get("fixmedins_name", "")))
    if "catalogue" in table:
        cfg.catalogue = _catalogue(table["catalogue"])
    if "fund_pay_type" in table:
        cfg.fund_pay_type = _fund_pay_type(table["fund_pay_type"])
    if "cum_type_code" in table:
        cfg.cum_type_code = _cum_type_code(table["cum_type_code"])
    if "pool" in table:
        cfg.pool = _pool(table["pool"])
        _certs_given(cfg)
    if "dise_names" in table:
        v = table["dise_names"]
        if not isinstance(v, dict) or not all(isinstance(x, str) and x.strip() for x in v.values()):
            raise PlatformConfigError("dise_names", 'must be a table of dise_codg = "疾病名称" (non-empty text)')
        cfg.dise_names = dict(v)
    return cfg
