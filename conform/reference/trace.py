"""Explanations for every computed figure, in Chinese, with the clause used.

Steps are stored as (label, template, args, clause) and only formatted when
read, so the engine pays for explanation text only when someone asks for it.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from .money import FEN, fmt, pct


CITE_SEP = "；"


def step_line(step: dict) -> str:
    """One step of a working as a line: "起付线：…（攀枝花 第七条）"; a step citing nothing (a figure shown for
    comparison only, as the document's own figures outside its validity are) without the empty "（）"."""
    clause = step.get("clause") or ""
    return f"{step.get('step', '')}：{step.get('detail', '')}" + (f"（{clause}）" if clause else "")


@lru_cache(maxsize=4096)
def join_cites(*parts: str | None) -> str:
    """Citations joined with “；”, each once, in their first order: a route's article and a parameter's own,
    or a ratio and its bonus, are often one article, and a part may itself be joined (“南昌 四（二）1；A-NC-UNRATED”
    and the bonus's “南昌 四（二）1” cite the article once). Cached: a run joins the same few clauses for every
    settlement (the audit's reference stage, 160 000 rows: 850 000 calls)."""
    return CITE_SEP.join(dict.fromkeys(c for p in parts if p for c in p.split(CITE_SEP) if c))


class Pct:
    """Marks a ratio argument so the trace shows it as the texts do (50%)."""

    __slots__ = ("d",)

    def __init__(self, d: Decimal):
        self.d = d


def _show(v: object) -> str:
    if isinstance(v, Pct):
        return pct(v.d)
    if isinstance(v, Decimal):
        return fmt(v)
    return str(v)


def plain(d: Decimal) -> str:
    """An unrounded figure as it is, in plain notation with no trailing zeros (56.4998, 56.5, 57): what a
    rounding step records as `rounded_from`, never held to the fen (56.4998 would read 56.50)."""
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "0") else text


class Trace:
    __slots__ = ("_steps", "_roundings", "_deciding")
    keeps = True  # False for NoTrace: hot paths skip building a step's arguments nobody will read

    def __init__(self) -> None:
        self._steps: list[tuple] = []  # (label, template, args, clause, value): conform.audit.settle_ref reads this shape
        # a rounding step's index in _steps → (whether rounding changed its figure, the unit it rounds to, the
        # unrounded figure its own figure is the rounding of, or None where the step does not say)
        self._roundings: dict[int, tuple[bool, Decimal, Decimal | None]] = {}
        # the steps that decide which standard pays the settlement and show no figure of their own (`decides`)
        self._deciding: set[int] = set()

    def add(self, label: str, template: str, args: tuple, clause: str, value: object = None,
            rounded: bool | None = None, unit: Decimal = FEN, rounded_from: Decimal | None = None,
            decides: bool = False) -> None:
        """One step. `decides`: the step decides which standard pays the settlement (a visit outside the city
        by the local one, A-REMOTE-SAME; a chronic prescription at a pharmacy by the chronic one) and shows no
        figure, so every figure after it rests on what it cites, though no figure's own step cites it: a
        reader blaming a figure names its readings too (harness report.causes._deciding_readings). `rounded`, on a step that rounds its figure: whether rounding changed it (a part below the
        unit was rounded off), so that a reader knows it without reading the wording of `detail`. `unit`: what it
        rounds to (the fen unless the text says otherwise: 攀枝花 第四条（二）以“元”为单位). `rounded_from`: the
        exact figure whose rounding the step's figure is (2825.00 × 2% = 56.5 → 57), so that a reader can tell
        whether another figure is a rounding of it without finding, by name, the step that computed it."""
        if rounded is not None:
            self._roundings[len(self._steps)] = (rounded, unit, rounded_from)
        if decides:
            self._deciding.add(len(self._steps))
        self._steps.append((label, template, args, clause, value))

    def extend(self, other: "Trace") -> None:
        at = len(self._steps)
        self._roundings.update((at + i, r) for i, r in other._roundings.items())
        self._deciding.update(at + i for i in other._deciding)
        self._steps.extend(other._steps)

    def cite_figures(self, reading: str) -> None:
        """Add `reading` to the clause of every step showing a figure other than 0: a reading that decides the figures of
        a whole working found after its steps are written (北京's reform month, account.credit_month)."""
        self._steps = [(label, template, args, join_cites(clause, reading), value)
                       if value is not None and value != 0 else (label, template, args, clause, value)
                       for label, template, args, clause, value in self._steps]

    def __len__(self) -> int:
        return len(self._steps)

    def render(self) -> list[dict]:
        """The steps as dicts: 步骤 label, detail with the figures, clause, value, and on a step that rounds
        its figure `rounded` (true or false), `rounding_unit` ("0.01" the fen, "1" the yuan) and, where the step
        gives it, `rounded_from` (the exact figure it rounded, "56.4998"); a step that does not round has none of
        them. Traces written before `rounding_unit` existed round to the fen and name no source. A step deciding
        which standard pays (`add`'s `decides`) has `decides` true."""
        out = []
        for i, (label, template, args, clause, value) in enumerate(self._steps):
            step = {
                "step": label,
                "detail": template.format(*(_show(a) for a in args)),
                "clause": clause,
                **({"value": _show(value)} if value is not None else {}),
            }
            rounding = self._roundings.get(i)
            if rounding is not None:
                rounded, unit, source = rounding
                step["rounded"] = rounded
                step["rounding_unit"] = plain(unit)
                if source is not None:
                    step["rounded_from"] = plain(source)
            if i in self._deciding:
                step["decides"] = True
            out.append(step)
        return out

    def text(self) -> str:
        return "\n".join(step_line(s) for s in self.render())


class NoTrace(Trace):
    """A trace that keeps nothing: for output that will never show one (`conform settle` without --trace)."""

    __slots__ = ()
    keeps = False

    def add(self, label: str, template: str, args: tuple, clause: str, value: object = None,
            rounded: bool | None = None, unit: Decimal = FEN, rounded_from: Decimal | None = None,
            decides: bool = False) -> None:
        return None

    def extend(self, other: "Trace") -> None:
        return None


NO_TRACE = NoTrace()  # stateless: one instance serves every settlement that keeps no trace
