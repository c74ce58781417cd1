"""The audit's outputs: summary.json, discrepancies.parquet/.csv, audit.xlsx, audit.html.

`write_reports` is the one entry point (the contract with conform/audit/run.py). All five
files are built in a hidden temporary sibling of the output folder and the
folder is renamed into place at the end, so a run that stops part-way leaves
either the previous complete report or nothing that looks like one. An existing
folder that cannot be renamed or replaced (a mount point such as a Docker volume,
or a folder in a parent the user cannot write) is built inside instead, in a
hidden .conform-audit.<pid>.tmp, and the files moved in with summary.json last:
there, summary.json marks a complete report. The
roll-ups are DuckDB SQL over the discrepancy Parquet; no discrepancy row is
loaded into Python except the ≤ Excel-limit detail rows streamed into the xlsx.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from conform.display import UNWRITABLE
from conform.atomic import point_latest
from conform.sheets import FORMULA_START, formula_start_class
from conform.reference.policy import POLICY_IDS, load_policy

from .. import interrupt
from ..errors import AuditInputError
from ..report_files import FILES, INSIDE_PREFIX
from ..sources import no_rows_said
from ..verdict import TITLES, unchecked_rows, verdict

from . import html as html_report
from . import rollups, xlsx
from .text import (FUND_NOT_AUDITED, SHORT_FILE_NOTE, assumption_use, fund_audited, fund_fen, short_file_said,
                   short_files, ytd_unused_text, yuan)

__all__ = ["write_reports", "check_out_dir", "default_out_dir", "DEFAULT_BASE", "FILES"]

DEFAULT_BASE = Path("reports")
LATEST = "audit-latest"
MONEY_KEYS = ("recorded_hifp_pay", "expected_hifp_pay", "overpaid", "underpaid", "overpaid_order_dependent",
              "underpaid_order_dependent", "overpaid_after_month_absent", "underpaid_after_month_absent")


def policy_label(policy: str) -> str:
    """The document's name as `conform run`'s reports write it (harness doc_label: 攀枝花, 南昌（征求意见稿）, the draft
    mark read from the policy file's title); "" for an id that is none."""
    from conform.harness.report.model import doc_label
    return doc_label(load_policy(policy)) if policy in POLICY_IDS else ""


def _policy_text(summary: dict) -> str:
    """The 政策文件 line: the name, the id, and for a consultation draft its title, so a reader is told the adopted
    rules may differ from the figures audited."""
    pid = summary.get("policy", "")
    text = f"{policy_label(pid)} {pid}".strip()
    return f"{text}：{summary['policy_title']}" if summary.get("policy_draft") and summary.get("policy_title") else text


def default_out_dir(base: Path = DEFAULT_BASE, now: dt.datetime | None = None) -> Path:
    """reports/audit-<UTC timestamp>: the default folder (reports/audit-latest then points at it)."""
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%dT%H%M%S%fZ")
    return base / f"audit-{stamp}"


def _is_default(out_dir: Path) -> bool:
    return out_dir.name.startswith("audit-") and out_dir.name != LATEST and \
        out_dir.parent.resolve() == DEFAULT_BASE.resolve()


MAX_NOTE = 2000


def unassessed(summary: dict) -> list[dict]:
    """summary["unassessed_by_reason"] for the reports: each reason with the reference engine's own words
    (`details`: note, rows, example_setl_id; the notes clipped); the notes not listed (`unlisted_kinds`,
    `unlisted_rows`: a reason lists its five commonest) and the rows the plan refused, which have no note
    (`plan_rows`), so that what the reports say is left out is what was."""
    out = []
    for u in summary.get("unassessed_by_reason") or []:
        details = [{"note": rollups._clip(str(x.get("note") or ""), MAX_NOTE), "rows": int(x.get("rows") or 0),
                    "example_setl_id": x.get("example_setl_id")} for x in u.get("details") or []]
        listed = sum(x["rows"] for x in details)
        rows = int(u.get("rows") or 0)
        noted = int(u.get("details_rows") or listed)
        out.append({"status": u.get("status"), "reason": u.get("reason"), "rows": rows,
                    "example_setl_id": u.get("example_setl_id"), "details": details,
                    "unlisted_kinds": max(int(u.get("details_kinds") or len(details)) - len(details), 0),
                    "unlisted_rows": max(noted - listed, 0), "plan_rows": max(rows - noted, 0) if details else 0})
    return out


def _verdict(summary: dict, totals: dict) -> tuple[str, str, int]:
    return verdict(totals["rows"], totals["settlements"], int(summary.get("unassessed") or 0), unchecked_rows(summary))


def _verdict_text(summary: dict, totals: dict) -> str:
    """The verdict as the reports word it: the differing records counted as settlements and reversals
    (2208), which the verdict's "N 笔结算" counts together."""
    kind, text, _ = _verdict(summary, totals)
    rev = int(totals.get("reversals") or 0)
    if kind == "discrepancies" and rev:
        text = text.replace(f"：{totals['settlements']} 笔结算、", f"：{totals['settlements'] - rev} 笔结算、{rev} 笔撤销、", 1)
    return text


def summary_json(summary: dict, totals: dict) -> dict:
    """The summary as written: money in yuan strings with two decimals (never float), counts as ints."""
    out: dict[str, Any] = {}
    for k, v in summary.items():
        if k.endswith("_fen") and k[:-4] in MONEY_KEYS:
            fen = fund_fen(summary, k)  # null, never "0.00", when the ledger has no hifp_pay
            out[k[:-4]] = None if fen is None else yuan(fen)
        else:
            out[k] = v
    out["verdict"], _, code = _verdict(summary, totals)
    out["discrepancies"] = totals["rows"]
    out["settlements_with_discrepancies"] = totals["settlements"]
    out["persons_with_discrepancies"] = totals["persons"]
    out["exit_code"] = code
    return out


# The order of the discrepancy files' rows (both the same): by date, then settlement and field.
def _parquet(con: Any, path: Path) -> None:
    """discrepancies.parquet: the plan's rows, each clause as the other reports show it (unique_clauses: the
    reference engine joins a ratio's and a cap's article even when they are one), in discrepancies.csv's order:
    the file rollups.connect sorted them into. Always this one writer's: each engine writes its rows in its own
    order and marks columns required or optional its own way, so two engines' files of the same rows differed byte
    for byte; written here, the same rows give the same file (the order is total: one row per setl_id and field)."""
    shutil.copyfile(rollups.prepared(con), path)


# A text column of at most this many distinct values (codes, the tool's own words: field, clause, status …) is
# checked once per value; one none of whose values the guard would change is written as it is.
FEW_VALUES = 1000


def _needs_guard(con: Any, c: str) -> bool:
    """Whether `guarded` would change any value of column `c` of d_rows. A column of more than FEW_VALUES distinct
    values (setl_id, psn_no: DISTINCT … LIMIT stops as soon as it has found them) counts as needing it and is
    guarded row by row. Guarding every column row by row was half the CSV's time (37 million rows: 45.7 s)."""
    values = [v for (v,) in con.execute(f"SELECT DISTINCT {c} FROM d_rows LIMIT {FEW_VALUES + 1}").fetchall()]
    return len(values) > FEW_VALUES or any(
        v is not None and (str(v).startswith(FORMULA_START) or UNWRITABLE.pattern.search(str(v)) is not None)
        for v in values)


def _csv(con: Any, path: Path) -> None:
    """discrepancies.csv: amounts as two-decimal strings (pool_prop_selfpay four); text guarded against formulas."""
    def guarded(c: str) -> str:
        # A spreadsheet opening the CSV must not run '=cmd()' from a ledger's setl_id: quote-prefix it (OWASP:
        # = + - @ tab CR). A character no file holds (a NUL, a bell) is written \x00; the file is data, so nothing
        # else is escaped (a bidi override stays: audit.xlsx and audit.html, which a person reads, show it as \u202e).
        if not _needs_guard(con, c):
            return c
        v = UNWRITABLE.sql(c)
        # a regular expression, not left(c, 1) IN (…): DuckDB plans an IN list as a join, and the join lost the rows' order
        return (f"CASE WHEN regexp_matches(coalesce({c}, ''), '^{formula_start_class()}') THEN '''' || ({v}) ELSE {v} "
                f"END AS {c}")

    def amount(c: str) -> str:
        return (f"CASE WHEN field = 'pool_prop_selfpay' THEN CAST(CAST({c} AS DECIMAL(18,4)) AS VARCHAR) "
                f"ELSE CAST(CAST({c} AS DECIMAL(18,2)) AS VARCHAR) END AS {c}")

    cols = [guarded("setl_id"), guarded("psn_no"), "strftime(setl_date, '%Y-%m-%d') AS setl_date", "month",
            guarded("psn_type"), guarded("facility"), guarded("fixmedins_code"), guarded("fixmedins_name"),
            guarded("med_type"), guarded("field"),
            amount("recorded"), amount("expected"), amount("diff"), guarded("clause"), guarded("route"),
            guarded("init_setl_id"), guarded("status")]
    target = str(path).replace("'", "''")
    # d_rows is the sorted file as read (insertion order kept): no second sort of millions of rows
    con.execute(f"COPY (SELECT {', '.join(cols)} FROM d_rows) "
                f"TO '{target}' (FORMAT CSV, HEADER, QUOTE '\"', FORCE_QUOTE *)")


def _persons_file_rows(pf: dict | None, ident: Callable[[Any], Any]) -> list[tuple[str, Any]]:
    """What the --persons file gave, and opening year-to-date totals that applied to no year of the ledger."""
    if not pf:
        return []
    rows: list[tuple[str, Any]] = [("人员信息文件 --persons", f"{pf['persons']} 人，其中 {pf['in_ledger']} 人在清单中")]
    u = pf.get("ytd_unused")
    if u:
        rows.append(("年初累计未使用 ytd not used", ytd_unused_text(u, ident)))
    # persons.ledger_checks: records no ledger row names, and a flex_tier no settlement reads (the ledger types the
    # person an employee throughout): neither changes a figure, but a regulator matching the two exports asks
    n = pf.get("not_in_ledger")
    if n:
        rows.append(("人员信息未用 persons not in the ledger", f"{n['persons']} 人在清单中没有结算（例如第 "
                     f"{n.get('line', '?')} 行 psn_no {ident(n['example_psn_no'])}）"))
    f = pf.get("flex_tier_unused")
    if f:
        rows.append(("灵活就业档次未用 flex_tier not read", f"{f['persons']} 人给出了 flex_tier，但清单中其结算均为职工"
                     f"（1101/1201），档次不影响任何结算（例如第 {f.get('line', '?')} 行 psn_no {ident(f['example_psn_no'])}）"))
    return rows


REGION_EXAMPLE_NOTE = "（示例配置：数值为虚构，只供试用；真实清单请用本地区的地区配置）"
# a file not marked `example: true` whose label says 虚构: fictitious in the certification record too
REGION_FICTITIOUS_NOTE = "（示例，数值虚构 fictitious example：标签注明“虚构”，其数值不是真实地区的数值；真实清单请用本地区的地区配置）"
REGION_REAL_NOTE = "（非示例：按本文件数值审核 real figures, as in this file）"


def _region_text(summary: dict) -> str:
    """The 地区配置 row: the --region given, the region's name and label, whether its figures are real or a
    fictitious example (as the certification record decides: run._region_identity), its own document, file and the
    SHA-256 of its bytes (which figures the report rests on)."""
    region = summary.get("region")
    if not region:
        return "—"
    file = summary.get("region_file")
    name, label = summary.get("region_name") or "", summary.get("region_label") or ""
    by_path = bool(file) and _same_file(str(region), str(file))
    # given by its path: the file is named once, after the region's own name and label
    said = [] if by_path else [str(region)]
    for part in (name, label):
        if part and part not in said:
            said.append(part)
    text = " ".join(said)
    fictitious = summary.get("region_fictitious")  # None: not known (no record), so never said to be real
    if not summary.get("region_error"):
        text += (REGION_EXAMPLE_NOTE if summary.get("region_example") else REGION_FICTITIOUS_NOTE if fictitious
                 else REGION_REAL_NOTE if fictitious is False else "")
    source = summary.get("region_source") or {}
    if source:  # the region's own document, as report.html's record says it: title（文号） date url
        doc, number = source.get("document", ""), source.get("number", "")
        text += ("；出处 source " + (f"{doc}（{number}）" if doc and number else doc or number)
                 + "".join(f" {source[k]}" for k in ("date", "url") if source.get(k)))
    if file:
        text += f"{'；' if text else ''}文件 file {file}"
    if summary.get("region_sha256"):
        text += f"；SHA-256 {summary['region_sha256']}"
    if summary.get("region_error"):
        text += f"；{summary['region_error']}"
    return text


def _same_file(a: str, b: str) -> bool:
    """Whether --region `a` (a name or a path) is the file `b` the figures were read from."""
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, RuntimeError, ValueError):
        return False


