"""Explanations for every computed figure, in Chinese, with the clause used.

Steps are stored as (label, template, args, clause) and only formatted when
read, so the engine pays for explanation text only when someone asks for it.
"""
from __future__ import annotations

from decimal import Decimal

from .money import fmt, pct


CITE_SEP = "；"


def join_cites(*parts: str | None) -> str:
    """Citations joined with “；”, each once, in their first order: a route's article and a parameter's own,
    or a ratio and its bonus, are often one article, and a part may itself be joined (“南昌 四（二）1；A-NC-UNRATED”
    and the bonus's “南昌 四（二）1” cite the article once)."""
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


class Trace:
    __slots__ = ("_steps", "_rounded")
    keeps = True  # False for NoTrace: hot paths skip building a step's arguments nobody will read

    def __init__(self) -> None:
        self._steps: list[tuple] = []  # (label, template, args, clause, value): conform.audit.settle_ref reads this shape
        self._rounded: dict[int, bool] = {}  # a rounding step's index in _steps → whether rounding changed its figure

    def add(self, label: str, template: str, args: tuple, clause: str, value: object = None,
            rounded: bool | None = None) -> None:
        """One step. `rounded`, on a step that rounds its figure to the fen: whether rounding changed it (a part
        below the fen was rounded off), so that a reader knows it without reading the wording of `detail`."""
        if rounded is not None:
            self._rounded[len(self._steps)] = rounded
        self._steps.append((label, template, args, clause, value))

    def extend(self, other: "Trace") -> None:
        at = len(self._steps)
        self._rounded.update((at + i, r) for i, r in other._rounded.items())
        self._steps.extend(other._steps)

    def __len__(self) -> int:
        return len(self._steps)

    def render(self) -> list[dict]:
        """The steps as dicts: 步骤 label, detail with the figures, clause, value, and on a step that rounds
        to the fen `rounded` (true or false); a step that does not round has no `rounded`."""
        out = []
        for i, (label, template, args, clause, value) in enumerate(self._steps):
            step = {
                "step": label,
                "detail": template.format(*(_show(a) for a in args)),
                "clause": clause,
                **({"value": _show(value)} if value is not None else {}),
            }
            rounded = self._rounded.get(i)
            if rounded is not None:
                step["rounded"] = rounded
            out.append(step)
        return out

    def text(self) -> str:
        return "\n".join(f"{s['step']}：{s['detail']}（{s['clause']}）" for s in self.render())


class NoTrace(Trace):
    """A trace that keeps nothing: for output that will never show one (`conform settle` without --trace)."""

    __slots__ = ()
    keeps = False

    def add(self, label: str, template: str, args: tuple, clause: str, value: object = None,
            rounded: bool | None = None) -> None:
        return None

    def extend(self, other: "Trace") -> None:
        return None


NO_TRACE = NoTrace()  # stateless: one instance serves every settlement that keeps no trace
