"""Markdown -> HTML that is inert: sanitised to a small allow-list with nh3.

Notices are written by people who are not programmers, and some may want to
hide something; raw HTML in Markdown must never reach a villager's browser
as markup. nh3 (Ammonia) removes every tag and attribute not listed here,
drops ``javascript:``/``data:`` URLs and adds rel="noopener" to links.
"""

from __future__ import annotations

import posixpath
import re

import markdown as md
import nh3

TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "del",
    "blockquote",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
    "sup",
    "sub",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


_CONVERTER: md.Markdown | None = None


def _converter() -> md.Markdown:
    """One Markdown instance per process (building one costs more than a notice), reset per use."""
    global _CONVERTER
    if _CONVERTER is None:
        _CONVERTER = md.Markdown(extensions=["tables", "sane_lists", "nl2br"], output_format="html")
    return _CONVERTER.reset()


def render_markdown(text: str, *, root: str = "", files: set[str] | None = None) -> str:
    """Render a notice body. Relative links are resolved against the village
    root (``root`` is the relative path from the page to it); ``files`` are the
    village files the build publishes, other relative links are dropped."""

    def fix(tag: str, attr: str, value: str) -> str | None:
        if attr not in ("href", "src"):
            return value
        if value.startswith("#"):
            return value
        if _SCHEME.match(value):
            # scheme already checked by nh3's url_schemes; an image only ever
            # comes from the village folder (the CSP blocks others, posters never go online)
            return None if tag == "img" else value
        if value.startswith(("/", "\\")):
            return None
        path = posixpath.normpath(value.split("#")[0].split("?")[0])
        if path.startswith("..") or (files is not None and path not in files):
            return None
        return root + path

    # headings start at h2: the page title is the h1
    html = _converter().convert(text)
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    return link_phones(
        nh3.clean(
            html,
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
            attribute_filter=fix,
            strip_comments=True,
        )
    )


#: a phone number in running text: a landline with its area code and a separator
#: (0123-66882103, 0123 66882103, (0123)66882103, （0123）66882103), an 11-digit
#: mobile (138 0013 8000), a 400/800 service number; never inside a longer run
#: of digits (a 12-digit village code, an amount)
_PHONE = re.compile(
    r"(?<![\d.])(?:"
    r"[(（]0\d{2,3}[)）]\s?\d{7,8}"
    r"|0\d{2,3}[-‐‑–\s]\d{7,8}"
    r"|(?:\+86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}"
    r"|[48]00-?\d{3}-?\d{4}"
    r")(?![\d.])"
)
#: a tag, or the text between two tags, of HTML that nh3 wrote
_TOKEN = re.compile(r"(<[^>]*>)")
#: no links are made inside these
_NO_LINKS = {"a", "code", "pre"}


def link_phones(html: str) -> str:
    """Phone numbers in the text of sanitised HTML as ``tel:`` links (a phone
    dials them with a tap, and the theme keeps a link on one line, so a number
    never breaks at its hyphen). Not inside links, code or preformatted text."""
    out = []
    inside = 0
    for part in _TOKEN.split(html):
        if part.startswith("<"):
            m = re.match(r"<(/?)([a-zA-Z0-9]+)", part)
            if m and m.group(2).lower() in _NO_LINKS:
                inside += -1 if m.group(1) else 1
            out.append(part)
        elif inside > 0 or not part:
            out.append(part)
        else:
            out.append(_PHONE.sub(_tel, part))
    return "".join(out)


def _tel(m: re.Match) -> str:
    number = m.group(0)
    digits = ("+" if number.startswith("+") else "") + re.sub(r"\D", "", number)
    return f'<a href="tel:{digits}">{number}</a>'


# a Markdown link or image, an HTML src/href, a reference definition ([ref]: path)
_REF = re.compile(
    r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)"
    r"|\b(?:src|href)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))"
    r"|^[ ]{0,3}\[[^\]]+\]:[ \t]*<?([^\s>]+)",
    re.I | re.M,
)


def local_refs(text: str) -> list[str]:
    """Relative file references in a Markdown body (images, links), normalised."""
    out = []
    for m in _REF.finditer(text):
        ref = next(g for g in m.groups() if g is not None)
        if not ref.startswith("#") and not _SCHEME.match(ref) and not ref.startswith("/"):
            out.append(posixpath.normpath(ref.split("#")[0].split("?")[0]))
    return out


def clean_html(html: str) -> str:
    """Sanitise HTML already rendered elsewhere (Pelican's township pages)."""
    from markupsafe import Markup

    return Markup(
        nh3.clean(
            str(html),
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        )
    )


_STRIP = [
    (re.compile(r"<[^>]*>"), " "),  # raw HTML
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images -> alt text
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links -> text
    (re.compile(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+", re.M), ""),  # block markers
    (re.compile(r"[*_`|~]+"), ""),  # emphasis, code, table pipes
    (re.compile(r"^\s*:?-{3,}:?\s*$", re.M), " "),  # rules, table separators
    (re.compile(r"\s+"), " "),
]


def summary_text(text: str, limit: int = 200) -> str:
    """A short plain-text summary of a Markdown body, for feeds. Not a
    sanitiser: the feed writer escapes it as text."""
    for rx, repl in _STRIP:
        text = rx.sub(repl, text)
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
