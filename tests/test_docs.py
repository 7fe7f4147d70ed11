"""Docs that cannot rot: commands, problem codes, format examples, schemas."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cunwu.cli import build_parser
from cunwu.commands.schema import schema_texts
from cunwu.commands.validate import validate
from cunwu.problems import CODES

REPO = Path(__file__).resolve().parents[1]
FORMAT = REPO / "docs" / "format.md"


def subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_command_has_help_and_docs(name):
    sub = subcommands()[name]
    assert sub.description, f"cunwu {name} has no description"
    for action in sub._actions:
        if action.dest != "help":
            assert action.help, f"cunwu {name} {action.option_strings or action.dest} has no help"
    readme = (REPO / "README.md").read_text()
    assert f"`cunwu {name}" in readme, f"README does not document cunwu {name}"


def test_every_problem_code_is_documented():
    doc = (REPO / "docs" / "problems.md").read_text()
    missing = [c for c in CODES if f"`{c}`" not in doc]
    assert not missing


def test_committed_schemas_are_current():
    for name, text in schema_texts().items():
        path = REPO / "schemas" / name
        assert path.read_text("utf-8") == text, f"schemas/{name} is stale: run `cunwu schema`"


def format_examples() -> dict[str, str]:
    """Files shown in docs/format.md, keyed by the path on their first line."""
    files = {}
    for lang, body in re.findall(r"```(yaml|markdown)\n(.*?)```", FORMAT.read_text("utf-8"), re.S):
        first, _, rest = body.partition("\n")
        if lang == "yaml":
            m = re.fullmatch(r"# (\S+\.yaml)", first.strip())
            if m:
                files[m.group(1)] = body
        else:
            m = re.fullmatch(r"<!-- (\S+\.md).*-->", first.strip())
            if m:
                files[m.group(1)] = rest
    return files


def test_format_examples_cover_every_file_kind():
    kinds = {p.split("/")[-2] if "/" in p else p for p in format_examples()}
    for needed in ("cunwu.yaml", "powers", "finance", "subsidies", "notices", "content"):
        assert needed in kinds or any(needed in p for p in format_examples()), needed
    assert any(p.endswith("village.yaml") for p in format_examples())


def test_format_examples_validate(tmp_path):
    """A cadre copying the examples gets a project that validates clean."""
    files = format_examples()
    for rel, text in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    report = validate(tmp_path, history=False)
    assert report.ok(strict=True), report.to_text()
    assert report.files_checked >= len(files) - 1


def test_every_yaml_example_in_the_docs_parses_clean():
    """The short YAML snippets in README.md and docs/*.md are copied too: they must
    parse without a problem (a comment after a value, say, would be refused)."""
    from cunwu.load.yamlsafe import parse_yaml

    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for i, body in enumerate(re.findall(r"```yaml\n(.*?)```", doc.read_text("utf-8"), re.S)):
            located, problems = parse_yaml(f"{doc.name}#{i}", body)
            assert located is not None and problems == [], (doc.name, body[:80], problems)


def test_the_site_embeds_no_font(golden_site):
    """docs/format.md: posters embed their font; the web pages use the reader's own."""
    fonts = [
        p for p in golden_site.rglob("*") if p.suffix.lower() in (".woff", ".woff2", ".ttf", ".otf", ".ttc")
    ]
    assert fonts == []
    for css in golden_site.rglob("*.css"):
        assert "@font-face" not in css.read_text("utf-8"), css
    assert "Posters embed the characters they use" in FORMAT.read_text("utf-8")
