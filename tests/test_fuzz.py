"""Fuzzing the loader and the validator: a report, never a crash, never a hang.

Whatever a cadre (or someone hiding something) saves as a source file, the
only outcomes allowed are a clean report or a report of problems: no
exception escapes, every problem has a registered code, a file and a line, and
every input is done within the deadline. Three kinds of input, each written
over one file of a private copy of the golden project:

(a) random text and random bytes;
(b) mutations of the valid golden files: lines deleted, duplicated, swapped,
    re-indented, characters and tabs inserted, a digit of an amount flipped,
    anchors and aliases added, the file cut short, a scalar replaced by a list
    or a mapping;
(c) random structured data dumped to YAML, with the models' own key names.

A mutant that still validates is built too (no posters): the build may refuse
it with a report, but must not crash. Inputs that once got through are kept
in FOUND and tried on every run.

Bounded by the hypothesis profile of tests/conftest.py: "ci" (60 examples per
strategy) in the normal suite, "long" with ``CUNWU_FUZZ=long`` (``make fuzz``).
The examples run are written to tests/_artifacts/fuzz-summary.txt.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import signal
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from cunwu.commands.validate import validate
from cunwu.errors import CunwuError
from cunwu.load.frontmatter import parse_markdown
from cunwu.load.yamlsafe import decode_text, parse_yaml
from cunwu.problems import CODES, Problem

from conftest import ARTIFACTS, FUZZ_PROFILE, FUZZ_SETTINGS, GOLDEN_PROJECT, build_site, copy_project

#: the file each example overwrites, per kind of source
FILES = {
    "finance": "villages/alpha/finance/2026-10.yaml",
    "roster": "villages/alpha/subsidies/2026-10-dibao.yaml",
    "notice": "villages/alpha/notices/tender.md",
    "village": "villages/alpha/village.yaml",
    "config": "cunwu.yaml",
    "power": "powers/major-decision.yaml",
    "catalog": "powers/catalog.yaml",
}
KINDS = sorted(FILES)
GOLDEN = {kind: (GOLDEN_PROJECT / rel).read_bytes() for kind, rel in FILES.items()}

#: seconds after which an example counts as a hang, whatever the deadline
HANG = 20


def model_keys() -> list[str]:
    """Every field name of the source models, so random mappings get past
    "unknown field" now and then and reach the rules."""
    import typing

    from pydantic import BaseModel

    from cunwu.kinds import KINDS

    keys, seen, todo = {"<<"}, set(), [k.model for k in KINDS.values()]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, f in model.model_fields.items():
            keys.add(name)
            types = [f.annotation]
            while types:
                t = types.pop()
                if isinstance(t, type) and issubclass(t, BaseModel):
                    todo.append(t)
                types += typing.get_args(t)
    return sorted(keys)


KEYS = model_keys()

#: per strategy and kind of file: [examples, clean reports, sites built, seconds]
RAN: dict[tuple[str, str], list] = {}


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    if not RAN:
        return
    strategies: dict[str, list] = {}
    for (strategy, _kind), counts in RAN.items():
        total = strategies.setdefault(strategy, [0, 0, 0, 0.0])
        for i, c in enumerate(counts):
            total[i] += c
    line = (
        f"fuzz profile={FUZZ_PROFILE} (max_examples={FUZZ_SETTINGS.max_examples} per strategy and file): "
        + ", ".join(
            f"{name} {n} examples ({clean} clean, {built} built, {secs:.1f} s)"
            for name, (n, clean, built, secs) in sorted(strategies.items())
        )
    )
    details = "\n".join(
        f"  {strategy}[{kind}]: {n} examples, {clean} clean, {built} built, {secs:.1f} s"
        for (strategy, kind), (n, clean, built, secs) in sorted(RAN.items())
    )
    total = sum(n for n, *_ in strategies.values())
    print(f"\n{line}\ntotal {total} examples")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fuzz-summary.txt").write_text(
        f"{dt.datetime.now().isoformat(timespec='seconds')} {line}\ntotal {total} examples\n{details}\n",
        "utf-8",
    )


class Hang(Exception):
    pass


@contextlib.contextmanager
def hang_guard(what: str):
    """Fail an example that takes longer than HANG seconds (a hang, not slowness)."""

    def alarm(signum, frame):
        raise Hang(f"{what}: no answer after {HANG} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, HANG)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class Fuzz:
    """One private copy of the golden project per test; one file overwritten per example."""

    def __init__(self, root: Path, strategy: str, kind: str):
        self.root = root
        self.kind = kind
        self.counts = RAN.setdefault((strategy, kind), [0, 0, 0, 0.0])
        validate(root, history=False)  # warm up: the first run imports and compiles

    def check(self, raw: bytes, build: bool = False) -> list[Problem]:
        """Write ``raw`` over the file, load it and validate the project."""
        t0 = time.monotonic()
        kind = self.kind
        rel = FILES[kind]
        path = self.root / rel
        path.write_bytes(raw)
        try:
            with hang_guard(f"{kind} {raw[:80]!r}"):
                problems = self.load(kind, rel, raw)
                report = validate(self.root, history=False)
                for p in problems + report.problems:
                    well_formed(p, self.root)
                self.counts[1] += report.ok()
                if build and report.ok():
                    self.build()
            return report.problems
        finally:
            path.write_bytes(GOLDEN[kind])
            self.counts[0] += 1
            self.counts[3] += time.monotonic() - t0

    def load(self, kind: str, rel: str, raw: bytes) -> list[Problem]:
        text, problems = decode_text(rel, raw)
        if text is None:
            assert problems
            return problems
        if kind == "notice":
            doc, more = parse_markdown(rel, text)
            assert doc is not None or any(p.severity == "error" for p in more)
        else:
            located, more = parse_yaml(rel, text)
            assert located is not None or any(p.severity == "error" for p in more)
            if located is not None:
                assert isinstance(located.data, dict)
                for line in located.lines.values():
                    assert isinstance(line, int) and line >= 1
        return problems + more

    def build(self) -> None:
        out = self.root.parent / f"out-{self.counts[2]}"
        self.counts[2] += 1
        try:
            build_site(self.root, out, posters=False)
        except CunwuError:
            pass  # refused with a report: failing safe
        finally:
            shutil.rmtree(out, ignore_errors=True)


#: what Python prints for its own values and types
PYTHON_WORDS = re.compile(
    r"(?<![A-Za-z])(None|True|False|NoneType|dict|list|str|int|float|Decimal)(?![A-Za-z])"
)


def well_formed(p: Problem, root: Path) -> None:
    assert p.code in CODES, p
    assert p.severity in ("error", "warning"), p
    assert (
        isinstance(p.file, str) and p.file and not p.file.startswith("/") and ".." not in p.file.split("/")
    ), p
    assert type(p.line) is int and p.line >= 0, p
    assert isinstance(p.message, str) and p.message, p
    assert isinstance(p.loc, str), p
    # no Python words in a cadre's message, unless quoting what the file itself says
    words = set(PYTHON_WORDS.findall(p.message))
    if words and (root / p.file).is_file():
        source = (root / p.file).read_text("utf-8", "replace")
        assert all(re.search(rf"(?<![A-Za-z]){w}(?![A-Za-z])", source) for w in words), p
    if (root / p.file).is_file():
        lines = (root / p.file).read_bytes().count(b"\n") + 1
        assert p.line <= lines + 1, f"{p.format()}: the file has {lines} lines"


def fuzz(tmp_path_factory, strategy: str, kind: str) -> Fuzz:
    root = copy_project(GOLDEN_PROJECT, tmp_path_factory.mktemp("fuzz") / "project")
    return Fuzz(root, strategy, kind)


each_kind = pytest.mark.parametrize("kind", KINDS)


def with_front_matter(kind: str, text: str, body: str = "") -> str:
    return f"---\n{text}\n---\n{body}" if kind == "notice" else text


# ---------------------------------------------------------------- found by fuzzing

#: inputs that once validated clean and then crashed the build: (kind, old, new)
FOUND = [
    # a year before 1000: "26-09" printed back could not be read again (timeliness)
    ("village", "since: 2026-09", "since: 0026-09"),
    # ... and "1-01" broke the month archive
    ("notice", "date: 2026-10-15", "date: 0001-10-15"),
    # a stray bracket in a host: urlsplit raised "Invalid IPv6 URL" adding the query
    ("config", "url: https://jubao.example.org/report", "url: https://jub[ao.example.org/report"),
    ("village", "since: 2026-09", "since: 2026-09\ncomplaint: {url: 'https://[::1/'}"),
    ("config", "base_url: https://cunwu.example.org/testzhen/", "base_url: https://cunwu.exa]mple.org/x/"),
    # a NUL written as a YAML escape: the Atom feed writer raised on it
    ("finance", "reason: 第 0013 号凭证金额录入错误，由 205.00 更正为 250.00", r'reason: "\0第 0013 号凭证"'),
]


@pytest.mark.parametrize("kind,old,new", FOUND)
def test_found_by_fuzzing(tmp_path_factory, kind, old, new):
    f = fuzz(tmp_path_factory, "found", kind)
    text = GOLDEN[kind].decode("utf-8")
    assert old in text
    problems = f.check(text.replace(old, new).encode("utf-8"), build=True)
    assert any(p.severity == "error" and p.file == FILES[kind] for p in problems), problems


# ---------------------------------------------------------------- (a) random text and bytes


#: inputs worth trying every time, per kind of file
SEEDS = {
    "finance": ["a: &a [" + "*a, " * 50 + "]", "period: 2026-10\nperiod: 2026-11"],
    "village": ["[" * 5000 + "]" * 5000, "{" * 100],
    "notice": ["---\nx: &x [*x]\n---\n", "---\n---\n", "---\ntitle: !!python/name:os.system\n---\n"],
    "config": ["\ufeff", "township: !!binary aGk="],
    "roster": ["recipients: &r [&s {key: *r}]", "- a\n- b"],
    "power": ["flow: [" + "{id: a, next: a}, " * 200 + "]"],
    "catalog": ["groups: 1e999", "? [a]\n: b"],
}


@each_kind
def test_random_text(tmp_path_factory, kind):
    f = fuzz(tmp_path_factory, "a-random-text", kind)

    @FUZZ_SETTINGS
    @given(text=st.text(max_size=400) | st.sampled_from(SEEDS[kind]), wrap=st.booleans())
    def run(text, wrap):
        # wrapped in a front matter, a notice's random text reaches the YAML parser
        f.check((with_front_matter(kind, text, text) if wrap else text).encode("utf-8"))

    run()


@each_kind
def test_random_bytes(tmp_path_factory, kind):
    f = fuzz(tmp_path_factory, "a-random-bytes", kind)
    half = GOLDEN[kind][: len(GOLDEN[kind]) // 2]

    @FUZZ_SETTINGS
    @given(raw=st.binary(max_size=400), golden_head=st.booleans())
    @example(raw=b"\xef\xbb\xbf\xef\xbb\xbf", golden_head=False)
    @example(raw="---\ntitle: 测试\n---\n正文".encode("gbk"), golden_head=False)
    def run(raw, golden_head):
        # after half the golden file, random bytes reach the parser past the first lines
        f.check(half + raw if golden_head else raw)

    run()


# ---------------------------------------------------------------- (b) mutations of the golden files

OPS = [
    "delete",
    "duplicate",
    "swap",
    "insert-chars",
    "indent",
    "dedent",
    "flip-digit",
    "anchor",
    "alias",
    "tab",
    "truncate",
    "to-list",
    "to-mapping",
]
SPECIAL = list(":-?[]{},&*!|>'\"%@`#\t \n") + ["\u3000", "：", "，", "0", "9", "~", "null", "<<: *a"]


def mutate(text: str, ops: list[tuple[str, int, int, str]]) -> str:
    for op, a, b, s in ops:
        lines = text.split("\n")
        i, j = a % len(lines), b % len(lines)
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert-chars":
            k = b % (len(lines[i]) + 1)
            lines[i] = lines[i][:k] + s + lines[i][k:]
        elif op == "indent":
            lines[i] = " " * (1 + b % 4) + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][1 + b % 4 :] if lines[i][:1] == " " else lines[i].lstrip()
        elif op == "flip-digit":
            digits = [k for k, c in enumerate(text) if c in "0123456789"]
            if digits:
                k = digits[a % len(digits)]
                text = text[:k] + str((int(text[k]) + 1 + b % 9) % 10) + text[k + 1 :]
            continue
        elif op in ("anchor", "alias"):
            k = lines[i].find(": ")
            mark = ("&" if op == "anchor" else "*") + (s.strip() or "a")[:3]
            lines[i] = lines[i][: k + 2] + mark + " " + lines[i][k + 2 :] if k >= 0 else lines[i] + " " + mark
        elif op == "tab":
            k = b % (len(lines[i]) + 1)
            lines[i] = lines[i][:k] + "\t" + lines[i][k:]
        elif op == "truncate":
            text = text[: a % (len(text) + 1)]
            continue
        elif op in ("to-list", "to-mapping"):
            k = lines[i].find(": ")
            if k >= 0:
                value = "[x, 1, [2]]" if op == "to-list" else "{a: 1, b: {c: [d]}}"
                lines[i] = lines[i][: k + 2] + value
        text = "\n".join(lines)
    return text


mutation = st.tuples(
    st.sampled_from(OPS),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.lists(st.sampled_from(SPECIAL) | st.characters(codec="utf-8"), max_size=4).map("".join),
)


@each_kind
def test_mutated_golden_text(tmp_path_factory, kind):
    f = fuzz(tmp_path_factory, "b-mutated-text", kind)
    golden = GOLDEN[kind].decode("utf-8")

    @FUZZ_SETTINGS
    @given(ops=st.lists(mutation, min_size=1, max_size=5))
    @example(ops=[("flip-digit", 7, 0, "")])
    @example(ops=[("anchor", 7, 0, "a"), ("alias", 8, 0, "a")])
    @example(ops=[("truncate", 40, 0, "")])
    def run(ops):
        f.check(mutate(golden, ops).encode("utf-8"), build=True)

    run()


def paths(data, here=()) -> list[tuple]:
    """Every path to a value inside loaded YAML data."""
    out = [here] if here else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += paths(v, here + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += paths(v, here + (i,))
    return out


DELETE = object()


def edit_at(data, path: tuple, fn):
    """``data`` with the value at ``path`` replaced by ``fn(value)`` (or removed:
    DELETE; or doubled in its list: a tuple ``(DUPLICATE, value)``)."""
    if not path:
        return fn(data)
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            new = edit_at(v, rest, fn) if k == head else v
            if new is not DELETE:
                out[k] = new
        return out
    out = []
    for i, v in enumerate(data):
        new = edit_at(v, rest, fn) if i == head else v
        if isinstance(new, tuple) and new[:1] == (DUPLICATE,):
            out += [new[1], new[1]]
        elif new is not DELETE:
            out.append(new)
    return out


DUPLICATE = "duplicate"


def value_at(data, path: tuple):
    for part in path:
        data = data[part]
    return data


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=False, places=3).map(str)
    | st.dates().map(str)
    | st.text(max_size=30)
    | st.sampled_from(["", "0012", "1,000.00", "¥12", "1e3", "2026-13-01", "2026-Q5", "yes", "~", "<<"])
)


def nest(children):
    """Lists and mappings (keyed by the models' own field names, or anything) of ``children``."""
    return st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=5
    )


