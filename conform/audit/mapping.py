"""`--map`: rename a vendor's columns to the platform's names and map its codes.

A mapping is a TOML or YAML file, or `src=dst` pairs given on the command line:

    [columns]            # vendor column -> platform column
    JSBH = "setl_id"
    [codes.hosp_lv]      # hosp_lv code -> facility (the platform's level codes vary by region)
    "1" = "tertiary"
    [codes.med_type]     # a vendor's med_type code -> the harness's
    "140104" = "14"

    [skip]               # rows this audit leaves out, by a column's codes as exported
    insutype = ["390"]   # 城乡居民 settlements in the same export
    med_type = ["51"]    # 生育门诊: another fund's business

`codes.<column>` maps the values of that (already renamed) column; `codes.hosp_lv` fills
`facility` from `hosp_lv` when the export has no `facility` column. `skip` names the rows the
document does not govern (another insurance, another fund): they are counted by code in the
report, never assessed, and their reversals go with them. Nothing here is a policy figure: only
names and codes.

A [columns] target must be a ledger column (conform/audit/ledger.py's names), a column [skip] names, a platform
field the audit does not read (PLATFORM_UNREAD: accepted, not read), or a field of the persons file (the case format's
`person`: PERSON_ONLY, kept apart in `person_columns`, which the ledger never sees): a mistyped target would silently
take a field out of the audit. A [codes.<column>] must name a text
column of the ledger (or hosp_lv). Targets, code tables and [skip] columns are matched to the ledger's
names case and surrounding spaces aside (HIFP_PAY is hifp_pay).
"""
from __future__ import annotations

import dataclasses
import difflib
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from conform.reference.case import EXCLUSIONS, FACILITIES, MED_TYPES, PERSON_FIELDS, PSN_TYPES
from conform.files import special_kind
from conform.reference.loading import (DuplicateKeyError, StrictLoader, UniqueSafeLoader, check_yaml_events,
                                          named_mistake)

from .errors import AuditInputError
from .sources import _fold
from .sqltext import coded, q

# The coded ledger columns and their codes: what a [codes.<column>] table may map to (hosp_lv fills facility).
CODED = {"psn_type": PSN_TYPES, "med_type": MED_TYPES, "facility": FACILITIES, "exclusion": EXCLUSIONS}


class _TextLoader(UniqueSafeLoader):  # type: ignore[misc,valid-type]
    """A mapping as written: every value text (only null/~/empty is nothing), as the case and persons files are read
    (StrictLoader). YAML 1.1's implicit types made a code `01:` the number 1 and `yes:` True, so `[codes.hosp_lv]`
    mapped "1", not the ledger's "01", and the cell was refused as an unknown code. A key given twice is refused."""


_TextLoader.yaml_implicit_resolvers = StrictLoader.yaml_implicit_resolvers

# A line whose key starts bare with a character TOML's bare keys do not allow (a Chinese column name, unquoted)
_BARE_NON_ASCII = re.compile(r"^[ \t]*[^\x00-\x7f]", re.M)
_CODE_TARGET = {**{c: c for c in CODED}, "hosp_lv": "facility"}
# Each code with its name in the documents, for messages (a psn_type's entry is (role, flexible, name)).
CODE_NAMES = {c: {k: (v[-1] if isinstance(v, tuple) else v) for k, v in codes.items()} for c, codes in CODED.items()}


# Fields of the platform's settlement output (2207 setlinfo) and settlement table (setl_d) that no rule of the audit
# reads. A regulator's map is written once for the platform's export and names every column (险种类型 = insutype,
# 姓名 = psn_name): such a target is accepted and the column not read (raudit2 D6; docs/audit.md §2) — [skip] may
# still leave out rows by it. A name outside both lists is refused as a mistyped target.
PLATFORM_UNREAD = frozenset({
    "mdtrt_id", "psn_name", "psn_cert_type", "certno", "gend", "naty", "brdy", "age", "insutype", "cvlserv_flag",
    "mdtrt_cert_type", "mdtrt_cert_no", "balc", "medins_setl_id", "clr_optins", "clr_way", "clr_type", "setl_type",
    "begndate", "enddate", "dise_name", "emp_no", "emp_name", "emp_type", "fixmedins_type", "fix_blng_admdvs",
    "insu_admdvs", "refd_setl_flag", "year", "psn_idet_type", "sp_psn_type", "ipt_otp_no", "matn_type",
    "birctrl_type", "cash_payamt", "opter_id", "opter_name", "opt_time", "crte_time", "updt_time", "crter_id",
    "crter_name", "memo"})


