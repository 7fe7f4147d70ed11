"""One file through its kind's rules: the step every kind shares."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ..kinds import KINDS, resolve
from ..load.document import Doc, Loaded, doc_of, model_of
from ..load.yamlsafe import format_loc
from ..model.village import Village
from ..problems import Problem, problem
from ..sources import SourceFile
from .project import TownshipContext
from .rules import Checker, FileContext, check_disclosure


def check_file(
    ctx: TownshipContext,
    sf: SourceFile,
    loaded: Loaded,
    out: list[Problem],
    village: Village | None = None,
    village_dir: Path | None = None,
) -> Doc | None:
    """The file's model and its kind's rules; the Doc, or None when the model
    itself did not validate (the problems are in ``out`` either way)."""
    if loaded.located is not None:
        out.extend(
            problem(
                sf.rel,
                loaded.located.line_of(n.path),
                "value-normalised",
                f"{n.why}，按 “{n.value}” 公开；请在文件中改正",
                format_loc(n.path),
            )
            for n in loaded.normalised
        )
    model = model_of(sf, loaded, out)
    if model is None or loaded.located is None:
        return None
    spec = KINDS[sf.kind]
    c = Checker(sf.rel, loaded.located)
    if spec.disclosure:
        check_disclosure(c, model, village_dir)
    if spec.rules:
        fc = FileContext(
            ctx,
            PurePosixPath(sf.rel).stem,
            village_dir,
            village,
            loaded.body,
            loaded.body_line,
        )
        resolve(spec.rules)(c, model, fc)
    out.extend(c.problems)
    return doc_of(sf, loaded, model)


def sort_docs(docs: list[Doc]) -> None:
    """Sort one kind's documents in the kind's order. A duplicate is then
    reported on the later or misnamed file, not on the one that rightly owns
    the period or URL (a file whose key is exactly its name comes first)."""
    if not docs:
        return
    spec = KINDS[docs[0].kind]
    if spec.stem_is_key:
        docs.sort(key=lambda d: (spec.order(d.model), PurePosixPath(d.rel).stem != d.key))
    else:
        docs.sort(key=lambda d: spec.order(d.model))
