"""Read ledgers into the canonical DuckDB table `ledger` (columns: docs/audit.md §1), validating every row.

Amounts are read as text (or Parquet DECIMAL/integers) and become BIGINT fen in SQL: text must
be ASCII digits in yuan holding whole fen (AMOUNT_RE: '27.24', '27.2400', '.40'; a non-zero third
decimal is refused); a Parquet DECIMAL with more than two decimals must hold whole fen. Parquet
DOUBLE/FLOAT amounts are REFUSED: a binary float is not the figure the platform recorded, and
accepting it would certify a rounding.
`pool_prop_selfpay` becomes BIGINT ten-thousandths (0.5500 -> 5500); above 1 it is refused (a percentage).
A text time with a UTC offset ('2023-01-02T10:39:12+08:00', '...Z') is dated in Beijing.

Every bad row is refused with its file, line/row and column (exit 2): a missing column, an
unknown code, a non-numeric amount or one with three decimals, parts exceeding the total, a
duplicate setl_id, a reversal of an unknown (or another person's, or later) settlement, an ID or code cell
holding pandas' text for a missing value ('nan', 'None': PANDAS_MISSING; in an amount, date, flag or listed code's
cell, which is refused anyway, pandas' or R's 'NA' is named so).
Rows need not be sorted: the plan orders them by setl_date, setl_time, then export order.
"""
from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import duckdb
import pyarrow.parquet as pq

from conform.reference.case import MAX_TEXT
from conform.reference.money import from_fen

from . import institutions as inst
from . import sources
from .errors import AuditInputError
from .mapping import (CODED, PHARMACY_LEVEL, PLATFORM_UNREAD, Mapping, coded_or_empty, ledger_columns, listing,
                      unknown_hosp_lv)
from .sqltext import ident, q, text_value
from .tables import drop_view
from .plan import order_time

TEXT = ("setl_id", "psn_no", "psn_type", "med_type", "facility", "fixmedins_code", "fixmedins_name", "dise_codg",
        "insuplc_admdvs", "init_setl_id", "exclusion")
# The ledger's codes and IDs; none is longer than MAX_TEXT characters (as in case files): a longer value is
# refused as it is read, not carried into the reports and summary.json. (A name, fixmedins_name, is not bounded.)
CODES = tuple(c for c in TEXT if c != "fixmedins_name")
# The platform's two division codes in every message (参保地医保区划, 就医地医保区划): where a ledger has
# no `remote` flag, a visit is outside the city when their city parts differ (A-AUDIT-REMOTE-ADMDVS).
ADMDVS = ("insuplc_admdvs", "mdtrtarea_admvs")
# GB/T 2260: a code's first two digits are the province, the next two the city (地市) — except in the four
# municipalities (北京 11, 天津 12, 上海 31, 重庆 50), whose districts (1101xx) are one city with 110000.
MUNICIPALITIES = ("11", "12", "31", "50")


# Division codes are compared as integers: 10M rows' regex and substrings cost ~1.3 s, this ~0.3 s.
def _division(code: str) -> str:
    return f"TRY_CAST({code} AS INTEGER)"


def not_division(code: str) -> str:
    """SQL: a code (text) present that is not six digits."""
    v = _division(code)
    return f"({code} IS NOT NULL AND NOT COALESCE({v} BETWEEN 100000 AND 999999 AND CAST({v} AS VARCHAR) = {code}, FALSE))"


def city_part(code: str) -> str:
    """SQL: the city (地市) a six-digit division code (text) is in, as a number: 5104 for 510402, 11 for 110105."""
    v = _division(code)
    return f"(CASE WHEN {v} // 10000 IN ({', '.join(MUNICIPALITIES)}) THEN {v} // 10000 ELSE {v} // 100 END)"


def city_of(code: str) -> int:
    """city_part in Python, for a code the user gives (--admdvs)."""
    return int(code[:2]) if code[:2] in MUNICIPALITIES else int(code[:4])
INPUT_AMOUNTS = ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt")
RECORDED_AMOUNTS = ("inscp_scp_amt", "act_pay_dedc", "hifp_pay", "fund_pay_sumamt", "psn_part_amt",
                    "acct_pay", "psn_cash_pay")
RECORDED = ("inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "fund_pay_sumamt",
            "psn_part_amt", "acct_pay", "psn_cash_pay")
# What other funds paid, in the platform's fields (公务员医疗补助, 企业补充, 大病, 职工大额, 伤残人员, 医疗救助,
# 其他, 其他商保): no document here governs them; taken as recorded, their sum (`oth_fund_pay`) is part
# of fund_pay_sumamt and lowers 个人负担 before the account pays (A-AUDIT-OTHER-FUNDS).
OTHER_FUNDS = ("cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "hifdm_pay", "maf_pay", "oth_pay", "othfund_pay")
# Taken as recorded too, by the platform's own identities: 医疗费总额 = 基金支付总额 + 个人负担总金额 +
# 医院负担金额 (hosp_part_amt), and 个人账户支出 includes 个人账户共济支付金额 (acct_mulaid_pay, a relative's
# account: A-AUDIT-HOSP-PART, A-AUDIT-ACCT-MULAID).
AS_RECORDED = ("hosp_part_amt", "acct_mulaid_pay")
FLAGS = {"remote": "FALSE", "acct_used_flag": "TRUE"}
# The platform's settlement table (setl_d) marks a void record 有效标志 vali_flag 0; exports of it are read
# with vali_flag = 1 only. A void record is no settlement: left out like a [skip] row ('vali_flag=0'),
# counted, never assessed (unless the mapping's own [skip] says otherwise for vali_flag).
VOID_FLAG, VOID = "vali_flag", "0"
# How a settlement left out with its left-out reversal is counted: by the reversal's reason, marked, as its own
# code was not left out ('其撤销行被排除的结算（insuplc_admdvs=510100）'; _skip_rows).
PAIRED_WITH = ("其撤销行被排除的结算（", "）")
REQUIRED = ("setl_id", "psn_no", "psn_type", "med_type", "facility", "medfee_sumamt")
# Significant digits before the point: an amount under a hundred trillion yuan, a ratio under a million
# (it is at most 1). Larger is no settlement's figure (an id mapped onto an amount, a pasted-in total), and
# would overflow BIGINT fen (or the DECIMAL(18) arithmetic on the way). Leading zeros are padding.
MAX_DIGITS = {2: 14, 4: 6}


def _exact(digits: int, decimals: int, sign: str) -> str:
    """A figure of at most `digits` significant digits before the point and `decimals` after it, as an export
    writes it: leading zeros, a zero tail beyond the decimals (a DECIMAL(18,4) column written as text by
    Navicat or DataX: '27.2400') and no digit before the point (Oracle's TO_CHAR: '.40') are all exact, and
    DECIMAL(18, scale) casts them as they are; only a non-zero digit beyond `decimals` is refused."""
    return rf"^{sign}0*([0-9]{{1,{digits}}}(\.[0-9]{{0,{decimals}}}0*)?|\.[0-9]{{1,{decimals}}}0*)$"


AMOUNT_RE = _exact(MAX_DIGITS[2], 2, "-?")
# A ratio has no sign, but a zero written negative ('-0.0000', as a reversal's negated figures may write it) is 0
RATIO_RE = rf"^(-(0+(\.0*)?|\.0+)|{_exact(MAX_DIGITS[4], 4, '')[1:-1]})$"
# pool_prop_selfpay in ten-thousandths: a ratio above 1 (100%) is none (checked in every format).
RATIO_MAX = 10000
PERCENT_RE = r"^([0-9]+(\.[0-9]*)?|\.[0-9]+) *%$"
# Export forms of an amount that are refused with what to do (raudit2 D4): Excel's 千位分隔符 ('2,370.31') and
# full-width characters ('５８．９４', a Chinese input method's). Accepting them would cost every clean cell a second
# test; refused, the errors pass alone looks at them.
THOUSANDS_RE = r"^ *-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)? *$"
FULL_WIDTH_RE = "[０-９．－，]"
THOUSANDS_HINT = ("a thousands separator (','): Excel's 千位分隔符 number format; format the column as 数值 without "
                  "使用千位分隔符 (or as 常规) and export again")
# A Unicode space (a Chinese input method's U+3000, a web page's U+00A0) or a control character in an amount, date or
# time cell: read only with ASCII spaces around it (sqltext.text_value), so the cell is refused quoting it as written
# and naming the character (sources.odd_character, as for an ID). Full-width digits have their own hint.
ODD_SPACE_RE = "[" + "".join(f"\\x{{{a:x}}}" + (f"-\\x{{{b:x}}}" if b != a else "")
                             for a, b in sources._ODD_RANGES if a < 0xFF00) + "]"
ODD_SPACE_SAID = ("{value} has {char} in it, which is no part of {what} (only ASCII spaces around it are read); "
                  "delete it and export again")
FULL_WIDTH_HINT = ("full-width characters (全角数字, '０'-'９', '．'): write the amount in half-width (半角) digits, e.g. "
                   "Excel's =ASC(cell), and export again")


def amount_hint(value: object) -> str:
    """What to do with an amount refused as no number (the persons file's, in Python): '' for another form."""
    if not isinstance(value, str):
        return ""
    import re

    if re.match(THOUSANDS_RE, value):
        return "; " + THOUSANDS_HINT
    if re.search(FULL_WIDTH_RE, value):
        return "; " + FULL_WIDTH_HINT
    return ""


# A total row at the foot of a vendor's export (合计, 总计, 小计 in a cell of its own): no settlement (raudit2 D4).
TOTAL_RE = r"^ *(合 *计|总 *计|小 *计|总 *合 *计)[:：]? *$"
# A note row at the foot (or head) of a vendor's export, its label and a colon in the first cell: 制表人：张三,
# 打印日期：2024-01-05, 审核人：, 单位：元. No settlement, in an ID's cell (which no ID is): told as such, as a total row.
NOTE_RE = (r"^ *(制 *表 *人?|制表(日期|时间)|打印(人|日期|时间)|审 *核 *人?|复 *核 *人?|经 *办 *人|填 *[报表] *人|填报(日期|单位)|"
           r"负 *责 *人|(金额)?单 *位(名称)?|备 *注|说 *明|注|导出(人|日期|时间)|统计(日期|时间|区间|期间))"
           r" *[:：].*$")
# The forms a date and a time are read in (DATE_FORMATS, TIME_FORMATS, OFFSET_TIME), for the refusal of another.
# The years a settlement date may have (the platform began in 2019; Excel's dates begin in 1900)
FIRST_YEAR, LAST_YEAR = 1900, 2099
TIME_FORMS = ("2023-03-01 10:00:00, 2023/3/1 10:00:00, 2023/3/1 10:00, 20230301100000, 2023-03-01T10:00:00, with "
              "fractions of a second (.000) or a zone (+08:00, Z)")
DATE_FORMS = "2023-03-01, 2023/3/1, 20230301, or a date-time at midnight (2023-03-01 00:00:00)"
CHINESE_DATE_RE = "[年月日]"
AM_PM_RE = "上午|下午|AM|PM|am|pm"
PERCENT_HINT = "write the ratio as a decimal, 0.6000 for 60%"
RATIO_ABOVE_1 = f"above 1, which no payment ratio is: a percentage? {PERCENT_HINT}"
EXCEL_SERIAL = r"^\s*[1-9][0-9]{4}(\.[0-9]+)?\s*$"  # 10000-99999: 1927-2173 as Excel counts days
TRUE_TEXT = ("1", "true", "TRUE", "True", "Y", "y", "是")
FALSE_TEXT = ("0", "false", "FALSE", "False", "N", "n", "否")
# A date may come as a datetime at midnight (an Excel date cell, a DATETIME export column, SQL Server's
# '.000'); a time may lack its seconds (how Excel shows a time, and writes it when it saves the sheet as
# CSV) or carry fractions of a second (SQL Server's DATETIME, '2023-03-01 10:00:00.000').
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d 00:00:00", "%Y/%m/%d 00:00:00", "%Y-%m-%d 00:00:00.000",
                "%Y/%m/%d 00:00:00.000", "%Y-%m-%dT00:00:00", "%Y-%m-%dT00:00:00.000",
                "%Y-%m-%d 00:00:00.0000000", "%Y-%m-%dT00:00:00.0000000",  # SQL Server's datetime2
                # midnight as Excel shows and saves it to CSV ('2023/3/1 0:00'), and without seconds
                "%Y/%m/%d 0:00", "%Y-%m-%d 0:00", "%Y/%m/%d 00:00", "%Y-%m-%d 00:00")
