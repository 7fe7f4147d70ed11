"""Spreadsheet import (``cunwu import``): what cadres really have, in; YAML out.

The stages follow the house road, inside one command:

``read`` (bytes → sheets of cells, any format) → ``columns`` (find the table:
header row, column synonyms, the township's mapping file) → ``cells`` (money,
dates, text, ID numbers, each normalised or refused at its cell) →
``roster`` / ``ledger`` (rows → the dict the models accept) → ``keys`` and
``linkage`` (stable row keys; the keyed hash of ID numbers, kept in a
git-ignored sidecar) → ``write`` (YAML that reads back exactly) → validate.

``scan`` reads the cells of any spreadsheet for personal numbers: the
validator, the pre-commit hook and the build's output scan call it.

A full ID number from a sheet lives only in memory, inside this package:
it is masked (and hashed, with a secret) before anything is written or
reported. See docs/import.md.
"""
