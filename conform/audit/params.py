"""The bound rules as small tables the plan joins: nothing here re-types a figure.

Every value comes from `conform.reference.policy` (`bind_cached`, `Rules.first`, `Rules.find`) and
`conform.reference.benefits.ordinary_ratio`, the same calls the reference engine makes, in the same
order, so a value the region must supply and does not is refused for exactly the settlements
the reference engine refuses. Ratios become exact integer fractions (Decimal.as_integer_ratio):
0.55 -> 11/20, so the plan computes round_half_up(x * 11 / 20) in integer fen.

Tables: `params` (role x facility), `settings` (one row), `exclusions`, `psn_types`.
"""
from __future__ import annotations

from decimal import Decimal

import duckdb
import pyarrow as pa

from conform.reference.account import account_reform
from conform.reference.benefits import deductible_and_cap, ordinary_ratio
from conform.reference.case import FACILITIES, PSN_TYPES
from conform.reference.money import ratio_e4, to_fen
from conform.reference.policy import MissingParameter, PolicyError, Rules
from conform.reference.trace import join_cites

from .settle_ref import _said
from .tables import create_from_arrow

ROLES = ("in_service", "retiree")


def _frac(d: Decimal) -> tuple[int, int]:
    return d.as_integer_ratio()


def params_rows(rules: Rules, errors: list[PolicyError] | None = None) -> list[dict]:
    """One row per role and facility; each refusal is also appended to `errors` (as raised) when given."""
    rows = []
    for role in ROLES:
        for fac in FACILITIES:
            r: dict = {"pr_id": len(rows), "role": role, "facility": fac, "covered": True, "ratio_num": None, "ratio_den": None,
                       "ratio_e4": None, "ratio_cite": None, "ratio_err": None, "dedc": None, "dedc_cite": None,
                       "cap": None, "cap_cite": None, "dc_err": None, "ratio_note": None, "dc_note": None}
            try:
                got = ordinary_ratio(rules, role, fac)
                if got is None:
                    r["covered"] = False
                else:
                    ratio, cite = got
                    r["ratio_num"], r["ratio_den"] = _frac(ratio)
                    r["ratio_e4"], r["ratio_cite"] = ratio_e4(ratio), cite  # a retiree's: ratio and bonus, each once
            except PolicyError as e:
                r["ratio_err"], r["ratio_note"] = str(e), _said(e)
                if errors is not None:
                    errors.append(e)
            try:
                dp, cp = deductible_and_cap(rules, role)  # a retiree's by a named reading cites it (吉林, 浙江)
                r.update(dedc=to_fen(dp.value), dedc_cite=dp.cite, cap=to_fen(cp.value), cap_cite=cp.cite)
            except MissingParameter as e:
                r["dc_err"], r["dc_note"] = str(e), _said(e)
                if errors is not None:
                    errors.append(e)
            rows.append(r)
    return rows


def settings_row(rules: Rules) -> dict:
    policy = rules.policy
    before = policy.doc.get("before_validity") or {}
    elig = policy.eligibility
    acct = elig.get("requires_account")
    s: dict = {
        "valid_from": rules.valid_from, "valid_to": rules.valid_to,
        "pre_none": before.get("ordinary") == "none",
        "pre_cite": join_cites(policy.cite(str(before.get("article", ""))), policy.validity_cite, "A-BEFORE-VALIDITY"),
        "em_inpatient": policy.routes.get("emergency", {}).get("route") == "inpatient",
        "ds_inpatient": policy.routes.get("day_surgery", {}).get("route") == "inpatient",
        "requires_account": acct is not None,
        # no account for want of one (a tier-2 flexible worker: the assumption), and the article alone (an
        # account holder outside the benefit period, or a person the persons file says has no account)
        "acct_cite": f"{policy.cite(str(acct['article']))}；A-PZH-FLEX-TIER2" if acct else None,
        "elig_cite": policy.cite(str(acct["article"])) if acct else None,
        "remote_elig": "remote_filing" in elig,
        "remote_num": None, "remote_den": None, "remote_e4": None, "remote_cite": None, "remote_err": None,
        "remote_note": None,
        "hospital_flag": rules.flag("hospital_stay.no_outpatient_benefit"),
        "pharm_cite": None,
        "acct_pay_cite": policy.account_pay_cite,
        # the document's own date for its account reform (浙江 二（三）), NULL where one date serves all rules:
        # before it the account's part of a settlement is not assessed (as the reference engine leaves it)
        "acct_reform": (account_reform(rules) or (None,))[0],
        # the reading a deductible charged on a bill with 全自费/超限价/先行自付 rests on, where the document does not
        # decide it itself (benefits._deductible_scope; 浙江 二（一）'s article is its deductible's own: nothing to add)
        "dedc_scope": (policy.doc.get("deductible_scope") or {}).get("assumption"),
        # the readings plan.compare cites on a payment (the year its deductible counts over) and on a remote-filed
        # visit (the place filed for), as the reference's trace does (probe s29 A2 F1, F2)
        "year_reading": policy.doc.get("year_reading"),
        "remote_filed": (elig.get("remote_filing") or {}).get("assumption"),
    }
    req = policy.requirement_for("ordinary.ratio.pharmacy")
    s["pharm_cite"] = req.cite if req else policy.short
    if s["remote_elig"]:
        try:
            p = rules.get("ordinary.ratio.remote_unfiled")
            s["remote_num"], s["remote_den"] = _frac(p.value)
            s["remote_e4"], s["remote_cite"] = ratio_e4(p.value), p.cite
        except MissingParameter as e:
            s["remote_err"], s["remote_note"] = str(e), _said(e)
    return s


