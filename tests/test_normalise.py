"""What is typed is what is published: line endings, IME quotes, zero-width characters.

Issue 15, items 2 and 5. The loader normalises where the meaning is certain
(and warns), and no normalisation moves a stamp that was already published:
a version published with the stamp its content had as typed keeps it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cunwu.commands.validate import validate
from cunwu.load.document import doc_of, load_source, model_of
from cunwu.model.canonical import canonical_json
from cunwu.sources import classify

import conftest
from conftest import GOLDEN_PROJECT, build_site, copy_project

NOTICE = "villages/alpha/notices/tender.md"
FINANCE = "villages/alpha/finance/2026-10.yaml"
ROSTER = "villages/alpha/subsidies/2026-10-dibao.yaml"


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "李报账",
        "GIT_AUTHOR_EMAIL": "li@example.invalid",
        "GIT_COMMITTER_NAME": "李报账",
        "GIT_COMMITTER_EMAIL": "li@example.invalid",
        "GIT_AUTHOR_DATE": "2026-11-01T10:00:00+08:00",
        "GIT_COMMITTER_DATE": "2026-11-01T10:00:00+08:00",
    }
    return conftest.git(repo, *args, env=env)


@pytest.fixture
def repo(tmp_path) -> Path:
    proj = copy_project(GOLDEN_PROJECT, tmp_path / "township")
    git(proj, "init", "-q", "-b", "main")
    return proj


def doc(rel: str, raw: bytes):
    sf = classify(rel)
    out: list = []
    loaded = load_source(sf, raw, out)
    model = model_of(sf, loaded, out)
    assert model is not None, out
    return doc_of(sf, loaded, model)


def crlf(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def typed_stamp(model, body: str | None) -> str:
    """The stamp cunwu 0.1.0 gave: the content exactly as typed."""
    h = hashlib.sha256(canonical_json(model).encode())
    if body is not None:
        h.update(b"\0" + body.strip().encode())
    return h.hexdigest()[:10]


def test_crlf_and_lf_give_one_stamp_and_the_same_data():
    lf = (GOLDEN_PROJECT / NOTICE).read_bytes()
    a, b = doc(NOTICE, lf), doc(NOTICE, lf.replace(b"\n", b"\r\n"))
    assert a.stamp == b.stamp
    assert "\r" not in b.body and b.body == a.body
    assert a.legacy == "" and b.legacy not in ("", b.stamp)  # the stamp a CRLF notice had before


def test_the_published_data_carries_no_carriage_returns(tmp_path):
    project = copy_project(GOLDEN_PROJECT, tmp_path / "p")
    crlf(project / NOTICE)
    build_site(project, project / "build", posters=False)
    data = json.loads((project / "build/site/alpha/notices/2026-10-road-tender/data.json").read_text("utf-8"))
    assert "\r" not in data["body_markdown"] and "公开招标" in data["body_markdown"]


def test_a_resave_with_other_line_endings_is_no_new_version(repo):
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "十月公开")
    crlf(repo / NOTICE)
    git(repo, "commit", "-qam", "用记事本另存")
    assert [p.code for p in validate(repo).problems] == []
    build_site(repo, repo / "build", posters=False)
    versions = json.loads((repo / "build/site/versions.json").read_text("utf-8"))["versions"]
    assert len([v for v in versions if v["doc"] == "notice:2026-10-road-tender"]) == 1
    assert not (repo / "build/site/alpha/notices/2026-10-road-tender/versions").exists()


def test_a_stamp_published_before_the_normalisation_never_moves(repo):
    """A CRLF notice published by cunwu 0.1.0 had the stamp of its text as typed:
    given the record of that publication, the build keeps it."""
    crlf(repo / NOTICE)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "十月公开（Windows 换行）")
    d = doc(NOTICE, (repo / NOTICE).read_bytes())
    raw = (repo / NOTICE).read_bytes().decode("utf-8").split("---", 2)[2]
    old = typed_stamp(d.model, raw[raw.index("\n") + 1 :])
    assert old == d.legacy and old != d.stamp

    # without a record, nothing was published with the old stamp: the page shows today's
    build_site(repo, repo / "first", posters=False)
    page = (repo / "first/site/alpha/notices/2026-10-road-tender/index.html").read_text("utf-8")
    assert f"版本 <b>{d.stamp}</b>" in page

    # the live site's record says it was published with the old one: it stays
    record = json.loads((repo / "first/site/versions.json").read_text("utf-8"))
    for v in record["versions"]:
        if v["doc"] == "notice:2026-10-road-tender":
            v["stamp"] = old
    live = repo / "live-versions.json"
    live.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    result = build_site(repo, repo / "ci", posters=False, manifest=str(live), require_history=True)
    assert result.report.ok()
    page = (repo / "ci/site/alpha/notices/2026-10-road-tender/index.html").read_text("utf-8")
    assert f"版本 <b>{old}</b>" in page and d.stamp not in page
    stamps = {
        v["stamp"]
        for v in json.loads((repo / "ci/site/versions.json").read_text("utf-8"))["versions"]
        if v["doc"] == "notice:2026-10-road-tender"
    }
    assert stamps == {old}


def test_ime_quotes_and_zero_width_characters_are_taken_out_with_a_warning(tmp_path):
    project = copy_project(GOLDEN_PROJECT, tmp_path / "p")
    fin = project / FINANCE
    text = fin.read_text("utf-8")
    text = text.replace('voucher: "0013"', "voucher: “0013”").replace(
        "summary: 道路维修", "summary: 村“两委”道路维修"
    )
    fin.write_text(text, "utf-8")
    roster = project / ROSTER
    rtext = roster.read_text("utf-8")
    name = next(line.split("name: ")[1].split(",")[0] for line in rtext.splitlines() if "name: " in line)
    roster.write_text(rtext.replace(f"name: {name},", f"name: {name[0]}\u200b{name[1:]},", 1), "utf-8")
    report = validate(project, history=False)
    found = sorted((p.file, p.line, p.code, p.loc) for p in report.problems)
    fin_line = next(i for i, ln in enumerate(text.splitlines(), 1) if "“0013”" in ln)
    ros_line = next(i for i, ln in enumerate(roster.read_text("utf-8").splitlines(), 1) if "\u200b" in ln)
    assert found == [
        (FINANCE, fin_line, "value-normalised", "expense[0].voucher"),
        (ROSTER, ros_line, "value-normalised", "recipients[0].name"),
    ]
    assert all(p.severity == "warning" for p in report.problems)
    assert "\u200b" not in "".join(p.message for p in report.problems)
    build_site(project, project / "build", posters=False)
    site = project / "build/site/alpha"
    page = (site / "finance/2026-10/index.html").read_text("utf-8")
    assert "“0013”" not in page and "村“两委”道路维修" in page  # quotes inside text stay
    roster_page = (site / "subsidies/2026-10-dibao/index.html").read_text("utf-8")
    assert "\u200b" not in roster_page and name in roster_page
