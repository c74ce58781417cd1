"""What an audit report folder holds: written by conform/audit/report, and left out by the ledger reader's folder
walk (conform/audit/sources), which must not import the report writer (data flows from reading to reporting)."""
from __future__ import annotations

FILES = ("summary.json", "discrepancies.parquet", "discrepancies.csv", "audit.xlsx", "audit.html")
# The hidden folder a report is built in when it is built inside --out (.conform-audit.<pid>.tmp).
INSIDE_PREFIX = ".conform-audit."