# The persons file's fields (the case format's `person`) that are no ledger column: a [columns] line naming one renames
# the persons file's header (人员编号 and 人员类别 are psn_no and psn_type in both files; 账户余额 = "acct_balance" in
# the persons file alone). Such lines are kept in Mapping.person_columns: the ledger and the institutions table
# neither rename to them nor look for their source (a persons file's header is no ledger column).
def person_only() -> frozenset[str]:
    """The persons file's fields that are no ledger column (acct_balance, flex_tier, retire_date, ytd, …)."""
    return PERSON_FIELDS - ledger_columns()


def ledger_columns() -> frozenset[str]:
    """The columns a ledger file may hold under the platform's names: what a [columns] target may be."""
    from . import ledger  # ledger imports this module: read its names when asked, not at import

    made = {"rid", "oth_fund_pay"}  # the ledger makes these (oth_fund_pay: the sum of OTHER_FUNDS), never reads them
    return frozenset(c for c in (*ledger.COLUMNS, *ledger.ADMDVS, *ledger.OTHER_FUNDS, *ledger.AS_RECORDED, "hosp_lv",
                                 *ledger.FLAGS, ledger.VOID_FLAG) if not c.startswith("_") and c not in made)


def coded_columns() -> frozenset[str]:
    """The columns whose values [codes.<column>] maps: the ledger's text columns, and hosp_lv (to facility)."""
    from . import ledger

    return frozenset(ledger.TEXT) | {"hosp_lv"}


def _spelled(name: str, known: frozenset[str]) -> str:
    """`name` as the ledger spells it when it differs only in case or surrounding spaces (else unchanged)."""
    if name in known:
        return name
    hits = [k for k in known if k.casefold() == name.strip().casefold()]
    return hits[0] if len(hits) == 1 else name


def _unknown(name: str, known: frozenset[str]) -> str:
    """'not a ledger column; did you mean …' for a name not in `known` (nor, for a [columns] target, a platform field
    the audit does not read, PLATFORM_UNREAD, or a persons file's field, person_only)."""
    close = difflib.get_close_matches(name.strip().casefold(), sorted(known), n=3, cutoff=0.6)
    return (f"{name!r} is not a ledger column; " + (f"did you mean {' or '.join(close)}?" if close else
            f"the ledger's columns (docs/audit.md §1): {', '.join(sorted(known))}"))


def unknown_hosp_lv(mapping: Mapping, skip: bool = True) -> str:
    """The message for a hosp_lv code [codes.hosp_lv] does not map, in the ledger and in the institutions table
    alike: the section it is mapped in (the level is read from hosp_lv, so [codes.facility] would do nothing), and
    the codes the section has, in which a code that lost its leading zero (01 exported as the number 1) shows.
    `skip`: offer [skip], which leaves out ledger rows (the institutions table has none to leave out)."""
    codes = mapping.codes.get("hosp_lv", {})
    zero = any(k[:1] == "0" for k in codes)
    return (f"unknown hosp_lv code: [codes.hosp_lv] in --map maps {', '.join(f'{k} ({v})' for k, v in codes.items())}; "
            "give this code a level there"
            + (", or leave out the rows this document does not govern with [skip]" if skip else "")
            + ("; where a leading zero was lost (01 read as 1: the column was a number in Excel), export hosp_lv as "
               "text" if zero else ""))


def coded_or_empty(expr: str, codes: dict[str, str] | None) -> str:
    """sqltext.coded, and an empty cell (NULL) given the code of "" where the table has one: [codes.hosp_lv]
    "" = "pharmacy", the platform's export of a 定点零售药店, which has no hospital grade (raudit2 D3; only the
    level's tables may map "": _from_dict)."""
    if not codes or "" not in codes:
        return coded(expr, codes)
    return f"COALESCE({coded(expr, {k: v for k, v in codes.items() if k != ''})}, {q(codes[''])})"


