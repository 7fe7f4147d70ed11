"""No page, poster or data file shows a programming word as text.

A Python ``None`` printed by a template, a JavaScript ``undefined`` or
``NaN``, or an object coerced to a string (``[object Object]``) is what a
villager would read on the page. This test builds the demo and the golden
township and reads every output as a reader sees it: the text of HTML pages
(not their scripts or styles) and the attributes that are shown or spoken,
the text of SVG charts, the text of each poster PDF, every cell of the CSV
files and every string inside the JSON and XML files. A JSON ``null`` is a
value, not text: it is not looked at.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

#: the words, standing alone: CJK letters count as word characters to ``\b``,
#: so the boundary is written with ASCII letters only ("两委None" is a hit)
WORDS = re.compile(r"(?<![A-Za-z])(?:None|null|undefined|NaN)(?![A-Za-z])|\[object")

#: attributes a reader sees or hears
SHOWN_ATTRS = {"alt", "title", "aria-label", "placeholder", "value", "content"}
#: <meta content> that is shown (search results, link previews), not machine data
SHOWN_META = {"description", "og:title", "og:description", "twitter:title", "twitter:description"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name not in SHOWN_ATTRS or value is None:
                continue
            if name == "content" and (
                tag != "meta" or (attrs.get("name") or attrs.get("property")) not in SHOWN_META
            ):
                continue
            self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(raw: str) -> list[str]:
    parser = _Text()
    parser.feed(raw)
    parser.close()
    return parser.parts


def json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *json_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in json_strings(v)]
    return []  # numbers, booleans and null are data


def pdf_text(path: Path) -> list[str]:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def visible_texts(path: Path) -> list[str] | None:
    """What a reader sees in one output file; None for files that hold no text to read."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pdf_text(path)
    if suffix not in (".html", ".svg", ".json", ".csv", ".xml", ".txt"):
        return None  # scripts, styles, pictures
    raw = path.read_text("utf-8")
    if suffix == ".html":
        return html_text(raw)
    if suffix == ".json":
        return json_strings(json.loads(raw))
    if suffix == ".csv":
        return [cell for row in csv.reader(io.StringIO(raw.lstrip("\ufeff"))) for cell in row]
    if suffix in (".svg", ".xml"):
        root = ElementTree.fromstring(raw)
        return [t for el in root.iter() for t in (el.text, el.tail, *el.attrib.values()) if t]
    return [raw]


def shown_words(site: Path) -> list[str]:
    hits = []
    kinds = set()
    for path in sorted(site.rglob("*")):
        if not path.is_file() or ".cache" in path.parts:
            continue
        texts = visible_texts(path)
        if texts is None:
            continue
        kinds.add(path.suffix.lower())
        for text in texts:
            for m in WORDS.finditer(text):
                around = text[max(0, m.start() - 15) : m.end() + 15].replace("\n", " ")
                hits.append(f"{path.relative_to(site)}: …{around}…")
    # the walk must have read every kind of output, or it proves nothing
    assert {".html", ".json", ".csv", ".xml", ".pdf"} <= kinds, kinds
    return hits


def test_detector_sees_what_a_reader_sees():
    page = (
        '<html><head><meta name="description" content="东山村"><script>if (x === undefined) {}</script>'
        '<style>.a{}</style></head><body><p>村“两委”None</p><img alt="[object Object]"></body></html>'
    )
    found = [m.group() for t in html_text(page) for m in WORDS.finditer(t)]
    assert found == ["None", "[object"]
    assert json_strings({"a": None, "b": ["NaN", 1, True]}) == ["a", "b", "NaN"]
    assert not WORDS.search("Nonetheless nullable") and WORDS.search("织null。")


@pytest.mark.parametrize("which", ["demo_site", "golden_site"])
def test_no_programming_words_shown(which, request):
    site = request.getfixturevalue(which)
    assert shown_words(site) == []