# (In the order tried within a separator: the platform's own first; with '/', Excel's CSV time without seconds.)
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y/%m/%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f",
                # SQL Server's datetime2 (7 digits: '2023-03-01 10:00:00.0000000') and 8-9 digits (nanoseconds): read
                # only where the digits beyond the microsecond are zeros (%f takes six, the literal 0s the rest), as a
                # TIMESTAMP keeps microseconds; truncating others could tie or swap two settlements' order, so they
                # are refused (FINER_THAN_MICROSECOND). Last, so the rows of the other formats never try them.
                "%Y-%m-%d %H:%M:%S.%f0", "%Y-%m-%dT%H:%M:%S.%f0", "%Y-%m-%d %H:%M:%S.%f00", "%Y-%m-%dT%H:%M:%S.%f00",
                "%Y-%m-%d %H:%M:%S.%f000", "%Y-%m-%dT%H:%M:%S.%f000")

# A UTC offset of a real zone: -12:00 to +14:00, minutes 00-59 (DuckDB's cast takes any +HH:MM: '+25:00', '+99:99'
# re-dated a settlement into another day or year). Fractions as TIME_FORMATS: zeros beyond the microsecond.
UTC_OFFSET = r"(Z|\+(0[0-9]|1[0-3])(:?[0-5][0-9])?|\+14(:?00)?|-(0[0-9]|1[01])(:?[0-5][0-9])?|-12(:?00)?)"
OFFSET_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6}0{0,3})?)?" + UTC_OFFSET + "$"
# What looks like a time with an offset, whatever the offset: for the refusal of an offset no zone has.
ANY_OFFSET_TIME = r"^ *[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?[+-][0-9]{2}(:?[0-9]{2})? *$"
# Digits beyond the microsecond that are not zeros (error path only).
FINER_THAN_MICROSECOND = r":[0-9]{2}\.[0-9]{6}[0-9]*[1-9]"
# A date's year, month and day as written (dashes, slashes or none), for the refusal of a day that does not exist.
DATE_PARTS = r"^ *([0-9]{4})(?:[-/]([0-9]{1,2})[-/]([0-9]{1,2})(?:[T ].*)?|([0-9]{2})([0-9]{2})(?:[0-9]{4,6})?) *$"

# What pandas writes for a missing value once a frame has gone through astype(str) (NaN, None, NaT, pd.NA):
# in an ID or code cell it is no ID or code. An init_setl_id 'nan' made a settlement a reversal of an unknown
# settlement; a psn_no 'nan' would make one person of every row that lost its psn_no. No platform ID or code is
# one of these words.
PANDAS_MISSING = ("nan", "NaN", "None", "NaT", "<NA>")
# What R writes for a missing value of any type (write.csv's and readr's write_csv's default na = "NA"). Named as
# such only where the cell is refused anyway: an amount, a date, a flag, a code from a fixed list (psn_type,
# med_type, facility, exclusion, hosp_lv) or a division code. NOT in the ID cells (setl_id, psn_no, init_setl_id) nor
# in fixmedins_code or dise_codg: a platform ID is digits, but a de-identified ledger (what a regulator is often
# given) or a hand-made one may carry any short text as an ID, and two letters are a plausible pseudonym (this
# project's own tests use psn_no "NA"); refused, such an ID could never be audited, as no --map entry makes it
# another. pandas' words are type names no pseudonym scheme writes, and stay refused there (implO).
R_MISSING = ("NA",)
# The ID and code columns stored as text, whose 'nan' no other check refuses (checked on the table: _missing_text).
# The coded columns (psn_type, …) and the division codes refuse it as an unknown code; their message says why.
MISSING_TEXT_CHECKED = ("setl_id", "psn_no", "init_setl_id", "fixmedins_code", "dise_codg")
# What an empty cell means where a word stood: the refusal of an amount, date or flag written as 'nan' says it (the
# recorded figures cannot be blank either; an optional amount's empty cell is 0.00; a flag's, its default).
_EMPTY_MEANS = {"medfee_sumamt": "; medfee_sumamt is required on a settlement, so the export lost this row's own",
                "setl_date": "; every row needs its date (setl_date, or the date of setl_time)",
                "setl_time": "; every row needs its date (setl_date, or the date of setl_time)",
                "remote": "; an empty remote reads as 0 (in the city)",
                "acct_used_flag": "; an empty acct_used_flag reads as 1 (the account is used)",
                "vali_flag": "; an empty vali_flag reads as valid"}


def missing_as_text(column: str, writer: str = "pandas") -> str:
    """The refusal of a cell holding pandas' (or, writer "R", R's) text for a missing value ({value}: the cell, put
    in by _raise_row)."""
    tail = {"init_setl_id": "; a settlement's init_setl_id is empty, a reversal's names the settlement it reverses",
            "setl_id": "; setl_id is required, so the export lost this row's own",
            "psn_no": "; psn_no is required, so the export lost this row's own (the rows that lost theirs would "
                      "read as one person)"}.get(column) or _EMPTY_MEANS.get(column, "")
    if column in RECORDED:
        tail = ("; a recorded figure is never blank either (the platform records 0.00 where nothing was paid): "
                "export the figure, or leave the column out of the export to not audit it")
    elif column in INPUT_AMOUNTS + OTHER_FUNDS + AS_RECORDED and not tail:
        tail = f"; an empty {column} reads as 0.00"
    if writer == "R":
        return ("a missing value written as text ({value}: R's write.csv?): write it as an empty cell "
                f"(write.csv(..., na = \"\")){tail}")
    return ("a missing value written as text ({value}: pandas astype(str)?): write it as an empty cell (to_csv "
            f"without astype(str), or fillna('') first){tail}")


def _missing_words(column: str, value: str, cond: str = "TRUE", r: bool = True) -> list[tuple[str, str, str, str]]:
    """canonical_select's (condition, column, message, raw) entries refusing a cell `value` (SQL text) that holds
    pandas' word for a missing value, or (`r`) R's, where `cond` says the cell is bad: the errors pass only, so a
    clean ledger pays nothing for them."""
    writers = ((PANDAS_MISSING, "pandas"), (R_MISSING, "R")) if r else ((PANDAS_MISSING, "pandas"),)
    return [(f"COALESCE(({cond}) AND {value} IN {_in(words)}, FALSE)", column, missing_as_text(column, writer), value)
            for words, writer in writers]


@dataclass(frozen=True)
class LedgerInfo:
    files: list[str]
    fields_audited: list[str]
    rows_read: int
    settlements: int
    reversals: int
    persons: int
    period: tuple[str | None, str | None]
    # How each file's rows got `remote` ("column", "admdvs" or "absent"), which optional columns some
    # file lacks and which it records (`oth_fund_pay`: any of OTHER_FUNDS): the report states the
    # assumption each implies (run._assumptions).
    remote_from: frozenset[str] = frozenset()
    lacking: frozenset[str] = frozenset()
    # Rows left out by --map [skip], void (vali_flag 0) or of persons insured elsewhere (--admdvs), by reason
    # ('med_type=51', 'vali_flag=0', 'insuplc_admdvs=510100'), with the reversals of such settlements, and the
    # settlements of such reversals under PAIRED_WITH.
    skipped: tuple[tuple[str, int], ...] = ()
    recording: frozenset[str] = frozenset()
    # Recorded figures the export has but the audit cannot compare (psn_cash_pay without acct_pay).
    not_audited: tuple[str, ...] = ()
    # Amount columns some file types as integers (Parquet INT64, …): read as whole yuan, as a CSV's
    # '500' is; an export in integer fen would read a hundred times too large (A-AUDIT-INTEGER-YUAN).
    integer_yuan: tuple[str, ...] = ()
    # Every file given, in order: (path, rows read, why it had none to read: sources.no_rows, or None). A month
    # whose export failed (0 bytes) reads no row, and is named, not passed over.
    file_rows: tuple[tuple[str, int, str | None], ...] = ()
    # Rows (audited) with no insuplc_admdvs where other rows have one: taken as the region's own insured persons
    # (raudit2 Q2); 0 where no row has the code.
    insured_blank: int = 0
    # What the reading noticed and did not refuse (a [skip] code no row has, a header close to a figure not read):
    # said on the console as it is read, and in summary.json's warnings.
    notes: tuple[str, ...] = ()

    @property
    def audited(self) -> int:
        """The rows the audit settles: all it read but those --map [skip] leaves out."""
        return self.rows_read - sum(n for _, n in self.skipped)