trees = st.recursive(scalars, nest, max_leaves=25)


def golden_data(kind: str) -> tuple[dict, str]:
    """The golden file's data as our loader reads it (every scalar the exact text), and a
    notice's body."""
    text = GOLDEN[kind].decode("utf-8")
    if kind == "notice":
        doc, _ = parse_markdown(FILES[kind], text)
        return doc.meta.data, doc.body
    return parse_yaml(FILES[kind], text)[0].data, ""


def dump(kind: str, data, body: str = "") -> bytes:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None)
    return with_front_matter(kind, text, body).encode("utf-8")


EDITS = ["tree", "text", "wrap-list", "wrap-map", "other-value", "delete", "duplicate"]


def apply_edit(data, op: str, where: int, other: int, tree, text: str):
    targets = paths(data)
    if not targets:
        return data
    path = targets[where % len(targets)]
    leaves = [v for v in (value_at(data, p) for p in targets) if not isinstance(v, (dict, list))]
    fn = {
        "tree": lambda v: tree,
        # random text where the cadre types text: still valid, so it reaches the renderers
        "text": lambda v: text if isinstance(v, str) else v,
        "wrap-list": lambda v: [v],
        "wrap-map": lambda v: {"x": v},
        "other-value": lambda v: leaves[other % len(leaves)] if leaves else v,
        "delete": lambda v: DELETE,
        "duplicate": lambda v: (DUPLICATE, v) if isinstance(path[-1], int) else v,
    }[op]
    return edit_at(data, path, fn)