PARAMS_SCHEMA = pa.schema([("pr_id", pa.int32()), ("role", pa.string()), ("facility", pa.string()), ("covered", pa.bool_()),
                           ("ratio_num", pa.int64()), ("ratio_den", pa.int64()), ("ratio_e4", pa.int64()),
                           ("ratio_cite", pa.string()), ("ratio_err", pa.string()), ("dedc", pa.int64()),
                           ("dedc_cite", pa.string()), ("cap", pa.int64()), ("cap_cite", pa.string()),
                           ("dc_err", pa.string()), ("ratio_note", pa.string()), ("dc_note", pa.string())])
SETTINGS_SCHEMA = pa.schema([("valid_from", pa.date32()), ("valid_to", pa.date32()), ("pre_none", pa.bool_()),
                             ("pre_cite", pa.string()), ("em_inpatient", pa.bool_()), ("ds_inpatient", pa.bool_()),
                             ("requires_account", pa.bool_()), ("acct_cite", pa.string()), ("elig_cite", pa.string()),
                             ("remote_elig", pa.bool_()), ("remote_num", pa.int64()), ("remote_den", pa.int64()),
                             ("remote_e4", pa.int64()), ("remote_cite", pa.string()), ("remote_err", pa.string()),
                             ("hospital_flag", pa.bool_()), ("pharm_cite", pa.string()),
                             ("acct_pay_cite", pa.string()), ("acct_reform", pa.date32()), ("remote_note", pa.string()),
                             ("dedc_scope", pa.string()), ("year_reading", pa.string()), ("remote_filed", pa.string())])


def tables(rules: Rules) -> dict[str, pa.Table]:
    """The parameter tables; a policy that cannot settle any ordinary visit (a framework without its
    region) is a configuration error, not a ledger of unassessed rows."""
    policy = rules.policy
    errors: list[PolicyError] = []
    rows = params_rows(rules, errors)
    for key in ("dc_err", "ratio_err"):
        if all(r[key] for r in rows if r["facility"] != "pharmacy"):
            first = next(r[key] for r in rows if r[key])
            # the error itself (a MissingParameter keeps its type: the audit words it for --region)
            raise next((e for e in errors if str(e) == first), PolicyError(first))
    ex = [(code, policy.cite(str(e["article"]))) for code, e in policy.exclusions.items()]
    return {
        "params": pa.Table.from_pylist(rows, schema=PARAMS_SCHEMA),
        "settings": pa.Table.from_pylist([settings_row(rules)], schema=SETTINGS_SCHEMA),
        "exclusions": pa.table({"ex_code": pa.array([e[0] for e in ex], pa.string()),
                                "ex_cite": pa.array([e[1] for e in ex], pa.string())}),
        "psn_types": pa.table({"pt_code": list(PSN_TYPES), "pt_role": [v[0] for v in PSN_TYPES.values()],
                               "pt_flexible": [v[1] for v in PSN_TYPES.values()]}),
    }


def load(con: duckdb.DuckDBPyConnection, rules: Rules) -> None:
    for name, tbl in tables(rules).items():
        create_from_arrow(con, name, tbl)