def _in(values: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join(q(v) for v in values) + ")"


INTEGER_TYPES = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")


def _numeric(typ: str | None) -> bool:
    t = (typ or "").upper()
    return t.startswith("DECIMAL") or t in INTEGER_TYPES


def _too_large(src: str, typ: str | None, scale: int) -> str:
    """A figure with more than MAX_DIGITS[scale] digits before the point, as a SQL condition on the source
    (exact: an integer literal, never a DOUBLE such as 1e14; no abs(), which overflows on BIGINT's least)."""
    if _numeric(typ):
        limit = 10 ** MAX_DIGITS[scale]
        return f"({src} >= {limit} OR {src} <= -{limit})"
    return f"regexp_full_match({text_value(src)}, '^-?0*[1-9][0-9]{{{MAX_DIGITS[scale]},}}(\\.[0-9]*)?$')"


def _amount(col: str, src: str | None, typ: str | None, scale: int, regex: str) -> tuple[str, str | None]:
    """(BIGINT expression, bad-condition) for an amount column given its source type."""
    if src is None:
        return "CAST(NULL AS BIGINT)", None
    mult = 10 ** scale
    t = (typ or "").upper()
    large = _too_large(src, typ, scale)  # refused as a bad row (canonical_select), and never converted
    if t.startswith("DECIMAL"):
        # to DECIMAL(18, scale) first: within the limit the fen then fit the multiplication whatever the
        # column's own precision and scale (DECIMAL(18,4) * 100 overflowed at 9.2e12 yuan)
        s = int(t.split(",")[1].rstrip(")").strip())
        if s <= scale:
            return f"CASE WHEN NOT {large} THEN CAST(CAST({src} AS DECIMAL(18, {scale})) * {mult} AS BIGINT) END", None
        return (f"CASE WHEN NOT {large} THEN CAST(CAST(ROUND({src}, {scale}) AS DECIMAL(18, {scale})) * {mult} AS BIGINT) END",
                f"{src} <> ROUND({src}, {scale})")
    if t in INTEGER_TYPES:
        return f"CASE WHEN NOT {large} THEN CAST({src} AS BIGINT) * {mult} END", None
    if t in ("DOUBLE", "FLOAT", "REAL"):
        what = "amounts" if scale == 2 else "ratios"
        raise AuditInputError(f"is a binary floating-point column ({t}); {what} must be exact: export them as "
                              f"DECIMAL or text with at most {'two' if scale == 2 else 'four'} decimals", column=col)
    # Text: validated by the regex, then exact through DECIMAL (never DOUBLE). The cell is matched as it
    # is, spaces around it and blank allowed (no TRIM: it copies every string), and cast as it is: DuckDB's
    # cast skips the spaces and makes a blank cell NULL. Within the pattern's digits DECIMAL(18, scale)
    # holds every value (leading zeros included); a wider one is 128-bit arithmetic, three times slower.
    raw = f"CAST({src} AS VARCHAR)"
    ok = f"regexp_full_match({raw}, {q(_padded(regex))})"
    conv = f"CAST(TRY_CAST({raw} AS DECIMAL(18, {scale})) * {mult} AS BIGINT)"
    return f"CASE WHEN {ok} THEN {conv} END", f"({raw} IS NOT NULL AND NOT {ok})"


def _yuan_text(col: str) -> str:
    """A converted amount (BIGINT fen) shown as the cell's yuan, for a message: '-200.00', not '-20000'
    (exact: DECIMAL(18,0) times 0.01 is DECIMAL(18,2))."""
    return f"CAST(CAST({col} AS DECIMAL(18, 0)) * 0.01 AS VARCHAR)"


def _padded(regex: str) -> str:
    """`regex` (anchored ^…$) as a cell may hold it: spaces either side, or only spaces (a blank cell)."""
    return f"^ *({regex[1:-1]})? *$"


def _date(src: str | None, typ: str | None, time: bool) -> tuple[str, str | None]:
    if src is None:
        return (f"CAST(NULL AS {'TIMESTAMP' if time else 'DATE'})", None)
    t = (typ or "").upper()
    target = "TIMESTAMP" if time else "DATE"
    if t.startswith("TIMESTAMP") or t == "DATE":
        return f"CAST({src} AS {target})", None
    txt = text_value(src)
    fmts = TIME_FORMATS if time else DATE_FORMATS
    # An ISO-8601 time with a UTC offset (JSON and Java writers: '2023-01-02T10:39:12+08:00', '…Z') is an
    # instant: dated in Beijing, as a Parquet TIMESTAMP WITH TIME ZONE is (run.py sets TimeZone). Text without
    # an offset stays Beijing wall-clock time. Tried after the first dash format, so the platform's own rows
    # never reach it, and before the others (40 s of CPU on 10M offset times after them, 7 s so); a cheap
    # look for 'Z' or a sign after the minutes comes first.
    sign = f"substr({txt}, 17)"
    offset = (f"CASE WHEN (ends_with({txt}, 'Z') OR contains({sign}, '+') OR contains({sign}, '-')) "
              f"AND regexp_full_match({txt}, {q(OFFSET_TIME)}) "
              f"THEN timezone('Asia/Shanghai', TRY_CAST({txt} AS TIMESTAMPTZ)) END")
    # A failing try_strptime costs ~0.5 µs a cell, so each cell tries only the formats of its own date
    # separator: Excel's '2023/3/1 10:00' failed five dash formats first (23 s of CPU on 10M cells).
    def tries(fs: list[str]) -> list[str]:
        return [f"try_strptime({txt}, {q(f)})" for f in fs]
    slash = [f for f in fmts if "/" in f]
    dash = [f for f in fmts if "-" in f]
    bare = [f for f in fmts if f not in slash and f not in dash]
    dashed = tries(dash)
    parsed = (f"(CASE WHEN contains({txt}, '/') THEN COALESCE({', '.join(tries(slash))})"
              f" WHEN contains({txt}, '-') THEN COALESCE({', '.join(dashed[:1] + [offset] + dashed[1:])})"
              f" ELSE COALESCE({', '.join(tries(bare))}) END)")
    expr = f"CAST({parsed} AS {target})"
    return expr, f"({txt} IS NOT NULL AND {parsed} IS NULL)"


def skip_code(expr: str) -> str:
    """SQL: a cell as a [skip] code is matched: trimmed, Excel's text shell taken off (sources.id_text: ="390", '390,
    a tab) and a float's zero decimals (390.0, a column of numbers written by pandas); NULL for an empty cell. Tried
    only where the cell as written matched no code (the common row pays the shell's first-byte test alone)."""
    t = sources.id_text(expr)
    return f"(CASE WHEN contains({t}, '.') THEN regexp_replace({t}, {_FLOAT_CODE}, {_FLOAT_CODE_TO}) ELSE {t} END)"


_FLOAT_CODE, _FLOAT_CODE_TO = q(r"^([+-]?[0-9]+)[.]0+$"), q(r"\1")


def _time_said(col: str, cond: str, raw: str) -> list[tuple[str, str, str, str]]:
    """Why a date or time `raw` in a form read is none (error path only: `cond` says the cell is bad)."""
    def part(i: int, j: int | None = None) -> str:
        g = f"regexp_extract({raw}, {q(DATE_PARTS)}, {i})"
        if j is not None:  # the compact form's group where the separated form's is empty
            g = f"COALESCE(NULLIF({g}, ''), regexp_extract({raw}, {q(DATE_PARTS)}, {j}))"
        return f"TRY_CAST({g} AS INTEGER)"
    y, m, d = part(1), part(2, 4), part(3, 5)
    shaped = f"({cond} AND regexp_full_match({raw}, {q(DATE_PARTS)}))"
    last = f"CASE WHEN {m} BETWEEN 1 AND 12 THEN day(last_day(make_date({y}, {m}, 1))) END"
    out = [(f"({shaped} AND NOT COALESCE({m} BETWEEN 1 AND 12, FALSE))",
            "a date that does not exist (month must be in 1..12)"),
           (f"({shaped} AND COALESCE({d} < 1 OR {d} > {last}, FALSE))",
            "a date that does not exist (day is out of range for month)"),
           (f"({cond} AND regexp_matches({raw}, {q(FINER_THAN_MICROSECOND)}))",
            "fractions of a second beyond the microsecond that are not zeros: a time is kept to the microsecond, and "
            "cutting the rest could tie or swap two settlements' order; export at most six digits (SQL Server: "
            "CONVERT(datetime2(6), …)) or zeros beyond the sixth"),
           (f"({cond} AND regexp_full_match({raw}, {q(ANY_OFFSET_TIME)}) "
            f"AND NOT regexp_full_match(trim({raw}), {q(OFFSET_TIME)}))",
            "a UTC offset outside -12:00 … +14:00 (minutes 00-59), which no time zone has, so the settlement cannot "
            "be dated: export the time with its real offset, or in Beijing time without one")]
    return [(c, col, msg, raw) for c, msg in out]


def canonical_select(path: Path, rel: str, cols: dict[str, str], mapping: Mapping, src_idx: int,
                     errors: bool = False, home: str | None = None, constants: dict[str, str] | None = None) -> str:
    """The SELECT turning one file's relation into canonical columns plus `_bad` (any problem), or with
    errors=True plus `_err` (the first problem found: column, message, raw value). `constants`, when given,
    is filled with the canonical columns that are one constant in this file (it lacks their source), by
    expression (load stores no column that is one constant in every file: _ledger_view)."""
    names: dict[str, tuple[str, str]] = {}  # canonical -> (source expression, type)
    for c, typ in cols.items():
        if c == "src_row":
            continue
        canon = mapping.rename(c)
        if canon in names:
            first = next(k for k in cols if k != "src_row" and mapping.rename(k) == canon)
            how = " and ".join(f"--map renames {k} to {canon}" for k in (first, c) if k != canon)
            raise AuditInputError(f"two columns map to {canon}: {first} and {c} ({how}); keep one, in the --map or "
                                  "the export", file=str(path), column=c)
        names[canon] = (ident(c), typ)
    if "facility" not in names and "hosp_lv" in names:
        if "hosp_lv" not in mapping.codes:
            raise AuditInputError("the export has hosp_lv but no facility: give [codes.hosp_lv] in --map "
                                  "(hosp_lv code -> tertiary/secondary/primary/unrated/pharmacy)",
                                  file=str(path), column="hosp_lv")
        names["facility"] = names["hosp_lv"]
        # the [skip] list stays: a hosp_lv export leaves out rows like any other
        mapping = dataclasses.replace(mapping, codes={**mapping.codes, "facility": mapping.codes["hosp_lv"]})
        level_from = "hosp_lv"  # an unknown level is the file's hosp_lv code, mapped by [codes.hosp_lv]
    else:
        level_from = "facility"
    missing = [c for c in REQUIRED if c not in names]
    if "setl_date" not in names and "setl_time" not in names:
        missing.append("setl_time or setl_date")
    if missing:  # a --map source for a missing column that the file lacks: mistyped in the map (probe s28 A F3)
        wanted = set(missing) | ({"setl_time", "setl_date"} if "setl_time or setl_date" in missing else set())
        for src, dst in mapping.columns.items():
            if dst in wanted and src not in cols:
                raise map_source_absent(mapping, src, dst, set(cols) - {"src_row"}, str(path))
        raise AuditInputError(f"missing column(s) {', '.join(missing)} (present: {', '.join(sorted(names))}); "
                              "rename a vendor's columns with --map", file=str(path))
    sel: dict[str, str] = {}
    bad: list[tuple[str, str, str, str]] = []  # (condition, column, message, raw value expression)
    # --map [skip]: a row the document does not govern carries why ('med_type=51'); it is never checked.
    skips = []
    for c, codes in mapping.skip.items():
        if c not in names:
            # the columns as [skip] names them (after --map; with --institutions, its level and name too), never
            # the reader's own (institutions.MISSING)
            present = ", ".join(sorted(n for n in names if not n.startswith("__")))
            raise AuditInputError(f"[skip] leaves out rows by {c}, a column this file does not have "
                                  f"(its columns, as --map names them: {present})", file=str(path), column=c)
        t = text_value(names[c][0])
        # as written, else without Excel's text shell (="390", '390) or a float's .0 (390.0): a column only [skip]
        # reads (insutype) is not unwrapped on reading as the ID and code columns are, and a missed code audited a
        # resident-insurance row by the employee rules without a word (probe s28 A F7). Counted by the listed code.
        bare = skip_code(names[c][0])
        skips.append(f"WHEN {t} IN {_in(codes)} THEN {q(c + '=')} || {t} "
                     f"WHEN {bare} IN {_in(codes)} THEN {q(c + '=')} || {bare}")
    if VOID_FLAG in names and VOID_FLAG not in mapping.skip:  # read as an exact number: 0, 0.0, '0', false
        flag = text_value(names[VOID_FLAG][0])
        number = f"TRY_CAST(CASE lower({flag}) WHEN 'false' THEN '0' WHEN 'true' THEN '1' ELSE {flag} END AS DECIMAL(18, 4))"
        # first: a void record is left out as void whatever else it is, so a void reversal never takes its
        # settlement with it (_skip_rows)
        skips.insert(0, f"WHEN {number} = 0 THEN {q(f'{VOID_FLAG}={VOID}')}")
        if errors:
            bad.extend(_missing_words(VOID_FLAG, flag))
        bad.append((f"({flag} IS NOT NULL AND COALESCE({number} NOT IN (0, 1), TRUE))", VOID_FLAG,
                    "not a validity flag (有效标志): expected 1 (valid) or 0 (void)", flag))
    insured = text_value(names["insuplc_admdvs"][0]) if "insuplc_admdvs" in names else None
    if insured is not None and home is not None:  # --admdvs: the region's own insured persons only
        skips.append(f"WHEN NOT {not_division(insured)} AND {city_part(insured)} <> {city_of(home)} "
                     f"THEN 'insuplc_admdvs=' || {insured}")
    # IDs in Excel's text-keeping forms (="3301…", '3301…, a tab) are read bare from a text file (sources.WRAPPED);
    # a Parquet file's are refused after the table is stored (_wrapped_ids), but for a trailing tab, which is padding
    # read off as a trailing space is (sources.parquet_id_text)
    text_file = sources.kind_of(path) != "parquet"
    for c in TEXT:
        src, typ = names.get(c, (None, None))
        wrapped = src and c in sources.WRAPPED
        cell = ((sources.id_text(src) if text_file else sources.parquet_id_text(src)) if wrapped
                else text_value(src) if src else None)
        sel[c] = coded_or_empty(cell, mapping.codes.get(c)) if src else "CAST(NULL AS VARCHAR)"
        if wrapped:  # one RE2 scan of the trimmed cell (sources.ODD_ID_RE; a code's: ODD_CODE_RE)
            odd = sources.ODD_ID_RE if c in sources.IDS else sources.ODD_CODE_RE
            bad.append((f"regexp_matches({cell}, {q(odd)})", c, sources.ODD_ID_SAID, cell))
        if src and c in CODES:  # strlen is the stored length (no scan); length counts characters only where bytes exceed it
            raw = f"CAST({src} AS VARCHAR)"
            bad.append((f"(strlen({raw}) > {MAX_TEXT} AND length({raw}) > {MAX_TEXT})", c,
                        f"longer than {MAX_TEXT} characters, which no code or ID is (a column shifted, or a note "
                        "exported into it?)", f"left({raw}, 40) || '…'"))
    for c, scale, rx in ([(a, 2, AMOUNT_RE) for a in INPUT_AMOUNTS + RECORDED_AMOUNTS + OTHER_FUNDS + AS_RECORDED]
                         + [("pool_prop_selfpay", 4, RATIO_RE)]):
        src, typ = names.get(c, (None, None))
        try:
            expr, b = _amount(c, src, typ, scale, rx)
        except AuditInputError as e:
            raise AuditInputError(e.detail, file=str(path), column=c) from None
        sel[c] = expr
        # (text that large fails the amount pattern too: the fast pass need not test it twice)
        if src is not None and (errors or _numeric(typ)):
            bad.append((f"COALESCE({_too_large(src, typ, scale)}, FALSE)", c, f"too large: more than "
                        f"{MAX_DIGITS[scale]} digits before the point, no settlement's figure (an id or a total in "
                        "this column? check --map)", text_value(src)))
        if b and errors:  # ' 2000.00\u3000': the cell as written, and which character (not '2000.00')
            whole = f"CAST({src} AS VARCHAR)"
            bad.append((f"({b} AND regexp_matches({whole}, {q(ODD_SPACE_RE)}))", c,
                        ("not an amount in yuan: " if scale == 2 else "not a ratio: ")
                        + ODD_SPACE_SAID.replace("{what}", "an amount" if scale == 2 else "a ratio"), whole))
        if b and errors and scale == 4:  # '60%': the ratio as a percentage, which the cast does not read
            bad.append((f"({b} AND regexp_full_match({text_value(src)}, {q(PERCENT_RE)}))", c,
                        f"a percentage, not a ratio: {PERCENT_HINT}", text_value(src)))
        if b and errors and scale == 4:  # '-0.5000': a reversal's ratio written negative, as its amounts are
            bad.append((f"({b} AND regexp_full_match(trim({text_value(src)}), '-[0-9]*\\.?[0-9]+'))", c,
                        "negative, which no payment ratio is (a reversal row keeps its settlement's ratio)",
                        text_value(src)))
        if b and errors:  # 'nan', 'NA': a missing value as pandas or R writes it, named so
            bad.extend(_missing_words(c, text_value(src), b))
        if b and errors:  # Excel's thousands separator, full-width digits: which, and what to do
            bad.append((f"({b} AND regexp_full_match({text_value(src)}, {q(THOUSANDS_RE)}))", c,
                        f"not an amount in yuan: {THOUSANDS_HINT}", text_value(src)))
            bad.append((f"({b} AND regexp_matches({text_value(src)}, {q(FULL_WIDTH_RE)}))", c,
                        f"not an amount in yuan: {FULL_WIDTH_HINT}", text_value(src)))
        if b:
            what = "not an amount in yuan with at most two decimals" if scale == 2 else \
                "not a ratio with at most four decimals"
            bad.append((b, c, what, text_value(src)))
        if src is not None and errors and scale == 4:  # the cell as the export wrote it ('60.00'), not '60.0000'
            bad.append((f"COALESCE({expr} > {RATIO_MAX}, FALSE)", c, RATIO_ABOVE_1, text_value(src)))
    st, st_bad = _date(*names.get("setl_time", (None, None)), time=True)
    sd, sd_bad = _date(*names.get("setl_date", (None, None)), time=False)
    if inst.MISSING in names:  # facility from --institutions: a code the table lacks is named as such
        bad.append((ident(inst.MISSING), "fixmedins_code", "not in the institutions table (--institutions)",
                    text_value(names["fixmedins_code"][0])))
    for col, cond, what in (("setl_time", st_bad, f"not a time; the forms read: {TIME_FORMS} (a date alone is a "
                                                  "setl_date: export it so, or rename the column with --map setl_time=setl_date)"),
                             ("setl_date", sd_bad, f"not a date; the forms read: {DATE_FORMS}")):
        if not cond:
            continue
        raw = text_value(names[col][0])
        if errors:  # 'NaT', 'NA': a missing value as pandas or R writes it
            bad.extend(_missing_words(col, raw, cond))
        if errors:  # Excel's Chinese display forms (2023年1月5日, 上午 8:04:09): which, and what to do
            forms = TIME_FORMS if col == "setl_time" else DATE_FORMS
            bad.append((f"({cond} AND regexp_matches({raw}, {q(CHINESE_DATE_RE)}))", col,
                        "a date as Excel displays it in Chinese (年/月/日), not as a date cell or text in a form read: "
                        f"format the column as yyyy-mm-dd hh:mm:ss (自定义) in Excel and export again; the forms read: "
                        f"{forms}", raw))
            bad.append((f"({cond} AND regexp_matches({raw}, {q(AM_PM_RE)}))", col,
                        "a 12-hour time (上午/下午, AM/PM) as Excel displays it: format the column as yyyy-mm-dd "
                        f"hh:mm:ss (24-hour, 自定义) in Excel and export again; the forms read: {forms}", raw))
        if errors:  # why it is no date, where a vendor's column (renamed by --map) holds Excel's day numbers
            bad.append((f"({cond} AND regexp_full_match({raw}, {q(EXCEL_SERIAL)}))", col,
                        "not a date: an Excel date number (the cell was not formatted as a date): format the column "
                        "as a date (yyyy-mm-dd) in Excel and save or export again", raw))
        if errors:  # a form read, but no such day, digits finer than a microsecond, or an offset no zone has
            bad.extend(_time_said(col, cond, raw))
        if errors:  # ' 2023-06-01\u3000': the cell as written, and which character
            whole = f"CAST({names[col][0]} AS VARCHAR)"
            thing = "time" if col == "setl_time" else "date"
            bad.append((f"({cond} AND regexp_matches({whole}, {q(ODD_SPACE_RE)}))", col,
                        f"not a {thing}: " + ODD_SPACE_SAID.replace("{what}", f"a {thing}"), whole))
        bad.append((cond, col, what, raw))
    sel["setl_time"] = st
    sel["setl_date"] = f"COALESCE({sd}, CAST({st} AS DATE))"
    for f, default in FLAGS.items():
        src, typ = names.get(f, (None, None))
        if src is None and f == "remote" and all(a in names for a in ADMDVS):
            ins, md = (text_value(names[a][0]) for a in ADMDVS)
            # A row missing either code is taken as in the city, as the assumption says.
            sel[f] = f"COALESCE({city_part(md)} <> {city_part(ins)}, FALSE)"
            bad.append((not_division(md), "mdtrtarea_admvs", "not a six-digit division code (医保区划)", md))
            continue
        if src is None:
            sel[f] = default
            continue
        t = text_value(src)
        sel[f] = f"CASE WHEN {t} IN {_in(TRUE_TEXT)} THEN TRUE WHEN {t} IN {_in(FALSE_TEXT)} THEN FALSE ELSE {default} END"
        if errors:
            bad.extend(_missing_words(f, t))
        bad.append((f"({t} IS NOT NULL AND {t} NOT IN {_in(TRUE_TEXT + FALSE_TEXT)})", f, "expected 1/0 or true/false", t))
    if insured is not None:  # read for whose insured person a row is, `remote` given or not
        bad.append((not_division(insured), "insuplc_admdvs", "not a six-digit division code (医保区划)", insured))
    # The insured person's city, kept as a number (5104; 11 for 北京): two bytes a row. A ledger of several
    # insured cities needs --admdvs (_one_insured_city).
    sel["_insured"] = (f"TRY_CAST({city_part(insured)} AS SMALLINT)" if insured is not None
                       else "CAST(NULL AS SMALLINT)")
    if errors:  # first, so a missing value pandas wrote is named as such, not as an unknown code (no cost: the
        # fast pass refuses these cells as unknown codes or not divisions, or _missing_text finds them)
        said = [(c, sel[c]) for c in CODES if c in names]
        if "mdtrtarea_admvs" in names and "remote" not in names:  # read for `remote` only without the flag
            said.append(("mdtrtarea_admvs", text_value(names["mdtrtarea_admvs"][0])))
        said = [("hosp_lv" if c == "facility" and level_from == "hosp_lv" else c, e) for c, e in said]
        # R's NA only where the cell is refused anyway (R_MISSING): a coded column's or a division code's
        bad[:0] = [w for c, e in said for w in _missing_words(c, e, r=c in CODED or c == "hosp_lv" or c in ADMDVS)]
        # before all: a total row at the foot (合计 in a cell of its own) is told as such, not as its first blank ID
        totals = [(f"regexp_full_match({text_value(ident(c))}, {q(TOTAL_RE)})", mapping.rename(c),
                   "a total row (合计/总计), no settlement: delete it (and any other summary row) from the export",
                   text_value(ident(c))) for c, typ in cols.items() if c != "src_row" and (typ or "").upper() == "VARCHAR"]
        # and a note row (制表人：张三) in an ID's cell: as a total row, not as an ID with a full-width colon
        notes = [(f"regexp_full_match({text_value(ident(c))}, {q(NOTE_RE)})", mapping.rename(c),
                  "a note row (制表人/打印日期/审核人…), no settlement: delete it (and any other note or summary row) "
                  "from the export", text_value(ident(c))) for c, typ in cols.items()
                 if mapping.rename(c) in ("setl_id", "psn_no") and (typ or "").upper() == "VARCHAR"]
        bad[:0] = totals + notes
    conv_bad, bad = bad, []
    # Row-level rules, on the converted values.
    rev = "(init_setl_id IS NOT NULL)"
    for c in ("setl_id", "psn_no"):
        bad.append((f"{c} IS NULL", c, "missing", "''"))
    dated = "setl_date" if "setl_date" in names else "setl_time"
    bad.append(("setl_date IS NULL", dated, "missing", "''"))
    # A two-digit year ('23-01-08') parses as the year 23, and a placeholder (0001-01-01, 9999-12-31) as itself: no
    # settlement's date, yet a valid one would be audited as outside the policy's validity (and 2,000 years of months).
    bad.append((f"setl_date < DATE '{FIRST_YEAR}-01-01' OR setl_date > DATE '{LAST_YEAR}-12-31'", dated,
                f"a year outside {FIRST_YEAR}–{LAST_YEAR}, which is no settlement's (a two-digit year such as 23-01-08 "
                "is read as the year 23; 0001-01-01 and 9999-12-31 are placeholders): export the settlement's own date, its year in four digits",
                "'read as ' || CAST(setl_date AS VARCHAR)"))
    for c in ("psn_type", "med_type", "medfee_sumamt"):
        bad.append((f"NOT {rev} AND {c} IS NULL", c, "missing", "''"))
    bad.append((f"NOT {rev} AND facility IS NULL", *_no_level(level_from, inst.MISSING in names), "''"))
    if "setl_time" in names and "setl_date" in names:
        # setl_date is COALESCE(the date given, setl_time's date): it differs from setl_time's date only where both
        # are given and disagree. The year (deductible, cap) comes from setl_date and the order from both
        # (A-AUDIT-ORDER), so a date in another zone (a UTC date beside a zoned time: 2023-12-31 for 2024-01-01
        # 00:30 in Beijing) put the visit in the wrong year; which one is right the export cannot tell.
        bad.append(("setl_time IS NOT NULL AND setl_date <> CAST(setl_time AS DATE)", "setl_date",
                    "not the date of setl_time in Beijing time (a time with a zone is dated in Beijing time): the "
                    "two disagree, so the year and the order would be guessed; export the date in Beijing time, or "
                    "leave setl_date out and the date is taken from setl_time",
                    "'setl_date ' || CAST(setl_date AS VARCHAR) || ', setl_time ' || CAST(setl_time AS VARCHAR) "
                    "|| ' in Beijing time'"))
    for c, known in CODED.items():
        if c == "facility" and level_from == "hosp_lv":
            bad.append((f"{c} IS NOT NULL AND {c} NOT IN {_in(list(known))}", "hosp_lv", unknown_hosp_lv(mapping), c))
            continue
        bad.append((f"{c} IS NOT NULL AND {c} NOT IN {_in(list(known))}", c,
                    f"unknown code; expected one of {listing(c)} (map a code to one of them with --map [codes.{c}], "
                    f"or leave out the rows this document does not govern with [skip])", c))
    for a in INPUT_AMOUNTS + OTHER_FUNDS + AS_RECORDED:
        bad.append((f"NOT {rev} AND {a} < 0", a, "negative amount in a settlement (2207) row", _yuan_text(a)))
    # A payment ratio is at most 1 (every format: text, DECIMAL, integers); above it is most likely a percentage
    # (60.00 for 60%), which would otherwise make every row a ratio discrepancy. The located message comes
    # from the conversion check above, which quotes the cell as written.
    bad.append((f"pool_prop_selfpay > {RATIO_MAX}", "pool_prop_selfpay", RATIO_ABOVE_1,
                "CAST(CAST(pool_prop_selfpay AS DECIMAL(18, 0)) * 0.0001 AS VARCHAR)"))
    # nor below 0: a reversal keeps its settlement's ratio (text '-0.5' is no ratio already: RATIO_RE)
    bad.append(("pool_prop_selfpay < 0", "pool_prop_selfpay",
                "negative, which no payment ratio is (a reversal row keeps its settlement's ratio)",
                "CAST(CAST(pool_prop_selfpay AS DECIMAL(18, 0)) * 0.0001 AS VARCHAR)"))
    bad.append((f"NOT {rev} AND COALESCE(fulamt_ownpay_amt, 0) + COALESCE(overlmt_selfpay, 0) + COALESCE(preselfpay_amt, 0)"
                f" > medfee_sumamt", "medfee_sumamt",
                "parts exceed the total (fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt > medfee_sumamt)",
                _yuan_text("medfee_sumamt")))
    # The amounts taken as recorded (other funds, the hospital's part, a relative's account) are parts of the total
    # beside the pooled fund (>= 0) and the person's own part (>= 0, of which the relative's account pays some): more
    # than the total contradicts the platform's own identity, and would give expected figures below zero.
    recorded_parts = [c for c in OTHER_FUNDS + AS_RECORDED if sel.get(c) != "CAST(NULL AS BIGINT)"]
    if recorded_parts:
        summed = " + ".join(f"COALESCE({c}, 0)" for c in recorded_parts)
        bad.append((f"NOT {rev} AND {summed} > medfee_sumamt", "medfee_sumamt",
                    f"parts taken as recorded exceed the total ({' + '.join(recorded_parts)} > medfee_sumamt; by the "
                    "platform's identity 医疗费总额 = 基金支付总额 + 个人负担总金额 + 医院负担金额, and a relative's account pays "
                    "within 个人负担)", _yuan_text("medfee_sumamt")))
    bad.append((f"NOT {rev} AND med_type = '41' AND facility <> 'pharmacy'", "facility",
                "med_type 41 (定点药店购药) needs facility pharmacy", "facility"))
    bad.append((f"NOT {rev} AND facility = 'pharmacy' AND med_type NOT IN ('41', '14')", "med_type",
                "a pharmacy settles med_type 41 (or 14 for chronic drugs)", "med_type"))
    # A recorded figure left blank cannot be audited, and counting it as 0 would invent a discrepancy:
    # the export is incomplete (a column the export lacks altogether is simply not audited).
    for f in RECORDED:
        if f in names:
            bad.append((f"{f} IS NULL", f, "blank: the recorded figure is missing (the platform records 0.00 where "
                        "nothing was paid); fill it in, or leave the column out of the export to not audit it", "''"))
    bad.append((f"NOT {rev} AND med_type = '14' AND dise_codg IS NULL", "dise_codg",
                "med_type 14 (门诊慢特病) needs the registered disease code", "''"))
    sel["_skip"] = f"CASE {' '.join(skips)} END" if skips else "CAST(NULL AS VARCHAR)"
    if constants is not None:
        constants.update({c: e for c, e in sel.items() if e in CONSTANTS})
        if all(sel[f] == "CAST(NULL AS BIGINT)" for f in OTHER_FUNDS):
            constants["oth_fund_pay"] = "CAST(0 AS BIGINT)"
    inner = ",\n  ".join(f"{e} AS {c}" for c, e in sel.items())
    tail = f"{src_idx} AS src_idx, src_row, {src_idx} * {RID_STEP} + src_row AS rid"
    if not errors:
        # The fast pass only flags a bad row; the located message is built for the first one alone.
        conv_any = " OR ".join(f"({cond})" for cond, *_ in conv_bad) or "FALSE"
        rule_any = " OR ".join(f"({cond})" for cond, *_ in bad)
        return (f"SELECT *, (_skip IS NULL AND (_conv_bad OR {rule_any})) AS _bad FROM (\n"
                f"SELECT {inner},\n  ({conv_any}) AS _conv_bad,\n  {tail}\nFROM {rel})")
    # Conversion problems are found on the source values; rule problems on the converted ones.
    conv_cases = " ".join(f"WHEN {cond} THEN {q(col)} || chr(31) || {q(msg)} || chr(31) || COALESCE({raw}, '')"
                          for cond, col, msg, raw in conv_bad)
    rule_cases = " ".join(f"WHEN {cond} THEN {q(col)} || chr(31) || {q(msg)} || chr(31) || COALESCE({raw}, '')"
                          for cond, col, msg, raw in bad)
    conv_err = f"CASE {conv_cases} END" if conv_cases else "CAST(NULL AS VARCHAR)"
    return (f"SELECT *, COALESCE(_conv_err, CASE {rule_cases} END) AS _err FROM (\n"
            f"SELECT {inner},\n  {conv_err} AS _conv_err,\n  {tail}\nFROM {rel})")


RID_STEP = 10000000000  # rid = file index * RID_STEP + row: export order as one integer
# The table keeps what the audit reads (of the division codes only the insured city, `_insured`); src_idx
# and src_row are in rid.
COLUMNS = ([c for c in TEXT if c not in ADMDVS] + ["setl_time", "setl_date"] + list(INPUT_AMOUNTS)
           + list(RECORDED_AMOUNTS) + ["pool_prop_selfpay", "oth_fund_pay"] + list(AS_RECORDED) + list(FLAGS) + ["rid", "_bad", "_skip", "_insured"])


# Codes from a fixed list are kept as ENUM (one byte, not a 16-byte string): the table is about a fifth
# smaller, so a large ledger leaves the plan's sorts more memory. A code not in the list is a bad row
# (`_bad`), refused before anything reads the table.


# The expressions canonical_select gives a column a file lacks (remote and acct_used_flag: FLAGS' defaults).
CONSTANTS = frozenset({"CAST(NULL AS VARCHAR)", "CAST(NULL AS BIGINT)", "CAST(NULL AS TIMESTAMP)", "CAST(NULL AS DATE)",
                       "CAST(NULL AS SMALLINT)", "FALSE", "TRUE"})
# The table the rows are stored in; `ledger` is a view of it that adds the columns no file has, as constants.
# A column stored (10M rows: 80 MB of BIGINT before compression) only to be found constant by CHECKPOINT cost
# the CTAS and the CHECKPOINT about 0.6 s of CPU per 2M rows for the zhejiang ledger's absent columns
# (fixmedins_name, exclusion, the other funds, hosp_part_amt, acct_mulaid_pay, remote, acct_used_flag, _skip).
STORED = "ledger_rows"


def _view_column(c: str, constant: str | None) -> str:
    """A column of the view `ledger`: stored, or the constant every file gives it (as _stored would store it)."""
    if constant is None:
        return c
    if c in CODED:
        return f"CAST({constant} AS ENUM({', '.join(q(k) for k in CODED[c])})) AS {c}"
    return f"{constant} AS {c}"


def _ledger_view(con: duckdb.DuckDBPyConnection, constant: dict[str, str], extra: tuple[str, ...] = ()) -> None:
    """(Re)create the view `ledger` over STORED: COLUMNS in order, then `extra` (stored columns added later)."""
    cols = [_view_column(c, constant.get(c)) for c in COLUMNS] + list(extra)
    con.execute(f"CREATE OR REPLACE VIEW ledger AS SELECT {', '.join(cols)} FROM {STORED}")


def _stored(c: str) -> str:
    if c == "setl_time":
        # exactly 00:00:00 is a lost time (a date cast to a datetime, a manual 补录), not midnight: stored as none,
        # it orders nothing, and such rows of a day go in the export's order with the blank ones (docs/audit.md §1)
        return "CASE WHEN setl_time = DATE_TRUNC('day', setl_time) THEN NULL ELSE setl_time END AS setl_time"
    if c == "oth_fund_pay":
        return "(" + " + ".join(f"COALESCE({f}, 0)" for f in OTHER_FUNDS) + ") AS oth_fund_pay"
    if c in CODED:
        return f"TRY_CAST({c} AS ENUM({', '.join(q(k) for k in CODED[c])})) AS {c}"
    return c


def spelled(column: str, headers: dict[str, str] | None) -> str:
    """A column as the file spells it where its header differs from the platform's name: '人员编号 (psn_no)'
    (`headers`: platform name -> the file's header, spelled_headers); the platform's name alone otherwise."""
    raw = (headers or {}).get(column)
    return f"{raw} ({column})" if raw and raw != column else column


def spelled_headers(cols: dict[str, str] | list[str], mapping: Mapping) -> dict[str, str]:
    """Platform name -> the file's own header, for the headers --map renames (or whose case differs)."""
    return {mapping.rename(c): c for c in cols if c != "src_row"}


def _no_level(level_from: str, by_institutions: bool) -> tuple[str, str]:
    """(column, message) for a settlement without a facility level: named by where the level was to come from."""
    if by_institutions:
        return ("fixmedins_code", "missing: the level is looked up in the institutions table (--institutions) by "
                "fixmedins_code, and this row has none")
    if level_from == "hosp_lv":
        return "hosp_lv", "empty: " + PHARMACY_LEVEL
    return "facility", ("missing: give the level (tertiary, secondary, primary, unrated or pharmacy), or map the "
                        "platform's hosp_lv codes with [codes.hosp_lv]")


def _raise_row(row: tuple, message: str | None = None, headers: dict[str, str] | None = None) -> None:
    file, r, unit, err = row
    col, msg, raw = (err.split("\x1f") + ["", "", ""])[:3] if err else ("", message or "", "")
    shown = f": {raw!r}" if raw else ""
    if "{char}" in msg:  # which character, by its code point and name (it may show as nothing)
        msg = msg.replace("{char}", sources.odd_character(raw))
    if "{value}" in msg:  # the message names the cell itself
        msg, shown = msg.replace("{value}", repr(raw)), ""
    raise AuditInputError(f"{msg}{shown}", file=file, row=r, column=spelled(col, headers) if col else None, unit=unit)


def _wanted(mapping: Mapping) -> frozenset[str]:
    """The header names a ledger file may use: the platform's, hosp_lv, and the sources of --map."""
    return (frozenset(COLUMNS) | {"hosp_lv"} | frozenset(ADMDVS) | frozenset(OTHER_FUNDS) | frozenset(mapping.columns)
            | frozenset(mapping.skip) | {VOID_FLAG})


def _unit(path: Path) -> str:
    return sources.UNITS[sources.kind_of(path)]


def _raise_first_bad(con: duckdb.DuckDBPyConnection, path: Path, idx: int, row: int, mapping: Mapping,
                     encoding: str | None, institutions: bool = False, home: str | None = None) -> None:
    """Read the file again and build the located message for its bad row `row`."""
    rel = f"_bad{idx}"
    cols = sources.open_source(con, path, rel, encoding, _wanted(mapping), ids=sources.id_columns(mapping),
                               times=sources.time_columns(mapping))
    try:
        src = rel
        if institutions:
            src, cols = inst.attach(con, rel, cols, mapping, path)
        sel = canonical_select(path, src, cols, mapping, idx, errors=True, home=home)
        err = con.execute(f"SELECT _err FROM ({sel}) WHERE src_row = {int(row)}").fetchall()
    finally:
        drop_view(con, rel)
    line = sources.line_of(path, row, encoding, _wanted(mapping))  # a CSV record's own line (src_row counts records)
    _raise_row((str(path), line, _unit(path), err[0][0] if err else None), "invalid row", spelled_headers(cols, mapping))


def load(con: duckdb.DuckDBPyConnection, specs: list[str] | tuple[str, ...], mapping: Mapping,
         encoding: str | None = None, institutions: frozenset[str] = frozenset(), home: str | None = None,
         others: tuple[tuple[str, str], ...] = (), note: Callable[[str], None] | None = None,
         home_from: str | None = None, area: str | None = None) -> LedgerInfo:
    """Create table `ledger` from the files; raise AuditInputError naming the first bad row. `home`: the
    region's division code (--admdvs); the rows of persons insured in another city are left out. `home_from`: the
    region file `home` is the admdvs of, --admdvs not given (_region_city). `area`: the document's own division
    code (its issuer's: a city's, or a province's), which a ledger of one insured city must be in (_one_insured_city).
    `institutions`: the institutions table's columns (--institutions), empty without one. `others`: the
    persons file, institutions table and mapping files (sources.other_inputs), left out of a ledger folder
    and said so to `note`."""
    aside: list[tuple[Path, str]] = []
    notes: list[str] = []  # LedgerInfo.notes: said to `note` too, as they are found
    near: list[tuple[str, str, Path]] = []  # (header not read, the figure it is close to, its file): _near_misses
    every = sources.listed(specs, others, aside)
    for f, opt in aside:
        if note is not None:
            note("注意 note: " + sources.not_a_ledger_said(f, opt))
    paths = [p for p, why in every if why is None]
    selects = []
    constants: list[dict[str, str]] = []  # per file: its columns that are one constant (canonical_select)
    headers: set[str] = set()  # every file's columns as written (mapped or not)
    present: set[str] = set()
    remote_from: set[str] = set()
    lacking: set[str] = set()
    recording: set[str] = set()
    recorded_in: list[tuple[Path, set[str]]] = []
    void_flagged = False  # a file with vali_flag: its void records are left out (VOID_FLAG)
    integer_yuan: set[str] = set()
    money = set(INPUT_AMOUNTS + RECORDED_AMOUNTS + OTHER_FUNDS + AS_RECORDED)
    for i, p in enumerate(paths):
        rel = f"_src{i}"
        try:
            cols = sources.open_source(con, p, rel, encoding, _wanted(mapping), ids=sources.id_columns(mapping),
                                       times=sources.time_columns(mapping))
        except AuditInputError as e:
            if e.file is None:
                raise AuditInputError(e.detail, file=str(p), row=e.row, column=e.column, unit=e.unit) from None
            raise
        headers |= set(cols) - {"src_row"}
        near.extend((h, f, p) for h, f in _near_misses(cols, mapping))
        person_fields = sources.persons_shaped({mapping.rename(c) for c in cols if c != "src_row"})
        if person_fields:
            raise AuditInputError(_persons_said(p, person_fields, others), file=str(p))
        if institutions:  # the level by fixmedins_code where the file has no facility/hosp_lv
            rel, cols = inst.attach(con, rel, cols, mapping, p)
        here = {mapping.rename(c) for c in cols}
        void_flagged |= VOID_FLAG in here
        integer_yuan |= {mapping.rename(c) for c, t in cols.items()
                         if mapping.rename(c) in money and (t or "").upper() in INTEGER_TYPES}
        present |= here
        recorded_in.append((p, {f for f in RECORDED + ALIKE if f in here}))
        remote_from.add("column" if "remote" in here else "admdvs" if all(a in here for a in ADMDVS) else "absent")
        lacking |= {c for c in ("exclusion", "acct_used_flag") + INPUT_AMOUNTS[1:] if c not in here}
        (recording if here & set(OTHER_FUNDS) else lacking).add("oth_fund_pay")
        for c in AS_RECORDED:
            (recording if c in here else lacking).add(c)
        if "hosp_lv" in present:
            present.add("facility")
        constants.append({})
        selects.append(canonical_select(p, rel, cols, mapping, i, home=home, constants=constants[-1]))
    if home is not None and "insuplc_admdvs" not in present and home_from is not None:
        home = None  # the region's code, and no city to tell apart: nothing to leave out
    if home is not None and "insuplc_admdvs" not in present:
        raise AuditInputError(f"--admdvs {home}: no ledger file has insuplc_admdvs (参保地医保区划), so persons insured "
                              "elsewhere cannot be told apart: export that column, or leave --admdvs out")
    _same_recorded(recorded_in)
    _map_sources_found(mapping, headers | institutions, present, paths, note)
    for h, f, p in dict(((h, f), (h, f, p)) for h, f, p in reversed(near)).values():
        if f not in present:  # (the first file a header is in; a figure some file has under its name is read)
            how = (f"--map {h}={f}" if h.isprintable() and "=" not in h else
                   "rename it in the export (its name holds a character a command line cannot give)")
            said = f"column {h!r} ({p}) is not read; did you mean {f}? {how}（列 {h!r} 未读取：如为 {f}，请改名）"
            notes.append(said)
            if note is not None:
                note("注意 note: " + said)
    # A column one constant in every file (the same one) is not stored: the view `ledger` gives it (_ledger_view).
    # init_setl_id is always stored (_init_acct_pay and _skip_rows update STORED joining on it), _skip wherever
    # _skip_rows updates it.
    constant = {c: e for c, e in (constants[0] if constants else {}).items()
                if c in COLUMNS and c != "init_setl_id" and all(k.get(c) == e for k in constants[1:])}
    if mapping.skip or void_flagged or home is not None:
        constant.pop("_skip", None)
    stored = [c for c in COLUMNS if c not in constant]
    selects = [f"SELECT {', '.join(_stored(c) for c in stored)} FROM ({sel})" for sel in selects]
    sources.PENDING.clear()
    try:
        con.execute(f"CREATE OR REPLACE TABLE {STORED} AS\n" + "\nUNION ALL\n".join(selects))
    except duckdb.OutOfMemoryException:
        raise  # the command names the memory limit; this is no fault of the ledger
    except duckdb.Error as e:
        if sources.PENDING:
            raise sources.PENDING.pop() from None
        damaged = sources.damaged_parquet(con, paths)  # which file (the engine's message names none)
        if damaged is not None:
            raise damaged from None
        raise AuditInputError(f"cannot read the ledger: {sources.first_line(e)}") from None
    finally:
        for i in range(len(paths)):
            drop_view(con, f"_src{i}")
    _ledger_view(con, constant)
    if any(sources.kind_of(p) == "parquet" for p in paths):
        _wrapped_ids(con, paths, mapping)
    # each file's rows as read, those --map [skip] leaves out included (10M rows: 0.04 s)
    counts = dict(con.execute(f"SELECT rid // {RID_STEP}, count(*) FROM ledger GROUP BY ALL").fetchall())
    by_path = {p: int(counts.get(i, 0)) for i, p in enumerate(paths)}
    file_rows = tuple((str(p), by_path.get(p, 0), why) for p, why in every)
    skipped = _skip_rows(con) if mapping.skip or void_flagged or home is not None else ()
    for said in _skip_unmatched(mapping, skipped):
        notes.append(said)
        if note is not None:
            note("注意 note: " + said)
    if home_from is not None and home is not None:
        _region_city(con, home, home_from, skipped, note)
    row = con.execute(f"SELECT rid // {RID_STEP}, rid % {RID_STEP} FROM ledger WHERE _bad ORDER BY rid LIMIT 1").fetchall()
    if row:
        _negated_twin(con, row[0][0] * RID_STEP + row[0][1], paths, encoding, _wanted(mapping))
        _raise_first_bad(con, paths[row[0][0]], row[0][0], row[0][1], mapping, encoding, institutions, home)
    blank = _insured_blank(con) if "insuplc_admdvs" in present else 0
    if home is None:
        _one_insured_city(con, paths, encoding, _wanted(mapping), blank, area)
    if blank and note is not None:
        note(f"注意 note: {insured_blank_said(blank)}")
    _missing_text(con, paths, encoding, _wanted(mapping))
    _check_ids(con, paths, encoding, _wanted(mapping))
    _init_acct_pay(con, "acct_pay" in present, constant)
    info = con.execute("""SELECT count(*), count(*) FILTER (WHERE init_setl_id IS NULL),
        count(*) FILTER (WHERE init_setl_id IS NOT NULL),
        CAST(min(setl_date) AS VARCHAR), CAST(max(setl_date) AS VARCHAR) FROM ledger""").fetchall()[0]
    if info[0] == 0:  # a clean verdict on nothing would be false assurance: almost surely a wrong export
        what = ("every row is left out (by --map [skip], void: vali_flag 0, or insured elsewhere: --admdvs)" if skipped
                else "the ledger holds no rows (a header only)")
        raise AuditInputError(f"{what}: nothing to audit", file=", ".join(str(p) for p in paths))
    audited = [f for f in RECORDED if f in present]
    # Cash is 个人负担 less the account payment: without acct_pay the account's share is unknown wherever no
    # balance settles it, and every account payment would read as a cash discrepancy (A-AUDIT-CASH-NO-ACCT).
    if "psn_cash_pay" in audited and "acct_pay" not in present:
        audited.remove("psn_cash_pay")
    # persons: counted once the plan has grouped the ledger by person (run.py), not here a second time
    # rows_read counts every row of the files; the plan settles rows_read - the skipped ones (LedgerInfo.audited).
    return LedgerInfo([str(p) for p in paths], audited, info[0] + sum(n for _, n in skipped), info[1], info[2], -1,
                      (info[3], info[4]),
                      frozenset(remote_from), frozenset(lacking), skipped, frozenset(recording),
                      tuple(f for f in RECORDED if f in present and f not in audited),
                      tuple(sorted(integer_yuan)), file_rows, blank, tuple(notes))


# The figures whose column, absent, drops silently out of the audit (a recorded one is not audited, an amount one is
# read as 0.00): a header spelled close to one of them (hifp-pay, hifppay) is most likely it (probe s28 A F6).
NEAR_MISS_FIELDS = RECORDED + INPUT_AMOUNTS[1:]


def _near_misses(cols: dict[str, str], mapping: Mapping) -> list[tuple[str, str]]:
    """(header, field) for each header of a file that nothing reads (no ledger column, platform field, --map source or
    [skip] column) spelled within a small edit distance of a figure the file lacks (NEAR_MISS_FIELDS; difflib, as the
    --map hints): a note, not a refusal — the header may be another figure of the vendor's."""
    here = {mapping.rename(c) for c in cols}
    read = ledger_columns() | PLATFORM_UNREAD | set(mapping.skip) | {VOID_FLAG, "src_row"}
    lacking = [f for f in NEAR_MISS_FIELDS if f not in here]
    out = []
    for h in cols:
        if h in mapping.columns or mapping.rename(h) in read or not lacking:
            continue
        close = difflib.get_close_matches(h.strip().casefold(), lacking, n=1, cutoff=0.8)
        if close:
            out.append((h, close[0]))
    return out


def _skip_unmatched(mapping: Mapping, skipped: tuple[tuple[str, int], ...]) -> list[str]:
    """A note per [skip] column with codes that left out no row: a shared vendor map may list codes an export lacks,
    so not refused, but a mistyped code (39O for 390) or one written otherwise leaves its rows audited by rules that do
    not govern them, and the report would not say so (probe s28 A F7)."""
    hit = {k for k, _ in skipped}
    out = []
    for c, codes in mapping.skip.items():
        none = [code for code in codes if f"{c}={code}" not in hit]
        if none:
            out.append(f"--map [skip] {c}: {', '.join(map(repr, none))} left out no row (no row another [skip] did not "
                       f"leave out holds {'it' if len(none) == 1 else 'them'} in {c}, as written or without a text shell "
                       "or '.0'): a code mistyped, or written otherwise in the export, leaves its rows audited（[skip] "
                       "所列代码没有匹配任何行）")
    return out


def _persons_said(path: Path, fields: list[str], others: tuple[tuple[str, str], ...]) -> str:
    """The refusal of a persons file met among the ledgers (sources.persons_shaped): what it looks like and what to
    do. Not skipped: the audit would settle its persons without their balances, tiers or registrations, and
    report that as the truth."""
    given = [f for opt, f in others if opt == "--persons"]
    shown = ", ".join(fields[:4]) + (", …" if len(fields) > 4 else "")
    said = (f"this looks like a persons file, not a ledger (psn_no with a person's {shown}; no setl_id, setl_time or "
            "setl_date, med_type, medfee_sumamt): ")
    if given:
        return said + (f"--persons gives another file ({given[0]}); move this one out of the ledger folder, or give "
                       "it as --persons instead if it is this audit's")
    return said + (f"give it as --persons {path} (it may then stay in the folder), or move it out of the ledger folder "
                   "if it is not this audit's; it is not skipped, as an audit without its persons would settle them "
                   "wrongly")


def _map_sources_found(mapping: Mapping, headers: set[str], present: set[str], paths: list[Path],
                       note: Callable[[str], None] | None = None) -> None:
    """Refuse a --map column no file has whose target is missing too: a vendor's name mistyped in the map
    (XXZ for XXZF) would leave its amount absent, read as 0 (or a recorded figure unaudited), and every
    row it touches a false discrepancy. A source that is absent while its target is exported under the
    platform's name is harmless (a vendor map reused on a platform export), and so is one whose target the audit
    does not read (PLATFORM_UNREAD). A time or date column mapped and absent while the other is read (one vendor
    map for months exported with 结算时间 and months with 结算日期) is not refused: an absent time is said to `note`
    (the date then orders a day's rows by the export's order, A-AUDIT-ORDER, as docs/audit.md §1 says)."""
    where = str(paths[0]) + (f" (and {len(paths) - 1} more files)" if len(paths) > 1 else "")
    for src, dst in mapping.columns.items():
        if src in headers or dst in present or dst in PLATFORM_UNREAD:
            continue
        other = {"setl_time": "setl_date", "setl_date": "setl_time"}.get(dst)
        if other in present:
            if note is not None and dst == "setl_time":  # (an absent date loses nothing: it is setl_time's)
                note(f"注意 note: --map {src}={dst}: no ledger file has a column {src!r}; {other} is read instead"
                     "（同一天内的先后按导出顺序，A-AUDIT-ORDER）")
            continue
        raise map_source_absent(mapping, src, dst, headers, where, "no ledger file has a column")


def map_source_absent(mapping: Mapping, src: str, dst: str, headers: set[str], where: str,
                      has: str = "the file has no column") -> AuditInputError:
    """The refusal of a --map source no file has whose target is missing too, naming the --map argument it came from
    and the header's closest names (a mistyped vendor name: JSBHX for JSBH)."""
    close = difflib.get_close_matches(src, sorted(headers - ledger_columns()), n=3, cutoff=0.6)
    said = (f"; did you mean {' or '.join(map(repr, close))}?" if close
            else "; a mapping names a vendor's column exactly as the export's header spells it")
    return AuditInputError(f"{mapping.said(src, dst)}: {has} {src!r}, nor {dst!r}{said}", file=where)


# The amounts a settlement's figures are worked from, besides medfee_sumamt (required): a file without one of them
# is read as 0.00 there (an assumption the report lists). Where another file of the same audit has the column, the
# exports differ, and its 0.00 would invent discrepancies (a probe: 3,139 in a split ledger): refused as a recorded
# figure missing from one file is.
ALIKE = INPUT_AMOUNTS[1:] + OTHER_FUNDS + AS_RECORDED


def _same_recorded(recorded_in: list[tuple[Path, set[str]]]) -> None:
    """Every file of one audit records the same figures (a month without hifp_pay would go unaudited while the
    totals counted the others), and has the same amounts to work them from (ALIKE); read before any row, so it costs
    nothing."""
    every = set().union(*(fields for _, fields in recorded_in))
    for path, fields in recorded_in:
        if fields != every:
            lacking = [f for f in RECORDED + ALIKE if f in every - fields]
            other = next(str(p) for p, f in recorded_in if lacking[0] in f)
            what = ("records: the files of one audit must record the same figures" if lacking[0] in RECORDED else
                    "has (where a file lacks an amount it is read as 0.00): the files of one audit must have the same "
                    "amount columns")
            raise AuditInputError(f"has no {', '.join(lacking)}, which {other} {what} (export them alike, rename with "
                                  "--map, or audit them separately)", file=str(path))


def _init_acct_pay(con: duckdb.DuckDBPyConnection, recorded: bool, constant: dict[str, str]) -> None:
    """Column `init_acct_pay` on a reversal row: the recorded acct_pay of the settlement it reverses. A
    reversal must give back exactly what its settlement is taken to have paid from the account (A-REVERSAL),
    which without a sufficient balance is that settlement's recorded figure; set here, for the few
    reversals, so the plan need not join the reversed settlements back at ten million rows."""
    con.execute(f"ALTER TABLE {STORED} ADD COLUMN init_acct_pay BIGINT")
    _ledger_view(con, constant, ("init_acct_pay",))
    if recorded:
        con.execute(f"""UPDATE {STORED} AS ledger SET init_acct_pay = s.acct_pay
                       FROM (SELECT setl_id, acct_pay FROM ledger
                             WHERE setl_id IN (SELECT init_setl_id FROM ledger WHERE init_setl_id IS NOT NULL)) s
                       WHERE ledger.init_setl_id = s.setl_id""")


def _insured_blank(con: duckdb.DuckDBPyConnection) -> int:
    """The rows without insuplc_admdvs where some row has one (a scan of the two-byte `_insured`: milliseconds);
    0 where none has (the column is there but empty: nothing to tell them from)."""
    blank, coded = con.execute("SELECT count(*) FILTER (WHERE _insured IS NULL), count(*) FILTER (WHERE _insured IS "
                               "NOT NULL) FROM ledger").fetchall()[0]
    return int(blank) if coded else 0


def insured_blank_said(n: int) -> str:
    """The note on rows without insuplc_admdvs among coded ones (raudit2 Q2), console and report alike."""
    return (f"{n:,} row{'s' if n != 1 else ''} without insuplc_admdvs (参保地医保区划), taken as the region's own "
            "insured persons (local)"
            f"（{n:,} 行没有参保地医保区划，按本地参保人员审核）")


def _region_city(con: duckdb.DuckDBPyConnection, home: str, home_from: str, skipped: tuple[tuple[str, int], ...],
                 note: Callable[[str], None] | None) -> None:
    """The region file's admdvs taken as --admdvs (not given): where the ledger holds persons insured in several cities
    those of the others were left out, said to `note` (which code, from which file); a ledger with no coded row of the
    region's city is refused — its persons are another city's, and auditing them by this region's figures (宁波's
    ledger by 杭州's) would read every difference of the two cities' rules as the system's. --admdvs given overrides."""
    elsewhere: dict[int, int] = {}
    for k, n in skipped:
        if k.startswith("insuplc_admdvs="):
            city = city_of(k.partition("=")[2])
            elsewhere[city] = elsewhere.get(city, 0) + int(n)
    if not elsewhere:  # one city, the region's (or no code at all)
        return
    shown = "; ".join(f"{str(c).ljust(6, '0')}: {n:,} rows" for c, n in sorted(elsewhere.items(), key=lambda x: -x[1]))
    if not con.execute("SELECT count(*) FROM ledger WHERE _insured IS NOT NULL").fetchall()[0][0]:
        first = str(max(elsewhere, key=elsewhere.get)).ljust(6, "0")
        raise AuditInputError(
            f"the ledger's persons are insured in another city than the region's (insuplc_admdvs by city: {shown}; the "
            f"region file {home_from} gives admdvs {home}): audited by this region's figures, another city's settlements "
            f"would read as wrong; give that city's region file with --region, or --admdvs {first} to audit them by "
            f"these figures on purpose（清单的参保人员都不在地区配置的医保区划 {home}：请给出其参保地的地区配置）")
    if note is not None:
        note(f"注意 note: --admdvs {home}, the admdvs of the region file {home_from}: the ledger holds persons insured in "
             f"{len(elsewhere) + 1} cities; those insured elsewhere ({shown}) are left out and counted（按地区配置的医保区划 "
             f"{home} 只审核本地参保人员，其他地市参保人员的结算排除并计数；另给 --admdvs 可改）")


def _one_insured_city(con: duckdb.DuckDBPyConnection, paths: list[Path], encoding: str | None,
                      wanted: frozenset[str], blank: int = 0, area: str | None = None) -> None:
    """Refuse a ledger of persons insured in several cities unless --admdvs names the region's own: the
    document governs the region's insured persons; one insured elsewhere, treated at the region's institutions
    (异地就医), is settled by the rules of the place insured (A-REMOTE-SAME), not by this document. So too a ledger
    of one city outside `area`, the document's own six-digit code (510400 a city, 220000 a province: its cities,
    110000 a municipality): a city's document governs its own insured persons (攀枝花 第三条：适用于我市职工医保参保
    人员), and audited by it every difference of the two places' rules would read as the system's."""
    cities = con.execute("SELECT _insured, count(*), min(rid) FROM ledger WHERE _insured IS NOT NULL "
                         "GROUP BY _insured ORDER BY count(*) DESC, _insured").fetchall()
    code = lambda city: str(city).ljust(6, "0")  # noqa: E731 - 5104 -> 510400, 11 -> 110000

    def refuse(said: str, rid: int) -> NoReturn:
        path = paths[rid // RID_STEP]
        raise AuditInputError(said, file=str(path), row=sources.line_of(path, rid % RID_STEP, encoding, wanted),
                              column="insuplc_admdvs", unit=_unit(path))

    if len(cities) == 1 and area:
        prefix = area[:2] if area[:2] in MUNICIPALITIES or area[2:] == "0000" else area[:4]
        city, n, rid = cities[0]
        if not str(city).startswith(prefix):
            refuse(f"the ledger's persons are insured in {code(city)} ({n:,} row{'s' if n != 1 else ''}), outside the "
                   f"document's area ({area}): the document governs its own insured persons, and one insured elsewhere "
                   f"is settled by the rules of the place insured (A-REMOTE-SAME) — audited by this document, every "
                   f"difference of the two places' rules would read as the system's. Audit it under that place's "
                   f"document, or give --admdvs {code(city)} to audit it by these rules on purpose（清单的参保人员都不在"
                   f"本文件的医保区划 {area} 内：请按其参保地的规定稽核）", rid)
    if len(cities) <= 1:
        return
    shown = "; ".join(f"{code(c)}: {n:,} rows" for c, n, _ in cities[:5])
    more = f"; {len(cities) - 5} more" if len(cities) > 5 else ""
    more += f"; {blank:,} row{'s' if blank != 1 else ''} without insuplc_admdvs, taken as local" if blank else ""
    refuse(f"the ledger holds persons insured in {len(cities)} cities (insuplc_admdvs by city: {shown}{more}; the first "
           f"row of the second is here); the audit settles the region's own insured persons by its rules, and a person "
           f"insured elsewhere (异地就医) by the rules of the place insured: give the region's six-digit division code "
           f"with --admdvs (e.g. --admdvs {code(cities[0][0])}), and the others are left out and counted", cities[1][2])


# An engine's error that says its 64-bit integer arithmetic overflowed (DuckDB's OutOfRange / Conversion error, or a
# sum cast back to BIGINT: "Failed to cast decimal value … to type INT64"; Spark's ARITHMETIC_OVERFLOW / CAST_OVERFLOW
# under ANSI mode).
OVERFLOW = re.compile(r"overflow|out of range|to type INT64", re.IGNORECASE)
# The amounts whose fen the plan and the summary compute with: the total, its parts and the recorded figures.
FEN_AMOUNTS = ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", *RECORDED_AMOUNTS)


def too_large(con: duckdb.DuckDBPyConnection, info: LedgerInfo, mapping: Mapping, encoding: str | None,
              said: str) -> AuditInputError:
    """The located error for a ledger whose amounts, each within MAX_DIGITS, overflow the integer fen the plan and the
    summary compute in: a settlement's fen times its ratio's numerator, a person's running year total, or the ledger's
    recorded over- and underpayments summed, past 2^63 (s27 probeD F1, probeR F1: an internal error, exit 3, before).
    Names the largest amount of any column and the person with the largest total of it: such figures come from a
    damaged export (an id or a total mapped onto an amount), not from a settlement."""
    tops = con.execute("SELECT " + ", ".join(f"max(abs({c})), arg_max(rid, abs({c}))" for c in FEN_AMOUNTS)
                       + " FROM ledger").fetchall()[0]
    fen, rid, column = max(((tops[2 * i], tops[2 * i + 1], c) for i, c in enumerate(FEN_AMOUNTS)
                            if tops[2 * i] is not None), key=lambda t: t[0])
    psn, total, n = con.execute(f"SELECT psn_no, sum(abs({column})), count(*) FROM ledger GROUP BY psn_no "
                                "ORDER BY 2 DESC LIMIT 1").fetchall()[0]
    paths = [Path(f) for f in info.files]
    path = paths[int(rid) // RID_STEP]
    return AuditInputError(
        f"amounts too large to settle exactly in fen ({said}): the largest {column} is {_yuan(int(fen))} yuan, here; "
        f"person {psn} totals {_yuan(int(total))} yuan of it over {n:,} row{'s' if n != 1 else ''}. The audit computes "
        "in 64-bit integer fen, so a settlement's amount times its ratio (as a fraction), a person's year total and the "
        "ledger's totals must stay below 9.2 × 10^18 fen; no outpatient ledger comes near — an id or a total mapped "
        "onto an amount column? (金额过大：请检查金额列)",
        file=str(path), row=sources.line_of(path, int(rid) % RID_STEP, encoding, _wanted(mapping)),
        column=column, unit=_unit(path))


def _skip_rows(con: duckdb.DuckDBPyConnection) -> tuple[tuple[str, int], ...]:
    """Take the rows --map [skip] leaves out, the void ones (VOID_FLAG) and the other half of each such
    settlement-reversal pair out of `ledger`; return how many, by reason.

    A reversal (2208) is part of its settlement's history: kept alone, a reversal of a left-out settlement would
    give back what was never counted, and a settlement kept without its left-out reversal would be audited as
    never reversed (its deductible used up, a correct re-settlement read as underpaid). So the pair goes together:
    a left-out settlement's reversals under its reason, a left-out reversal's settlement under PAIRED_WITH (its
    own code was not left out, and the count says so). A void reversal (vali_flag 0) is no reversal: it never
    happened, and its settlement stands."""
    # the joins' hash tables hold the skipped rows only, not every setl_id of the ledger
    con.execute(f"""UPDATE {STORED} AS ledger SET _skip = s._skip FROM (SELECT setl_id, _skip FROM ledger WHERE _skip IS NOT NULL) s
                   WHERE ledger.init_setl_id = s.setl_id AND ledger._skip IS NULL""")
    con.execute(f"""UPDATE {STORED} AS ledger SET _skip = {q(PAIRED_WITH[0])} || s._skip || {q(PAIRED_WITH[1])}
                    FROM (SELECT init_setl_id, _skip FROM ledger WHERE _skip IS NOT NULL AND init_setl_id IS NOT NULL
                          AND NOT starts_with(_skip, {q(VOID_FLAG + '=')})) s
                    WHERE ledger.setl_id = s.init_setl_id AND ledger._skip IS NULL""")
    counts = con.execute("SELECT _skip, count(*) FROM ledger WHERE _skip IS NOT NULL GROUP BY _skip ORDER BY _skip").fetchall()
    if counts:
        con.execute(f"DELETE FROM {STORED} WHERE _skip IS NOT NULL")
    return tuple((str(k), int(n)) for k, n in counts)


def _wrapped_ids(con: duckdb.DuckDBPyConnection, paths: list[Path], mapping: Mapping) -> None:
    """Refuse the first ID cell of a Parquet file still in Excel's text-keeping form (sources.WRAPPED: ="3301…",
    '3301…, a tab), or a psn_no or init_setl_id written from a float (sources.FLOAT_ID), by file, row and column: a text file's are read bare, but a Parquet file is written by a program,
    and testing its every cell cost the read stage 3-4 %; one filtered scan of the stored table a column costs
    milliseconds (its range test skips row groups of digits by their min/max)."""
    parquet = [i for i, p in enumerate(paths) if sources.kind_of(p) == "parquet"]
    in_parquet = f"rid // {RID_STEP} IN ({', '.join(map(str, parquet))})"
    per_column = " UNION ALL ".join(f"SELECT {q(c)} AS col, min(rid) AS rid FROM ledger WHERE {sources.wrapped_sql(c)} "
                                    f"AND {in_parquet}" for c in sources.WRAPPED)
    # A float's '.0' (sources.FLOAT_ID), sought where it does harm: psn_no (a person read as two) and init_setl_id
    # (its settlement not found). psn_no repeats, so its dictionary makes the test cheap; a setl_id with '.0' only
    # names itself, and testing every one cost 0.27 s on 10M rows.
    per_column += " UNION ALL " + " UNION ALL ".join(
        f"SELECT {q(c)} AS col, min(rid) AS rid FROM ledger WHERE ends_with({c}, '.0') AND "
        f"regexp_full_match({c}, {q(sources.FLOAT_ID)}) AND {in_parquet}" for c in ("psn_no", "init_setl_id"))
    hit = _first_hit(con, per_column)
    if hit is None:
        return
    col, rid, value = hit
    path = paths[rid // RID_STEP]
    headers = spelled_headers(pq.read_schema(path).names, mapping)
    if re.match(sources.FLOAT_ID, value):
        raise sources.float_id(path, rid % RID_STEP, spelled(col, headers), repr(value), unit=_unit(path))
    raise AuditInputError(f"an ID in Excel's text-keeping form ({value!r}: =\"…\", a leading apostrophe or a tab, which an "
                          "export writes so that Excel keeps a long ID as text): the Parquet file was converted from such "
                          "an export with the wrapper kept, and read verbatim the ID would be another person's or "
                          f"settlement's; convert again with the bare ID ({sources.unwrap_id(value)!r}) — a CSV or xlsx "
                          "export is read without the wrapper", file=str(path), row=rid % RID_STEP,
                          column=spelled(col, headers), unit=_unit(path))


def _first_hit(con: duckdb.DuckDBPyConnection, per_column: str) -> tuple[str, int, Any] | None:
    """The first row (by rid) a per-column scan (`SELECT 'col' AS col, min(rid) AS rid … UNION ALL …`) found, with
    that column and its cell; None when no column found one."""
    hit = con.execute(f"SELECT col, rid FROM ({per_column}) WHERE rid IS NOT NULL ORDER BY rid, col LIMIT 1").fetchall()
    if not hit:
        return None
    col, rid = hit[0]
    return col, rid, con.execute(f"SELECT {ident(col)} FROM ledger WHERE rid = {int(rid)}").fetchall()[0][0]


def _yuan(fen: int) -> str:
    """An amount kept in fen as the ledger writes it: -500.00."""
    return str(from_fen(fen))


def _missing_text(con: duckdb.DuckDBPyConnection, paths: list[Path], encoding: str | None = None,
                  wanted: frozenset[str] = frozenset()) -> None:
    """Refuse the first ID or code cell (MISSING_TEXT_CHECKED) holding pandas' text for a missing value, by
    file, line and column. One filtered scan a column, on the table: a row group whose values all sort outside
    the words (IDs in digits, codes from P on) is skipped by its min/max (2M rows: 1-2 ms a column, 13 ms for
    codes H… to P…, which are scanned). The same test in canonical_select's pass compared every cell: ~0.3 s
    on two threads for three columns of 10M rows."""
    per_column = " UNION ALL ".join(f"SELECT {q(c)} AS col, min(rid) AS rid FROM ledger WHERE {c} IN "
                                    f"{_in(PANDAS_MISSING)}" for c in MISSING_TEXT_CHECKED)
    hit = _first_hit(con, per_column)
    if hit is None:
        return
    col, rid, value = hit
    path = paths[rid // RID_STEP]
    _raise_row((str(path), sources.line_of(path, rid % RID_STEP, encoding, wanted), _unit(path),
                f"{col}\x1f{missing_as_text(col)}\x1f{value}"))


def _duplicate_id(paths: list[Path], sid: str, lo: int, hi: int, why: str, encoding: str | None,
                  wanted: frozenset[str]) -> AuditInputError:
    """The refusal of setl_id `sid` given twice, at its second row `hi` (rids), and `why` it most likely is."""
    first, second = paths[lo // RID_STEP], paths[hi // RID_STEP]
    return AuditInputError(f"duplicate setl_id {sid!r} (first at {first} {_unit(first)} "
                           f"{sources.line_of(first, lo % RID_STEP, encoding, wanted)}){why}", file=str(second),
                           row=sources.line_of(second, hi % RID_STEP, encoding, wanted), column="setl_id",
                           unit=_unit(second))


def _negated_twin(con: duckdb.DuckDBPyConnection, rid: int, paths: list[Path], encoding: str | None,
                  wanted: frozenset[str]) -> None:
    """Where the first bad row (`rid`) is one of a settlement and its reversal exported under one setl_id without
    init_setl_id (_reversal_under_own_id), raise that: its negative amounts would read as "negative amount in a
    settlement (2207) row", true but no help. The error path only."""
    got = con.execute("SELECT setl_id FROM ledger WHERE rid = ? AND init_setl_id IS NULL AND medfee_sumamt < 0 "
                      "AND setl_id IS NOT NULL", [rid]).fetchall()
    pair = _reversal_under_own_id(con, got[0][0]) if got else None
    if pair is not None and rid in pair[:2]:
        raise _duplicate_id(paths, got[0][0], pair[0], pair[1], pair[2], encoding, wanted)


def _reversal_under_own_id(con: duckdb.DuckDBPyConnection, sid: str) -> tuple[int, int, str] | None:
    """(first rid, second rid, what to add to the message) where the first two rows of a duplicate setl_id are one
    person's settlement and its reversal exported under the settlement's own id (an export that writes a 2208 row
    under the id it reverses): the second's medfee_sumamt is the first's negated
    (not zero) and neither names another settlement in init_setl_id. None otherwise: then it is a duplicate, and
    said so alone. The error path only (one setl_id's rows)."""
    rows = con.execute("SELECT rid, psn_no, init_setl_id, medfee_sumamt FROM ledger WHERE setl_id = ? ORDER BY rid "
                       "LIMIT 2", [sid]).fetchall()
    if len(rows) < 2:
        return None
    (r1, p1, i1, m1), (r2, p2, i2, m2) = rows
    if p1 != p2 or m1 is None or m2 is None or m1 == 0 or m2 != -m1 or any(i not in (None, sid) for i in (i1, i2)):
        return None
    neg, pos = (_yuan(m2), _yuan(m1)) if m2 < 0 else (_yuan(m1), _yuan(m2))
    return r1, r2, (f": its medfee_sumamt is that row's negated ({_yuan(m1)}, {_yuan(m2)}), and neither names "
                    f"another settlement in init_setl_id, so the two are most likely a settlement ({pos}) and its "
                    f"reversal (2208, {neg}) exported under one setl_id; export the reversal's own setl_id, with the "
                    "settlement's in its init_setl_id (docs/audit.md §1), or, where the vendor's export holds them "
                    "in columns of its own, map those with --map (e.g. --map <the reversal's id>=setl_id --map <the "
                    "settlement's id>=init_setl_id)")


def _second_reversal(con: duckdb.DuckDBPyConnection, init: str, rid: int, paths: list[Path], encoding: str | None,
                     wanted: frozenset[str]) -> str:
    """Where the other reversal of `init` is (besides row `rid`), for the message "reversed more than once": with
    monthly files the second one may be in any. The error path only."""
    got = con.execute("SELECT rid FROM ledger WHERE init_setl_id = ? AND rid <> ? ORDER BY rid LIMIT 1",
                      [init, rid]).fetchall()
    if not got:
        return ""
    path = paths[got[0][0] // RID_STEP]
    return f" (again at {path} {_unit(path)} {sources.line_of(path, got[0][0] % RID_STEP, encoding, wanted)})"


def _check_ids(con: duckdb.DuckDBPyConnection, paths: list[Path], encoding: str | None = None,
               wanted: frozenset[str] = frozenset()) -> None:
    # A cheap test first, on 64-bit hashes (grouping integers, not ten million strings: 10M rows 1.2 s less
    # CPU); where the duplicate is, exactly, only when a hash repeats (a collision finds none and goes on).
    # As one count of distinct hashes, not a GROUP BY … HAVING: the same answer (every row has a setl_id here, and
    # hash() is never NULL), about 0.3 s less CPU on 10M rows (s21: median 1.0 against 1.24 CPU s, alternated).
    dup_ids = []
    if con.execute("SELECT 1 FROM ledger HAVING count(DISTINCT hash(setl_id)) < count(*)").fetchall():
        dup_ids = con.execute("""
            SELECT setl_id, min(rid), max(rid) FROM ledger GROUP BY setl_id HAVING count(*) > 1
            ORDER BY min(rid) LIMIT 1""").fetchall()
    if dup_ids:
        sid, lo, hi = dup_ids[0]
        pair = _reversal_under_own_id(con, sid)
        if pair is not None:
            hi = pair[1]  # the row that negates the first (the second of the two)
        raise _duplicate_id(paths, sid, lo, hi, pair[2] if pair else "", encoding, wanted)
    bad = con.execute(f"""
        WITH r AS (SELECT * FROM ledger WHERE init_setl_id IS NOT NULL)
        SELECT r.rid // {RID_STEP}, r.rid % {RID_STEP}, r.init_setl_id,
          CASE WHEN s.setl_id IS NULL THEN 'unknown'
               WHEN s.init_setl_id IS NOT NULL THEN 'reversal'
               WHEN s.psn_no <> r.psn_no THEN 'person'
               -- a reversal without a time on its settlement's date: no time orders the two, the export's does
               WHEN s.setl_date = r.setl_date AND r.setl_time IS NULL AND s.rid > r.rid THEN 'tied'
               WHEN s.setl_time = r.setl_time AND s.rid > r.rid THEN 'same_time'
               -- in the order of A-AUDIT-ORDER: a row without a time comes first on its date (NULLS FIRST), but a
               -- reversal without one right after its settlement on that date (plan.order_time)
               WHEN (s.setl_date, COALESCE(s.setl_time, TIMESTAMP '0001-01-01 00:00:00'), s.rid)
                  > (r.setl_date, COALESCE({order_time("r", "s")}, TIMESTAMP '0001-01-01 00:00:00'), r.rid)
                 THEN 'later'
               WHEN count(*) OVER (PARTITION BY r.init_setl_id) > 1 THEN 'twice'
               -- its amounts are its settlement's negated (docs §1): positive reversal amounts (the other sign
               -- convention) read as a second settlement's worth of overpayment
               WHEN r.medfee_sumamt <> -s.medfee_sumamt THEN 'sign' END AS why,
          s.psn_no, r.medfee_sumamt, s.medfee_sumamt, s.rid, CAST(s.setl_time AS VARCHAR),
          CAST(s.setl_date AS VARCHAR), CAST(r.setl_time AS VARCHAR), CAST(r.setl_date AS VARCHAR)
        FROM r LEFT JOIN ledger s ON s.setl_id = r.init_setl_id
        QUALIFY why IS NOT NULL ORDER BY r.rid LIMIT 1""").fetchall()
    if bad:
        idx, row, init, why, other, rev_total, set_total, s_rid, s_time, s_date, r_time, r_date = bad[0]
        file, unit = str(paths[idx]), _unit(paths[idx])
        s_path = paths[s_rid // RID_STEP] if s_rid is not None else None
        s_at = (f"{s_path} {_unit(s_path)} {sources.line_of(s_path, s_rid % RID_STEP, encoding, wanted)}"
                if why in ("later", "tied") else None)
        msg = {"unknown": f"reversal of unknown setl_id {init!r}: its settlement may be in an earlier export; "
                          "audit that month's file together with this one"
                          if rev_total is None or rev_total <= 0 else
                          # a row with positive amounts is a settlement: its init_setl_id holds something else
                          f"init_setl_id {init!r} names no settlement of the ledger, and the row's amounts are "
                          f"positive (medfee_sumamt {_yuan(rev_total)}): a row with positive amounts is a "
                          "settlement (2207), whose init_setl_id is empty; a reversal (2208) names its settlement "
                          "and carries its amounts negated",
               "reversal": f"reverses {init!r}, which is itself a reversal",
               "person": f"reverses {init!r}, a settlement of another person ({other})",
               "later": f"reverses {init!r}, which comes later in settlement order (settled "
                        f"{s_time or s_date}{'' if s_time else ', no setl_time'}, at {s_at}; this reversal "
                        f"{r_time or str(r_date) + ', no setl_time'}): a reversal comes after the settlement it "
                        "reverses",
               "tied": f"reverses {init!r}, which the export lists after it on the same date; without setl_time "
                       "the export's order decides (A-AUDIT-ORDER): list the settlement first, or export setl_time"
                       if s_time is None else
                       f"reverses {init!r}, settled at {s_time} on the same date ({s_at}), which the export lists "
                       f"after it; its setl_time is empty, so the export's order decides (A-AUDIT-ORDER) and it "
                       "would come before its settlement: list the settlement first, or export the reversal's "
                       "setl_time",
               "twice": f"{init!r} is reversed more than once"
                        + (_second_reversal(con, init, idx * RID_STEP + row, paths, encoding, wanted)
                           if why == "twice" else "")}.get(why)
        if why == "same_time":
            msg = (f"reverses {init!r}, whose setl_time is the same ({s_time}) but which the export lists after it "
                   f"({s_path} {_unit(s_path)} {sources.line_of(s_path, s_rid % RID_STEP, encoding, wanted)}); at equal "
                   "times the export's order decides (A-AUDIT-ORDER): list the settlement first (give its file first)")
        if why == "sign":
            msg = (f"reverses {init!r}, but its medfee_sumamt is not that settlement's negated ({_yuan(set_total)} "
                   f"there, so {_yuan(-set_total)} here, not {_yuan(rev_total)}): a reversal's amounts are its "
                   "settlement's negated (docs/audit.md §1); an export writing reversals with positive amounts "
                   "must negate them")
        raise AuditInputError(msg, file=file, row=sources.line_of(paths[idx], row, encoding, wanted),
                              column="medfee_sumamt" if why == "sign" else "init_setl_id", unit=unit)
