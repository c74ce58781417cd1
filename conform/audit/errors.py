"""Bad audit input, located: which file, which line or row, which column (exit 2)."""
from __future__ import annotations

from conform.display import one_line


class AuditInputError(ValueError):
    """A ledger, mapping or persons file the audit cannot use; the message names where."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, unit: str = "line"):
        where = []
        if file is not None:  # escaped as the notes are: a name holding U+202E or a line break forges what is said
            where.append(one_line(str(file)))
        if row is not None:
            where.append(f"{unit} {row}")
        if column is not None:
            where.append(f"column {column}")
        self.file, self.row, self.column, self.detail, self.unit = file, row, column, message, unit
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