# A pharmacy (定点零售药店) has no hospital grade: the platform exports its 医院等级 empty (raudit2 D3, Q1).
PHARMACY_LEVEL = ("a pharmacy (定点零售药店) has no hospital grade (医院等级), and the platform exports it empty: map the "
                  "empty cell to its level in --map, [codes.hosp_lv] \"\" = \"pharmacy\" (a settlement of med_type other "
                  "than 41 or 14 at such a row is then refused, so a hospital left empty is not taken for a pharmacy), "
                  "or export facility")


def listing(column: str) -> str:
    """`1101 (职工在职), 1103 (灵活就业在职), …`: the codes a column accepts."""
    return ", ".join(f"{k} ({v})" for k, v in CODE_NAMES[column].items())


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    skip: dict[str, tuple[str, ...]] = field(default_factory=dict)  # (renamed) column -> codes as exported
    # [columns] lines whose target is a persons file's field and no ledger column (person_only): the persons file's
    person_columns: dict[str, str] = field(default_factory=dict)
    # [columns] source -> the --map argument that gave it (`--map FILE` or `--map 'SRC=DST'`), for messages naming
    # the map a mistyped source came from (load_mapping fills it once every argument is read)
    origin: dict[str, str] = field(default_factory=dict)

    def said(self, src: str, dst: str) -> str:
        """`src` -> `dst` as the --map argument that gave it wrote it: "--map vendor.toml: [columns] JSBHX = 'setl_id'"
        (or "--map JSBHX=setl_id" on the command line, or where unknown)."""
        where = self.origin.get(src)
        if where is None or not where.startswith("--map ") or where.startswith("--map '"):
            return f"--map {src}={dst}"
        return f"{where}: [columns] {src} = {dst!r}"

    def rename(self, name: str) -> str:
        return self.columns.get(name, name)

    def merged(self, other: "Mapping") -> "Mapping":
        codes = {k: dict(v) for k, v in self.codes.items()}
        for k, v in other.codes.items():
            codes.setdefault(k, {}).update(v)
        skip = dict(self.skip)
        for k, v in other.skip.items():
            skip[k] = tuple(dict.fromkeys(skip.get(k, ()) + v))
        return Mapping({**self.columns, **other.columns}, codes, skip, {**self.person_columns, **other.person_columns})


def _from_dict(data: object, source: str) -> Mapping:
    if not isinstance(data, dict):
        raise AuditInputError("expected a mapping with [columns], [codes.<column>] and/or [skip]", file=source)
    unknown = set(data) - {"columns", "codes", "skip"}
    if unknown:
        raise AuditInputError(f"unknown section(s) {', '.join(sorted(map(str, unknown)))}; "
                              "allowed: columns, codes, skip", file=source)
    cols = data.get("columns") or {}
    codes = data.get("codes") or {}
    if not isinstance(cols, dict) or not all(isinstance(v, str) for v in cols.values()):
        raise AuditInputError("[columns] must map column names to column names", file=source)
    if not isinstance(codes, dict) or not all(isinstance(v, dict) for v in codes.values()):
        raise AuditInputError("[codes] must hold one table per column: [codes.<column>]", file=source)
    known, coded = ledger_columns(), coded_columns()
    codes = {_spelled(str(c), known): {str(k): str(v) for k, v in m.items()} for c, m in codes.items()}
    for column in codes:  # a table for a column the ledger has not, or whose values are not codes, maps nothing
        if column not in known:
            raise AuditInputError(f"[codes.{column}]: {_unknown(column, known)}", file=source)
        if column not in coded:
            raise AuditInputError(f"[codes.{column}]: the audit reads {column} as it is, no code of it is mapped; "
                                  f"[codes.<column>] maps the values of {', '.join(sorted(coded))}", file=source)
    for column, table in codes.items():  # an empty cell is a code only of the level (coded_or_empty)
        if "" in table and _CODE_TARGET.get(column) != "facility":
            raise AuditInputError(f'[codes.{column}]: "" (an empty cell) is mapped only in [codes.hosp_lv] (a '
                                  f"pharmacy's empty 医院等级); an empty {column} is a missing value, refused at its "
                                  "row: export the code", file=source)
    for column, table in codes.items():  # a mistyped target would only surface when the data holds the code
        allowed = CODED.get(_CODE_TARGET.get(column, ""))
        wrong = sorted({v for v in table.values() if allowed is not None and v not in allowed})
        if wrong:
            raise AuditInputError(f"[codes.{column}] maps to {', '.join(map(repr, wrong))}, not a "
                                  f"{_CODE_TARGET[column]} code; expected one of {listing(_CODE_TARGET[column])}",
                                  file=source)
    skip = data.get("skip") or {}
    if not isinstance(skip, dict) or not all(isinstance(v, list) and v and all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in v)
                                             for v in skip.values()):
        raise AuditInputError('[skip] must give each column a list of codes, e.g. med_type = ["51", "52"]', file=source)
    return _split(Mapping({str(k): _spelled(str(v), known | PLATFORM_UNREAD | person_only()) for k, v in cols.items()},
                          codes, {_spelled(str(c), known): tuple(dict.fromkeys(str(x) for x in v)) for c, v in skip.items()}))