def _overview(summary: dict, totals: dict, ident: Callable[[Any], Any] = lambda v: v) -> list[tuple[str, Any]]:
    """The 概要 rows (the sheet, and the page's header); `ident`: how a ledger identifier is shown (the page
    clips it, html_report.ident)."""
    period = summary.get("period") or {}
    fields = summary.get("fields_audited") or []
    by_field = summary.get("discrepancies_by_field") or {}

    def money(key: str) -> Any:
        fen = fund_fen(summary, key)
        return FUND_NOT_AUDITED if fen is None else xlsx.Amount(yuan(fen))

    # the fund's totals sum the rows assessed: with some not, the recorded total is not the ledger's whole
    scope = f"，仅计已审核的结算 assessed rows only（未能审核 {summary['unassessed']} 行）" if summary.get("unassessed") else ""
    skipped = []  # rows read but left out of the audit by --map [skip], by code
    if summary.get("rows_skipped"):
        by_code = "；".join(f"{k['skip']} {k['rows']} 行" for k in summary["skipped_by_code"])
        skipped.append(("排除、不审核（--map [skip]、无效记录、外地参保人员） left out", f"{summary['rows_skipped']} 行：{by_code}"))
    if summary.get("admdvs"):  # whose insured persons were audited: said even when no row was left out
        source = summary.get("admdvs_from")  # the --region file's admdvs stood for --admdvs not given (run.py)
        given = f"（取自地区配置 {source} 的 admdvs，未给 --admdvs）" if source not in (None, "--admdvs") else ""
        skipped.append(("本地区医保区划 --admdvs", f"{summary['admdvs']}{given}：只审核参保地在本地区的人员；参保地在其他地市的结算"
                                                  "不按本文件审核，排除并计数"))
    files = summary.get("files")  # every file with its rows; a file with none to read (0 bytes) said below
    ledger = ("；".join(f"{f['path']}（{f['rows']:,} 行）" for f in files) if files
              else "；".join(str(x) for x in summary.get("ledger") or []))
    empty = [f for f in files or () if f.get("empty")]
    file_notes = [("注意 空文件 files with no rows", "；".join(no_rows_said(f["path"], f["empty"]) for f in empty)
                   + "：导出失败？其中应有的结算未经稽核 (a failed export? what it should hold is not audited)")] if empty else []
    short = short_files(files)  # a month far shorter than the others: a partly failed export?
    if short:
        file_notes.append(("注意 行数过少的文件 files with far fewer rows",
                           "；".join(short_file_said(f) for f in short) + "：" + SHORT_FILE_NOTE))
    rows: list[tuple[str, Any]] = [
        ("结论 verdict", _verdict_text(summary, totals)),
        ("政策文件 policy", _policy_text(summary)),
        ("地区配置 region", _region_text(summary)),
        *((("地区配置数值 region figures", "；".join(f"{k} = {v}" for k, v in summary["region_values"].items())),)
          if summary.get("region_values") else ()),
        ("结算清单 ledger", ledger),
        *file_notes,
        ("期间 period", f"{period.get('from', '—')} 至 {period.get('to', '—')}"),
        # what the figures rest on before any of them: a year the ledger holds from after January (run.py)
        *(("注意 note", w) for w in summary.get("warnings") or ()),
        ("读取行数 rows read", summary.get("rows_read")),
        ("结算笔数 settlements", summary.get("settlements")),
        ("撤销笔数 reversals", summary.get("reversals")),
        *skipped,
        ("参保人数 persons", summary.get("persons")),
        *_persons_file_rows(summary.get("persons_file"), ident),
        ("稽核字段 fields audited", ", ".join(fields)),
        ("各字段差异数 by field", "；".join(f"{k}: {v}" for k, v in by_field.items()) or "0"),
        (f"清单记录统筹支付 recorded hifp_pay（元）{scope}", money("recorded_hifp_pay_fen")),
        (f"按规定应支付 expected hifp_pay（元）{scope}", money("expected_hifp_pay_fen")),
        ("统筹基金多付 overpaid（元）", money("overpaid_fen")),
        ("统筹基金少付 underpaid（元）", money("underpaid_fen")),
        # of which the export's order of same-day settlements decides (A-AUDIT-ORDER): said beside the headline
        *((("其中取决于同日结算先后的多付 overpaid resting on the export's order（元）", money("overpaid_order_dependent_fen")),
           ("其中取决于同日结算先后的少付 underpaid resting on the export's order（元）", money("underpaid_order_dependent_fen")))
          if fund_fen(summary, "overpaid_order_dependent_fen") or fund_fen(summary, "underpaid_order_dependent_fen") else ()),
        ("由参考实现逐人结算的人数 persons via reference engine", summary.get("persons_reference")),
        *((f"未能审核 unassessed：{u['reason']}", f"{u['rows']} 行，例如 setl_id {ident(u['example_setl_id'])}")
          for u in summary.get("unassessed_by_reason") or []),
        # recorded figures of rows otherwise assessed that the audit did not check (浙江 before its account reform)
        *((f"部分字段未审核 not assessed：{'、'.join(x['fields'])}",
           f"{x['rows']} 行，例如 setl_id {ident(x['example_setl_id'])}：{x['reason']}")
          for x in summary.get("fields_not_assessed") or []),
        ("计算引擎 engine", summary.get("engine") + (f"（{summary['spark_master']}）" if summary.get("spark_master") else "")
         if summary.get("engine") else summary.get("engine")),
        ("速度 rows/s", summary.get("rows_per_s")),
    ]
    return rows


