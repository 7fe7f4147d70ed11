"""Published version stamps never move (docs/history.md, model/canonical.py).

A poster on a notice board and an auditor's record both cite a stamp, and
every build recomputes each published stamp from git. These tests hold the
canonical form to that:

* every stamp the demo published, as recorded in the ``versions.json`` of
  the last build before the canonical form was frozen
  (tests/fixtures/published/demo-versions.json, built at c817ba4), is
  recomputed exactly from the repository's whole git history today;
* adding an optional field to a model, at any depth, leaves the stamp of a
  file that does not use it as it was.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel, create_model

from cunwu.history.diff import parse_blob
from cunwu.history.git import read_history
from cunwu.history.versions import doc_key
from cunwu.kinds import ACCOUNTS, KINDS
from cunwu.load.document import Doc
from cunwu.model.canonical import _v1_fields, stamp
from cunwu.model.finance import FinanceStatement, LedgerLine
from cunwu.model.notice import Notice
from cunwu.model.subsidy import Recipient, SubsidyRoster
from cunwu.sources import classify

from conftest import REPO

PUBLISHED = Path(__file__).parent / "fixtures" / "published" / "demo-versions.json"


def _published() -> set[tuple[str, str, str]]:
    doc = json.loads(PUBLISHED.read_text("utf-8"))
    return {(v["scope"], v["doc"], v["stamp"]) for v in doc["versions"]}


@pytest.fixture(scope="module")
def recomputed() -> set[tuple[str, str, str]]:
    """(scope, doc, stamp) of every approved revision of every file in the
    repository's whole history, stamped by today's code."""
    out = set()
    with read_history(REPO) as history:
        assert history.available, history.reason
        assert not history.shallow, "the stamp test needs the whole history: git fetch --unshallow"
        for fh in history.files():
            for rev in fh.revisions:
                if rev.blob is None or rev.path.startswith("tests/"):
                    continue
                kind, model, body, _problems = parse_blob(rev.path, history.blob(rev.blob))
                if model is None or getattr(model, "status", None) != "approved":
                    continue
                d = Doc(kind, doc_key(kind, model), rev.path, model, body)
                out.add((classify(rev.path).village or "", f"{kind}:{d.key}", d.stamp))
    return out


def test_every_stamp_the_demo_published_is_recomputed_from_history(recomputed):
    published = _published()
    assert len(published) == 119  # the whole record, not an empty file
    missing = sorted(published - recomputed)
    assert not missing, f"published stamps that today's code computes differently: {missing}"


def test_the_demo_build_records_every_published_stamp(demo_site):
    built = json.loads((demo_site / "versions.json").read_text("utf-8"))
    recorded = {(v["scope"], v["doc"], v["stamp"]) for v in built["versions"]}
    assert _published() <= recorded


def _demo_docs(kind: str) -> list[Path]:
    folder = KINDS[kind].folder
    return sorted(REPO.glob(f"villages/*/{folder}/*{KINDS[kind].suffix}"))


def _parsed(path: Path):
    kind, model, body, problems = parse_blob(path.relative_to(REPO).as_posix(), path.read_bytes())
    assert model is not None, problems
    return model, body


def test_an_optional_field_added_later_leaves_every_stamp():
    # as if a later release added `payee` to ledger lines and `end` to roster rows,
    # two levels down, and `project` to notices: same class names, one field more
    line = create_model("LedgerLine", __base__=LedgerLine, payee=(str | None, None))
    statement = create_model(
        "FinanceStatement", __base__=FinanceStatement, income=(list[line], []), expense=(list[line], [])
    )
    row = create_model("Recipient", __base__=Recipient, end=(str | None, None))
    roster = create_model("SubsidyRoster", __base__=SubsidyRoster, recipients=(list[row], ...))
    notice = create_model("Notice", __base__=Notice, project=(str | None, None))
    checked = 0
    for kind, new in (("finance", statement), ("subsidy", roster), ("notice", notice)):
        for path in _demo_docs(kind):
            model, body = _parsed(path)
            again = new.model_validate(model.model_dump(mode="json"))
            assert stamp(again, body) == stamp(model, body), path
            checked += 1
    assert checked > 50

    # a file that uses the new field is new content: its stamp changes
    model, _ = _parsed(_demo_docs("finance")[-1])
    data = model.model_dump(mode="json")
    data["expense"][0]["payee"] = "某某建筑公司"
    assert stamp(statement.model_validate(data)) != stamp(model)


def _classes(model: type[BaseModel], seen: dict[str, type[BaseModel]]) -> None:
    if model.__name__ in seen:
        assert seen[model.__name__] is model, f"two models are called {model.__name__}"
        return
    seen[model.__name__] = model
    for f in model.model_fields.values():
        for arg in [f.annotation, *typing.get_args(f.annotation)]:
            for sub in [arg, *typing.get_args(arg)]:
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    _classes(sub, seen)


def test_the_frozen_field_lists_still_hold():
    """Model names are unique (the frozen lists are keyed by name) and no field
    the canonical form had is gone: removing one would move stamps."""
    seen: dict[str, type[BaseModel]] = {}
    for k in (*KINDS.values(), ACCOUNTS):
        _classes(k.model, seen)
    for name, fields in _v1_fields().items():
        assert name in seen, f"{name} is in canonical_v1.json but no model has that name"
        assert fields <= set(seen[name].model_fields), (
            f"{name} lost {sorted(fields - set(seen[name].model_fields))}"
        )