def _split(m: Mapping) -> Mapping:
    """`m` with its [columns] lines to a persons file's own field (person_only) moved to person_columns."""
    persons = person_only()
    return Mapping({k: v for k, v in m.columns.items() if v not in persons}, m.codes, m.skip,
                   {**m.person_columns, **{k: v for k, v in m.columns.items() if v in persons}})


def _said(spec: str, is_file: bool) -> str:
    return f"--map {spec}" if is_file else f"--map {spec!r}"


def _refuse_conflicts(parts: list[tuple[str, bool, Mapping]]) -> None:
    """Two --map arguments giving one column, or one code of a column, two different meanings are refused, naming both,
    as a key given twice in one file is: merged, the last would win silently (a city's map and a local override that
    disagree on what hosp_lv "1" is decide every ratio; probe s28 A F1). The same meaning given twice is no conflict.
    A source column is keyed as the ledger matches headers (sources._fold: case, surrounding spaces, full-width forms
    aside), so JSBH and jsbh are one column here too, in two arguments or in one file (probe s28 R R3)."""
    seen: dict[tuple, tuple[str, str, int, str]] = {}   # (kind, key…) -> (meaning, where, which argument, as written)
    for n, (spec, is_file, part) in enumerate(parts):
        said = _said(spec, is_file)
        pairs = [(("column", _fold(src)), dst, f"[columns] {src} = {dst!r}", src) for src, dst in
                 [*part.columns.items(), *part.person_columns.items()]]
        pairs += [(("code", col, code), dst, f"[codes.{col}] {code!r} = {dst!r}", code)
                  for col, table in part.codes.items() for code, dst in table.items()]
        for key, meaning, line, written in pairs:
            before = seen.setdefault(key, (meaning, f"{said}: {line}", n, written))
            if before[0] != meaning:
                who = "one --map file gives" if before[2] == n else "two --map arguments give"
                one = (f" ({before[3]!r} and {written!r} are one column: the audit matches a header case and "
                       "surrounding spaces aside)" if before[3] != written else "")
                raise AuditInputError(f"{before[1]}, but {said}: {line}{one}; {who} it two meanings and the audit "
                                      "would apply only one of them, silently: keep one of them")