def check_out_dir(out_dir: Path) -> bool:
    """Refuse an output folder that holds anything but an earlier audit report: replacing the folder
    whole (the atomic swap) must never delete a user's other files. Call it before the audit's work.

    Returns True when the report will be built inside the folder rather than beside it (see _check_writable)."""
    out_dir = Path(out_dir)
    if out_dir.is_symlink():
        raise AuditInputError(_symlink_message(out_dir))
    if out_dir.exists() and not out_dir.is_dir():
        raise AuditInputError(f"output folder {out_dir} exists and is not a folder of an earlier audit report")
    inside = _check_writable(out_dir)
    if not out_dir.exists():
        return inside
    why = (f"or a subfolder such as {out_dir / 'audit'} (an audit report's folder holds the report alone)"
           if inside else "(an audit report replaces its folder whole)")
    entries = [p for p in out_dir.iterdir() if not _ours(p)]
    others = sorted(p.name for p in entries if p.name not in FILES)
    if others:
        shown = ", ".join(repr(n) for n in others[:5]) + (" …" if len(others) > 5 else "")
        raise AuditInputError(f"output folder {out_dir} holds other files ({shown}); choose a new or empty folder {why}")
    # Named like the report's files is not enough: each must be a plain file, and summary.json this tool's.
    for p in sorted(entries):
        if p.is_symlink() or not p.is_file():
            kind = "a symbolic link" if p.is_symlink() else "a folder" if p.is_dir() else "not a regular file"
            raise AuditInputError(f"output folder {out_dir} holds {p.name}, which is {kind}, not a file of an audit "
                                  f"report; choose a new or empty folder {why}")
    if entries and not _our_summary(out_dir / "summary.json"):
        names = ", ".join(sorted(p.name for p in entries))
        raise AuditInputError(f"output folder {out_dir} holds {names} but no summary.json written by conform audit, "
                              f"so they are not taken for an earlier report; choose a new or empty folder {why}")
    return inside