@each_kind
def test_mutated_golden_structure(tmp_path_factory, kind):
    """Values of a valid file edited: random text for a name, a list or a mapping for a
    scalar, a date for an amount, a key deleted, a row duplicated, a random subtree..."""
    f = fuzz(tmp_path_factory, "b-mutated-structure", kind)
    golden, body = golden_data(kind)
    edit = st.tuples(
        st.sampled_from(EDITS), st.integers(0, 10_000), st.integers(0, 10_000), trees, st.text(max_size=80)
    )

    @FUZZ_SETTINGS
    @given(edits=st.lists(edit, min_size=1, max_size=3))
    def run(edits):
        data = golden
        for e in edits:
            data = apply_edit(data, *e)
        f.check(dump(kind, data, body), build=True)

    run()


# ---------------------------------------------------------------- (c) random structured data


@each_kind
def test_random_structured_yaml(tmp_path_factory, kind):
    f = fuzz(tmp_path_factory, "c-random-structured", kind)

    @FUZZ_SETTINGS
    @given(
        data=st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), trees, max_size=8) | trees,
        body=st.text(max_size=200),
        flow=st.booleans(),
    )
    def run(data, body, flow):
        text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow)
        f.check(with_front_matter(kind, text, body).encode("utf-8"))

    run()
