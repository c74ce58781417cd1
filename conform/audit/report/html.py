"""audit.html: one self-contained page for the regulator (opens from disk, loads nothing).

jinja2 with autoescaping renders every value from the ledger (setl_id, psn_no,
institution codes, clauses) as text, never markup; the page has no script at
all and its Content-Security-Policy forbids any. The charts are inline SVG
whose geometry is computed here from integer fen.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from conform.display import shown, width

from .. import interrupt
from . import rollups as R
from .text import (CLAUSE_SEP, FIELD_LABELS, FUND_NOT_AUDITED, PSN_LABEL, UNUSED_HEAD, UNUSED_HEAD_EN, USED_HEAD,
                   USED_HEAD_EN, field_label, reversed_net_text, unique_clauses, yuan_grouped)

TEMPLATES = Path(__file__).resolve().parent / "templates"
OVER, UNDER = "#c62828", "#1565c0"
MAX_TRACE_STEPS = 80
MAX_TEXT = 2000
MAX_IDENT = 60  # an institution's name too (the page only: audit.xlsx keeps it whole)


def _shown(v: Any) -> Any:
    """Every value the page prints, before autoescaping (conform.display.shown): a control character from the
    ledger (a NUL in a fixmedins_name) written as \\x00, a bidi override that would turn the line around as
    \\u202e, as audit.xlsx writes them, never raw."""
    return shown(v) if isinstance(v, str) and not isinstance(v, Markup) else v


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, finalize=_shown)
    env.filters["yuan"] = yuan_grouped
    env.filters["field"] = field_label
    env.filters["ident"] = ident
    env.globals.update(PSN_LABEL=PSN_LABEL, FIELD_LABELS=FIELD_LABELS, OVER=OVER, UNDER=UNDER,
                       FUND_NOT_AUDITED=FUND_NOT_AUDITED, USED_HEAD=USED_HEAD, USED_HEAD_EN=USED_HEAD_EN,
                       UNUSED_HEAD=UNUSED_HEAD, UNUSED_HEAD_EN=UNUSED_HEAD_EN)
    return env


def bar_chart(rows: list[dict], label_key: str, max_bars: int = 40, *, recent: bool = False,
              kind: str = "项", unit: str = "", rest: str = "") -> dict:
    """Horizontal paired bars per category: overpaid (red) and underpaid (blue), scaled to the largest.

    More than `max_bars` rows: `recent` (rows in time order, e.g. months) keeps the last `max_bars`, still in
    time order: the latest months are the ones a regulator needs most; otherwise the `max_bars` largest by
    overpaid, then underpaid. `note` then says exactly how many `unit`s of `kind` were left out and where
    they are (`rest`); no note when nothing was cut. When every bar shown would be 0.00 / 0.00 (the
    discrepancies move no fund money) there are no bars, and `none` says so in a line instead."""
    left_out = max(len(rows) - max_bars, 0)
    if not recent:
        rows = sorted(rows, key=lambda r: (-r["overpaid"], -r["underpaid"]))  # stable: ties keep their order
    rows = rows[len(rows) - max_bars:] if recent and left_out else rows[:max_bars]
    note = none = None
    if left_out and recent:
        note = f"只显示最近 {max_bars} {unit}{kind}；较早的 {left_out} {unit}{kind}{rest}。"
    elif left_out:
        note = f"只显示多付、少付最多的 {max_bars} {unit}{kind}；其余 {left_out} {unit}{kind}未显示{rest}。"
    if rows and not any(r["overpaid"] or r["underpaid"] for r in rows):
        scope = f"最近 {max_bars} {unit}{kind}" if left_out and recent else f"各{kind}"
        none, rows = f"{scope}均无统筹基金多付或少付。", []
    biggest = max([max(r["overpaid"], r["underpaid"]) for r in rows] + [1])
    label_w = max([width(str(r[label_key]), 12.0, 12.0 * 0.6) for r in rows] + [60]) + 16
    bar_w, row_h = 460.0, 34
    bars = []
    for i, r in enumerate(rows):
        y = 30 + i * row_h
        bars.append({"label": str(r[label_key]), "y": y, "absent": False,
                     "over_w": round(bar_w * r["overpaid"] / biggest, 1), "under_w": round(bar_w * r["underpaid"] / biggest, 1),
                     "over": yuan_grouped(r["overpaid"]), "under": yuan_grouped(r["underpaid"])})
    return {"bars": bars, "label_w": round(label_w, 1), "width": int(label_w + bar_w + 150),
            "height": 40 + len(rows) * row_h, "left_out": left_out, "note": note, "none": none}


def ident(v: Any) -> str:
    """A ledger identifier (setl_id, psn_no, fixmedins_code) as the page shows it: bounded like a name, the
    cut marked (…); the full value is in discrepancies.parquet and .csv."""
    return R._clip(v, MAX_IDENT)


def reversal_note(fields: list[dict]) -> dict | None:
    """How a reversal (2208) shown as a worked example was classed, as rollups.collect classes it: when its
    settlement's hifp_pay does not differ, the reversal carries the pair's money (`pair_net`) and its hifp_pay
    difference counts as it stands — the fund lost or kept it through the reversal itself (`own` False:
    how much it gave back against what it should have, and the pair's net); otherwise its differences are
    what it says of the settlement, in the opposite direction (`own` True)."""
    if not fields or not fields[0].get("init_setl_id"):
        return None
    note: dict[str, Any] = {"init_setl_id": fields[0]["init_setl_id"], "own": True,
                            "dedc": any(f["field"] == "act_pay_dedc" for f in fields)}
    fund = next((f for f in fields if f["field"] == "hifp_pay" and f.get("pair_net") is not None), None)
    if fund is not None:
        back, due, net = -Decimal(fund["recorded"]), -Decimal(fund["expected"]), Decimal(fund["pair_net"])
        note.update(own=False, back=f"{back:.2f}", due=f"{due:.2f}",
                    more="多退" if back > due else "少退", by=f"{abs(back - due):.2f}",
                    net="少付" if net < 0 else "多付", net_by=f"{abs(net):.2f}")
    return note


# The audit's own readings (A-AUDIT-…): where the texts are silent on what a ledger leaves out, how the audit reads
# it. The engine's trace never states them (at most an id), so a worked example names each one its expected figures
# rest on, with its text: those its clauses cite, and those the run states for the whole ledger (run.LEDGER_ASSUMPTIONS)
# that bear on a field that differs.
AUDIT_READING = "A-AUDIT-"
MAX_READINGS = 30
_BENEFIT_FIELDS = frozenset({"act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "fund_pay_sumamt", "psn_part_amt",
                             "acct_pay", "psn_cash_pay"})
_ALL_FIELDS = _BENEFIT_FIELDS | {"inscp_scp_amt"}
# A ledger-wide reading: (the fields whose expected figure reads it, the med_type it is about or None). Whether a visit
# is outside the city, an exclusion, a registered disease decide the benefit, not 政策范围内费用; the amounts read as
# 0 or as recorded decide what follows them (run.RECORDED_AMOUNT_ASSUMPTIONS, added in _ledger_wide); the unit of
# an integer column and the day of an INT96 time, every figure. A-AUDIT-ACCT-CREDITS and the four every run states
# (run.AUDIT_ASSUMPTIONS) are cited by the clause exactly where a figure rests on them; A-AUDIT-CASH-NO-ACCT is
# about a field left unaudited, which never differs.
_LEDGER_WIDE = {"A-AUDIT-REMOTE-ADMDVS": (_BENEFIT_FIELDS, None), "A-AUDIT-REMOTE-ABSENT": (_BENEFIT_FIELDS, None),
                "A-AUDIT-CHRONIC-REGISTERED": (_BENEFIT_FIELDS, "14"),
                "A-AUDIT-EXCLUSION-ABSENT": (_BENEFIT_FIELDS, None), "A-AUDIT-OWNPAY-ABSENT": (_ALL_FIELDS, None),
                "A-AUDIT-ACCT-USED": (frozenset({"acct_pay", "psn_cash_pay"}), None),
                "A-AUDIT-INTEGER-YUAN": (_ALL_FIELDS, None), "A-AUDIT-INT96-UTC": (_ALL_FIELDS, None)}


def _ledger_wide() -> dict[str, tuple[frozenset, str | None]]:
    from ..run import RECORDED_AMOUNT_ASSUMPTIONS  # here: run imports this package

    out = dict(_LEDGER_WIDE)
    for aid, _column, fields, _needs_balance in RECORDED_AMOUNT_ASSUMPTIONS:
        out[aid] = out[f"{aid}-ABSENT"] = (frozenset(fields), None)
    return out


def _balance_only() -> frozenset[str]:
    """The ledger-wide readings that by their own text bear only on a person with an opening balance (a relative's
    account, the account-used flag): beside an example taken as recorded for want of one (A-AUDIT-ACCT-UNKNOWN) they
    say nothing of it."""
    from ..run import RECORDED_AMOUNT_ASSUMPTIONS

    needs = {aid for aid, _c, _f, needs_balance in RECORDED_AMOUNT_ASSUMPTIONS if needs_balance}
    return frozenset(needs | {f"{a}-ABSENT" for a in needs} | {"A-AUDIT-ACCT-USED"})


def _reading_texts() -> dict[str, str]:
    """The audit readings' texts as run.py states them: for one a clause cites that the run's list leaves out."""
    from ..run import AUDIT_ASSUMPTIONS, CHRONIC_KIND_REGISTERED, LEDGER_ASSUMPTIONS

    texts = {k: v for k, v in LEDGER_ASSUMPTIONS.items() if "{" not in v}
    texts["A-AUDIT-CHRONIC-REGISTERED"] = CHRONIC_KIND_REGISTERED
    texts.update({a["id"]: a["text"] for a in AUDIT_ASSUMPTIONS})
    return texts


def _cited(clause: Any) -> list[str]:
    return [c.strip() for c in str(clause or "").split(CLAUSE_SEP) if c.strip().startswith(AUDIT_READING)]


def audit_readings(fields: list[dict], clauses: list[Any], stated: dict[str, str],
                   registered: bool = False) -> list[dict]:
    """The audit readings a worked example's expected figures rest on, each once with its text: those cited by its
    fields' clauses and the trace's `clauses`, then the run's ledger-wide ones (`stated`: id -> text, the run's
    assumptions) that bear on a differing field of this settlement. `registered`: the person's record gives
    chronic_diseases (rollups.read_apart), so A-AUDIT-CHRONIC-REGISTERED's reading of a record without them does not
    bear on it."""
    ids = [c for f in fields for c in _cited(f.get("clause"))] + [c for cl in clauses for c in _cited(cl)]
    differing = {f.get("field") for f in fields}
    med = fields[0].get("med_type") if fields else None
    wide = _ledger_wide()
    no_balance = "A-AUDIT-ACCT-UNKNOWN" in ids
    ids += [aid for aid in stated if aid in wide and wide[aid][0] & differing and wide[aid][1] in (None, med)
            and not (no_balance and aid in _balance_only())
            and not (registered and aid == "A-AUDIT-CHRONIC-REGISTERED")]
    known = _reading_texts()
    out = []
    for aid in dict.fromkeys(ids):
        text = stated.get(aid) or known.get(aid)
        out.append({"id": R._clip(aid, 100), "text": R._clip(text, MAX_TEXT) if text else "（未收录其文字，见 summary.json 的 assumptions）"})
    return out[:MAX_READINGS]


def worked_example(con: duckdb.DuckDBPyConnection, setl_id: str, explain: Callable[[str], dict] | None,
                   stated: dict[str, str] | None = None) -> dict:
    """A class's representative settlement: its differing fields, when available the reference trace, and the
    audit readings its expected figures rest on (`stated`: the run's assumptions, id -> text)."""
    fields = R.settlement_rows(con, setl_id)
    ex: dict[str, Any] = {"setl_id": setl_id, "fields": fields, "trace": [], "expected": {}, "error": None,
                          "reversal": reversal_note(fields), "readings": []}
    registered = bool(fields) and fields[0].get("med_type") == "14" and R.read_apart(con, fields[0].get("psn_no"))
    if explain is None:
        ex["error"] = "未提供计算过程（本次稽核未启用 explain）"
        ex["readings"] = audit_readings(fields, [], stated or {}, registered)
        return ex
    traced: list[Any] = []
    try:
        got = explain(setl_id) or {}
        traced = [step.get("clause") for step in (got.get("trace") or [])]
        for step in (got.get("trace") or [])[:MAX_TRACE_STEPS]:
            ex["trace"].append({"step": R._clip(step.get("step"), 100),
                                "text": R._clip(step.get("text", step.get("detail")), MAX_TEXT),
                                "clause": R._clip(unique_clauses(step.get("clause")), 400),
                                "value": R._clip(step.get("value"), 40) if step.get("value") is not None else ""})
        ex["expected"] = {str(k): R._clip(v, 40) for k, v in (got.get("expected") or {}).items()}
    except Exception as e:  # noqa: BLE001 - one example failing must not lose the whole report
        if interrupt.received() is not None:  # a Ctrl-C that DuckDB turned into its error: the run stops
            raise
        ex["error"] = R._clip(f"计算过程不可用：{type(e).__name__}: {e}", 500)
    ex["readings"] = audit_readings(fields, traced, stated or {}, registered)
    return ex


def shared_readings(worked: list[dict]) -> list[dict]:
    """The audit readings two or more worked examples rest on: listed once above the examples (raudit2 D7 — the same five
    repeated under every example read as noise); each example then lists its own others and names these by id
    (`shared_ids`). With one example nothing is hoisted."""
    seen: dict[str, dict] = {}
    count: dict[str, int] = {}
    for w in worked:
        for r in w["readings"]:
            seen.setdefault(r["id"], r)
            count[r["id"]] = count.get(r["id"], 0) + 1
    shared = [seen[k] for k in seen if count[k] >= 2]
    ids = {r["id"] for r in shared}
    for w in worked:
        w["shared_ids"] = [r["id"] for r in w["readings"] if r["id"] in ids]
        w["readings"] = [r for r in w["readings"] if r["id"] not in ids]
    return shared


def render(con: duckdb.DuckDBPyConnection, summary: dict, data: dict, overview: list[tuple[str, Any]],
           explain: Callable[[str], dict] | None, files: list[str]) -> str:
    stated = {str(a.get("id")): str(a.get("text") or "") for a in summary.get("assumptions") or [] if a.get("id")}
    classes = []
    for c in data["classes"]:
        rd = c.get("example_reversed")  # an example a reversal cancelled: said at the example (rollups._classes)
        rd = {**rd, "net_text": reversed_net_text(rd.get("net"))} if rd else None
        classes.append({**c, "example_reversed": rd, "worked": worked_example(con, c["example"], explain, stated)})
    shared = shared_readings([c["worked"] for c in classes])
    # Without hifp_pay in the ledger there is no over- or underpayment to draw: no bars of ¥0.00.
    fund = summary.get("fund_audited", True)
    month_chart = bar_chart(data["by_month"] if fund else [], "month", recent=True, kind="月", unit="个",
                            rest="见 audit.xlsx“按月份”")
    absent = {r["month"] for r in data["by_month"] if r.get("absent")}
    for b in month_chart["bars"]:  # a month with no row at all was not audited: never drawn as 0.00, and said in
        b["absent"] = b["label"] in absent  # a neutral grey (.nodata), not the overpaid red
        if b["absent"]:
            b["over"], b["under"] = R.NO_ROWS, ""
    warned = absent & set(summary.get("months_absent") or ())  # a forgotten file? said in a warning above
    said = [f"{'、'.join(sorted(warned))}：{R.NO_ROWS}，该月未经稽核（见上方“注意”）。" if warned else "",
            f"{'、'.join(sorted(absent - warned))}：{R.NO_ROWS}，清单中该月没有结算，未经稽核。" if absent - warned else ""]
    if absent:
        month_chart["note"] = " ".join(x for x in (month_chart["note"], *said) if x)
    facility_chart = bar_chart([{**r, "label": r["facility_label"]} for r in data["by_facility"]] if fund else [],
                               "label", kind="机构等级", unit="个", rest="（各机构见 audit.xlsx“按机构”）")
    return _environment().get_template("audit.html.j2").render(
        s=summary, d=data, t=data["totals"], overview=overview, classes=classes, shared=shared, month_chart=month_chart,
        facility_chart=facility_chart, files=files)


def write(path: Path, html: str) -> None:
    path.write_text(html, encoding="utf-8")