# summary.json is a few kilobytes (its notes are clipped); a larger file is not one this tool wrote.
MAX_SUMMARY_BYTES = 16 << 20
_SUMMARY_KEYS = {"verdict": str, "exit_code": int, "discrepancies_by_field": dict, "policy": str, "rows_read": int}


def _our_summary(path: Path) -> bool:
    """Is `path` a summary.json this tool wrote? The sign: a JSON object with the verdict, exit code and
    counts every report's summary carries (summary_json), the verdict one of ours."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_SUMMARY_BYTES:
            return False
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return False
    return (isinstance(data, dict) and all(isinstance(data.get(k), t) for k, t in _SUMMARY_KEYS.items())
            and data["verdict"] in TITLES)


def _symlink_message(out_dir: Path) -> str:
    target = os.readlink(out_dir)
    where = Path(os.path.realpath(out_dir))
    if where.is_dir():
        fix = f"give the folder it points to (--out {where}) or a new path"
    else:
        fix = "give a folder or a new path"
    return (f"output folder {out_dir} is a symbolic link (to {target}); the report replaces its folder whole, "
            f"which would replace the link rather than write where it leads: {fix}")


# The report's own hidden folders inside an output folder built in place: the one being built
# (.conform-audit.<pid>.tmp) and the writability probe; one left by a killed run is not a user's file.
_OURS = re.compile(r"\.conform-audit(\.\d+\.tmp|-probe-.*)")


def _ours(p: Path) -> bool:
    return bool(_OURS.fullmatch(p.name)) and p.is_dir() and not p.is_symlink()


def _is_mount(path: Path) -> bool:
    """A mount point (a Docker volume, a Kubernetes emptyDir): it cannot be renamed (EBUSY). A bind mount
    from the same filesystem is not seen by os.path.ismount; Linux lists it in /proc/self/mountinfo."""
    if os.path.ismount(path):
        return True
    try:
        table = Path("/proc/self/mountinfo").read_bytes()
    except OSError:
        return False
    real = os.fsencode(os.path.realpath(path))
    unescape = lambda m: bytes([int(m.group(1), 8)])  # noqa: E731 - mountinfo escapes space, tab, \\, newline
    return any(len(f) > 4 and re.sub(rb"\\([0-7]{3})", unescape, f[4]) == real
               for f in (line.split() for line in table.splitlines()))


def _probe(folder: Path) -> None:
    os.rmdir(tempfile.mkdtemp(prefix=".conform-audit-probe-", dir=folder))


def _check_writable(out_dir: Path) -> bool:
    """The report is built in a sibling of `out_dir` and renamed into place: refuse, before any work, a
    folder whose parent is a file or cannot be written (a read-only or virtual filesystem). The probe is
    a folder made and removed at once in the nearest existing parent.

    An existing folder that cannot be renamed (a mount point) or whose parent cannot be written is built
    inside instead: True, once a probe shows the folder itself can be written."""
    existing = out_dir.is_dir() and not out_dir.is_symlink()
    if existing and _is_mount(out_dir):
        _check_inside(out_dir)
        return True
    parent = out_dir.absolute().parent
    while not parent.exists() and not parent.is_symlink() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise AuditInputError(f"output folder {out_dir} cannot be made: {parent} is not a folder")
    try:
        _probe(parent)
    except OSError as e:
        if existing:
            _check_inside(out_dir)
            return True
        raise AuditInputError(f"output folder {out_dir} cannot be made in {parent}: {e.strerror or e}") from None
    return False


def _check_inside(out_dir: Path) -> None:
    try:
        _probe(out_dir)
    except OSError as e:
        raise AuditInputError(f"output folder {out_dir} cannot be written: {e.strerror or e}") from None


def _inside_tmp(out_dir: Path) -> Path:
    """The hidden folder a report built in place is written to; stale ones of runs that were killed go."""
    for p in out_dir.iterdir():
        m = _OURS.fullmatch(p.name)
        if m and m.group(1).endswith(".tmp") and _ours(p) and not _alive(int(p.name.split(".")[2])):
            shutil.rmtree(p, ignore_errors=True)
    return out_dir / f"{INSIDE_PREFIX}{os.getpid()}.tmp"


# The hidden folder a report is built in beside --out: .<name>.<pid>.tmp (report/_publish renames it into place).
_BESIDE = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.tmp")


def _sweep_beside(out_dir: Path) -> None:
    """Remove the folders earlier runs, killed while writing (kill -9, a power cut), left beside `out_dir`: named as
    this run's would be (.<--out's name>.<pid>.tmp; for the default folders any .audit-<id>.<pid>.tmp in reports/),
    their process gone, and holding nothing but report files — a folder of the user's that happens to be named so is
    left alone. At ten million rows such a folder is gigabytes, hidden from `ls` (probe s26 probe3 F2)."""
    try:
        entries = list(out_dir.parent.iterdir())
    except OSError:
        return
    for p in entries:
        m = _BESIDE.fullmatch(p.name)
        if m is None or not (m.group("name") == out_dir.name
                             or (_is_default(out_dir) and m.group("name").startswith("audit-"))):
            continue
        try:
            if (not p.is_dir() or p.is_symlink() or _alive(int(m.group("pid")))
                    or not all(_report_file(f) for f in p.iterdir())):
                continue
        except OSError:
            continue
        shutil.rmtree(p, ignore_errors=True)


def _report_file(f: Path) -> bool:
    """A file a report's build writes: one of FILES, or one being written (DuckDB's tmp_<name>, the xlsx's <name>.part)."""
    name = f.name.removeprefix("tmp_").removesuffix(".part")
    return name in FILES and f.is_file() and not f.is_symlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own from an earlier call in this process: made afresh
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _publish_inside(tmp: Path, out_dir: Path) -> None:
    """Move the finished files from `tmp` (a hidden folder inside `out_dir`) into `out_dir`, summary.json
    last: an earlier report's summary.json goes first, so until the new one is in place the folder does not
    look complete. Each move is a rename within one filesystem."""
    with contextlib.suppress(FileNotFoundError):
        (out_dir / "summary.json").unlink()
    for name in sorted(FILES, key=lambda n: n == "summary.json"):
        os.replace(tmp / name, out_dir / name)
    os.rmdir(tmp)


