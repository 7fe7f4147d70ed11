"""Spreadsheets read exactly: .xlsx, .xls, .ods and .csv, each cell as stored and as shown.

``cunwu import`` reads what cadres have with these readers; validation, the
pre-commit hook and the build's output scan read spreadsheet cells with
them too, so a sheet full of ID numbers cannot be committed or published.
"""