def mapping_record(specs: tuple[str, ...] | list[str], m: Mapping, limit: int = 500) -> dict:
    """What the audit's columns and codes were mapped by, for summary.json: each --map as given (a file with the
    SHA-256 of its bytes, as the region file is pinned) and the merged columns, codes and [skip] (at most `limit` lines
    each), so a report can be traced to the mapping its levels and ratios rest on."""
    given = []
    for spec in list(specs)[:limit]:
        path = Path(spec)
        if "=" in spec and not path.exists():
            given.append({"pair": spec[:200]})
        else:
            given.append({"file": spec[:500], "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    columns = {**m.columns, **m.person_columns}
    return {"given": given,
            "columns": {k[:200]: v for k, v in list(columns.items())[:limit]},
            "codes": {c: {k[:200]: v for k, v in list(t.items())[:limit]} for c, t in m.codes.items()},
            "skip": {c: [v[:200] for v in vs[:limit]] for c, vs in m.skip.items()}}


def load_mapping(specs: tuple[str, ...] | list[str]) -> Mapping:
    """Each spec is a file (.toml, .yaml, .yml) or a `src=dst` column pair. A target must be a ledger
    column or one a [skip] of the mapping names (checked once all are read)."""
    m = Mapping()
    parts: list[tuple[str, bool, Mapping]] = []  # (spec, a file?, what it gave)
    for spec in specs:
        path = Path(spec)
        if "=" in spec and not path.exists():
            src, dst = (s.strip() for s in spec.split("=", 1))
            if not src or not dst:
                raise AuditInputError(f"--map {spec!r}: expected src=dst")
            parts.append((spec, False, _split(Mapping({src: _spelled(dst, ledger_columns() | PLATFORM_UNREAD
                                                                     | person_only())}))))
            m = m.merged(parts[-1][2])
            continue
        if path.is_dir():
            raise AuditInputError("is a folder, not a mapping file: give the TOML or YAML file in it (or src=dst pairs)",
                                  file=spec)
        kind = special_kind(path)
        if kind is not None:  # a pipe is never opened (it waits for a writer for ever), a device never read
            raise AuditInputError(f"not a regular file ({kind}): give the TOML or YAML mapping file", file=spec)
        if not path.is_file():
            raise AuditInputError("no such mapping file (or give src=dst pairs)", file=spec)
        if path.stat().st_size > 1_000_000:
            raise AuditInputError("mapping file larger than 1 MB", file=spec)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as e:
            line = path.read_bytes()[:e.start].count(b"\n") + 1
            raise AuditInputError("not UTF-8: a mapping file (TOML or YAML) is UTF-8; save it so "
                                  "(Excel/记事本: “UTF-8”)", file=spec, row=line) from None
        try:  # YAML as written, all text (_TextLoader), a key given twice refused (TOML refuses it itself)
            if path.suffix.lower() == ".toml":
                data = tomllib.loads(text)
            else:
                check_yaml_events(text)  # no alias expansion ("billion laughs"), no nesting the parser would die in
                data = yaml.load(text, Loader=_TextLoader)  # noqa: S506 - a safe loader, no implicit types
        except DuplicateKeyError as e:
            raise AuditInputError(str(e.problem), file=spec, row=e.problem_mark.line + 1) from None
        except yaml.composer.ComposerError as e:
            line = e.problem_mark.line + 1 if e.problem_mark is not None else None
            raise AuditInputError(f"malformed mapping: {e.problem}", file=spec, row=line) from None
        except RecursionError:  # TOML's parser recurses per nested table or array
            raise AuditInputError("malformed mapping: nested too deeply (a mapping is two levels deep)",
                                  file=spec) from None
        except yaml.YAMLError as e:   # a tab or a full-width colon named on its own line (loading.named_mistake)
            said = named_mistake(text, e)
            raise AuditInputError(f"malformed mapping: {said or e}", file=spec) from None
        except tomllib.TOMLDecodeError as e:
            hint = ""
            if _BARE_NON_ASCII.search(text):
                hint = '; a key that is not plain ASCII, such as a Chinese column name, is quoted in TOML: "结算ID" = "setl_id"'
            raise AuditInputError(f"malformed mapping: {e}{hint}", file=spec) from None
        parts.append((spec, True, _from_dict(data, spec)))
        m = m.merged(parts[-1][2])
    _refuse_conflicts(parts)
    origin: dict[str, str] = {}
    for spec, is_file, part in parts:
        origin.update({src: _said(spec, is_file) for src in part.columns})
    m = dataclasses.replace(m, origin=origin)
    known = ledger_columns()
    targets = known | PLATFORM_UNREAD | person_only()
    for spec, is_file, part in parts:
        for src, dst in part.columns.items():
            if dst in known or dst in m.skip or dst in PLATFORM_UNREAD:  # the last: accepted, not read
                continue
            if is_file:
                raise AuditInputError(f"[columns] {src} = {dst!r}: {_unknown(dst, targets)}", file=spec)
            raise AuditInputError(f"--map {src}={dst}: {_unknown(dst, targets)}")
    return m
