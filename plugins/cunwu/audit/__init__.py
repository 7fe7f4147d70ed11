"""``cunwu audit``: cross-checks over the whole township and outside registers (docs/audit.md)."""