def _publish(tmp: Path, out_dir: Path) -> None:
    """Swap the finished folder into place; an earlier report of the same name is replaced whole."""
    old = None
    if out_dir.exists() or out_dir.is_symlink():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        try:
            os.replace(out_dir, old)
        except OSError as e:
            if e.errno not in (errno.EBUSY, errno.EXDEV) or not out_dir.is_dir():
                raise
            # a mount point _is_mount did not recognise: the files are moved in instead
            inner = _inside_tmp(out_dir)
            try:
                shutil.rmtree(inner, ignore_errors=True)
                shutil.move(tmp, inner)
                _publish_inside(inner, out_dir)
            except BaseException:
                shutil.rmtree(inner, ignore_errors=True)
                raise
            return
    try:
        os.replace(tmp, out_dir)
    except OSError:
        if old is not None:  # the earlier report goes back where it was
            os.replace(old, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _warn(message: str) -> None:
    print(f"conform: warning: {message}", file=sys.stderr, flush=True)


def _point_latest(out_dir: Path) -> None:
    """reports/audit-latest leads to this run's report; when it cannot, a warning says so and where the
    report is. A real folder of that name is a user's: it is never replaced."""
    link = out_dir.parent / LATEST
    if link.is_dir() and not link.is_symlink():
        _warn(f"{link} is a folder, not the link to the latest report this tool keeps, so it was left as it is "
              f"(remove or rename it to have it kept up to date); this run's report is in {out_dir}")
        return
    try:
        point_latest(out_dir.parent, out_dir, LATEST)
    except OSError as e:
        _warn(f"{link} could not be pointed at this run's report ({e.strerror or e}), so it was left as it is; "
              f"this run's report is in {out_dir}")


def _ledger_wide_assumptions() -> frozenset[str]:
    """The audit readings the run states only where this ledger's columns or period call for them
    (run.LEDGER_ASSUMPTIONS): each stated one bears on every figure it is about. A-AUDIT-CHRONIC-REGISTERED is
    stated by the document's rules alone (whether or not the ledger has a 门诊慢特病 row): used where cited, or where
    a 门诊慢特病 (med_type 14) settlement differs of a person whose record gives no chronic_diseases (under 吉林's rule
    on the registered kind, of anyone: write_reports)."""
    from ..run import LEDGER_ASSUMPTIONS  # here: run imports this package

    return frozenset(LEDGER_ASSUMPTIONS) - {CHRONIC_REGISTERED}


CHRONIC_REGISTERED = "A-AUDIT-CHRONIC-REGISTERED"


def _chronic_rule_on_every_row(summary: dict) -> bool:
    """Whether A-AUDIT-CHRONIC-REGISTERED is stated as the document's rule on the registered kind (吉林:
    run.CHRONIC_KIND_REGISTERED, every 门诊慢特病 figure follows the kind registered), not as the reading of a record
    without chronic_diseases (which a person whose record gives them does not rest on)."""
    from ..run import CHRONIC_KIND_REGISTERED  # here: run imports this package

    return any(a.get("id") == CHRONIC_REGISTERED and a.get("text") == CHRONIC_KIND_REGISTERED
               for a in summary.get("assumptions") or ())


def write_reports(out_dir: Path, discrepancies: Path, summary: dict,
                  explain: Callable[[str], dict] | None = None, *, latest: bool | None = None,
                  memory_limit: str | None = None, registered: Iterable[str] | None = None) -> int:
    """Write the five files into `out_dir` atomically; return the exit code (0 clean, 1 discrepancies).

    `latest` points reports/audit-latest at the folder; by default only when the folder is the
    default one (reports/audit-<id>). `memory_limit`: the audit's --memory-limit (else limits.REPORT_MEMORY).
    `registered`: the psn_no of the persons whose --persons record gives chronic_diseases: their 门诊慢特病 figures
    follow the registration, so A-AUDIT-CHRONIC-REGISTERED (the reading of a record without it) is neither counted
    for their rows in 假设 nor cited in their worked examples — unless it is the document's rule on the registered
    kind (吉林), which every row rests on."""
    out_dir = Path(out_dir)
    discrepancies = Path(discrepancies)
    inside = check_out_dir(out_dir)
    try:
        tmp = _inside_tmp(out_dir) if inside else out_dir.with_name(f".{out_dir.name}.{os.getpid()}.tmp")
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        if not inside:
            _sweep_beside(out_dir)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    except OSError as e:
        raise AuditInputError(f"output folder {out_dir} cannot be made: {e.strerror or e}: {e.filename}") from None
    try:
        con = rollups.connect(discrepancies, memory_limit)
        try:
            audited = summary.get("discrepancies_by_field") or {}
            data = rollups.collect(con, fund_field="fund_pay_sumamt" if "fund_pay_sumamt" in audited
                                   and "hifp_pay" not in audited else "hifp_pay")
            totals = data["totals"]
            # every month with no row (months_absent, the warned ones, is a part of it; a summary written before
            # months_without_rows has those alone)
            data["by_month"] = rollups.every_month(data["by_month"], summary.get("period"),
                                                   summary.get("months_without_rows", summary.get("months_absent")))
            kind, _, code = _verdict(summary, totals)
            _parquet(con, tmp / "discrepancies.parquet")
            _csv(con, tmp / "discrepancies.csv")
            overview = _overview(summary, totals)
            # 假设: those this audit's figures rest on first, then the document's other readings (text.assumption_use)
            # the reading bears on the 门诊慢特病 rows of a person the persons file registers no diseases for (吉林's
            # rule on the registered kind, on every one)
            if registered is not None and not _chronic_rule_on_every_row(summary):
                rollups.chronic_registered(con, registered)
            chronic = rollups.med_type_rows(con, "14", read_apart=True)
            assumptions = assumption_use(summary, rollups.assumptions_cited(con), _ledger_wide_assumptions(), {
                CHRONIC_REGISTERED: f"{chronic:,} 项门诊慢特病（med_type 14）差异依据它 {chronic:,} chronic-care discrepancies"}
                if chronic else None)
            xlsx.write(tmp / "audit.xlsx", con, {**summary, "assumptions": assumptions}, data, overview,
                       unassessed(summary))
            page_summary = {**summary, "assumptions": assumptions,
                "policy_label": policy_label(summary.get("policy", "")) or summary.get("policy", ""),
                "verdict": kind, "verdict_label": TITLES[kind]}
            page_summary["fund_audited"] = fund_audited(summary)
            page_summary["unassessed_by_reason"] = unassessed(summary)
            for k in ("recorded_hifp_pay_fen", "expected_hifp_pay_fen", "overpaid_fen", "underpaid_fen"):
                page_summary[k] = fund_fen(summary, k)
            shown = [(k, (str(v.value) if isinstance(v, xlsx.Amount) else ("—" if v is None else v)))
                     for k, v in _overview(summary, totals, html_report.ident)]
            page = html_report.render(con, page_summary, data, shown, explain, list(FILES))
            (tmp / "audit.html").write_text(page, encoding="utf-8")
        finally:
            con.close()
        # summary.json last: with the folder renamed only after it, its presence means all five are complete.
        (tmp / "summary.json").write_text(
            json.dumps(summary_json(summary, totals), ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
        with interrupt.publishing(out_dir):
            (_publish_inside if inside else _publish)(tmp, out_dir)
            if latest if latest is not None else _is_default(out_dir):
                _point_latest(out_dir)
    except OSError as e:  # a full disk, a folder that vanished: the environment, named (exit 2)
        shutil.rmtree(tmp, ignore_errors=True)
        raise AuditInputError(f"cannot write the report to output folder {out_dir}: {e.strerror or e}"
                              + (f": {e.filename}" if e.filename else "")) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return code
