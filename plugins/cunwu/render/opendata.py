"""Open data: every disclosure as JSON and CSV, plus a Frictionless Data Package.

An auditor loads a village into pandas (``pd.read_csv``) or a spreadsheet.
CSV files are UTF-8 *with a BOM* so Excel opens the Chinese without garbling;
``datapackage.json`` (https://specs.frictionlessdata.io/data-package/)
describes every CSV's columns and types.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator

from ..kinds import Column
from ..load.document import Doc
from .common import Output
from .site import VillageSite

BOM = "\ufeff"

#: a cell starting with one of these is a formula to Excel and WPS (OWASP "CSV injection")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: str) -> str:
    """A text cell a spreadsheet shows as text, never runs: a leading apostrophe
    before ``=``, ``+``, ``-``, ``@``, tab or CR. Numbers and dates are not text
    cells and keep their sign; data.json keeps every value exactly as written."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(columns: tuple[Column, ...], rows: list[dict[str, str]]) -> bytes:
    """The CSV of one document: a header of column names, then its rows."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c.name for c in columns])
    w.writerows(
        [[inert_cell(row[c.name]) if c.type == "string" else row[c.name] for c in columns] for row in rows]
    )
    return (BOM + buf.getvalue()).encode("utf-8")


def to_json(doc: Doc, meta: dict) -> bytes:
    """``{"body_markdown": ..., "data": ..., "meta": ...}``, keys sorted, compact.

    ``data`` is the document's canonical JSON, already made for its content
    hash: written as is, not dumped a second time."""
    head = "{"
    if doc.body is not None:
        head += '"body_markdown":' + json.dumps(doc.body.strip(), ensure_ascii=False) + ","
    tail = ',"meta":' + json.dumps(meta, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "}\n"
    return (head + '"data":' + doc.canonical + tail).encode("utf-8")


def resource_name(doc: Doc) -> str:
    return f"{doc.kind}-{doc.key}".lower()


def datapackage(
    village_id: str, title: str, docs: list[tuple[Doc, str]], homepage: str, created: dt.date | None
) -> bytes:
    """``docs`` are (doc, its title) pairs; ``created`` the newest change among them.

    The spec wants ``created`` as an RFC 3339 date-time: a bare date fails
    ``frictionless validate`` ("created is not valid datetime")."""
    resources = []
    for d, doc_title in docs:
        resources.append(
            {
                "name": resource_name(d),
                "path": f"{d.url_path}data.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "title": doc_title,
                "schema": {
                    "fields": [{"name": c.name, "type": c.type, "title": c.title} for c in d.spec.columns]
                },
            }
        )
    pkg = {
        "profile": "tabular-data-package",
        "name": f"cunwu-{village_id}",
        "title": title,
        "homepage": homepage,
        **({"created": f"{created.isoformat()}T00:00:00Z"} if created else {}),
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
            }
        ],
        "resources": resources,
    }
    return (json.dumps(pkg, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def outputs(site: VillageSite) -> Iterator[Output]:
    """data.json and data.csv of every document shown, and the village's data package."""
    docs = site.online()
    for d in docs:
        yield Output(d.url_path + "data.json", body=to_json(d, site.meta(d)), sources=(d.rel,))
        rows = site.pages_of(d).open_rows(d)
        yield Output(d.url_path + "data.csv", body=to_csv(d.spec.columns, rows), sources=(d.rel,))
    latest = max((d.model.last_changed for d in docs if d.model.last_changed), default=None)
    yield Output(
        "datapackage.json",
        body=datapackage(
            site.b.id,
            f"{site.v.name}村务公开数据",
            [(d, site.title(d)) for d in docs],
            site.base,
            latest,
        ),
    )
