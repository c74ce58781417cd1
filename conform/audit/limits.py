"""The audit's DuckDB memory limits where neither --memory-limit nor CONFORM_AUDIT_MEMORY gives one.

In a module of their own because the command's --help and its out-of-memory message name them, and the command
imports neither run nor the report for a quick --help."""

# The audit's own connection: reading, the plan, the reference engine's hand-over (run._connect).
DEFAULT_MEMORY = "3GB"
# A report connection's (rollups.connect); the audit's own connection stays open beside it, for the worked examples.
REPORT_MEMORY = "2GB"
