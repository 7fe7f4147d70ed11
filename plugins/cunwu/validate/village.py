"""One village: its settings, every file of it, and the rules between them.

:func:`check_village` is a pure function of the township context and the
village's files, so a build can cache it by the files' hashes and run it in
worker processes.
"""

from __future__ import annotations

import re

from ..history.git import History
from ..history.manifest import Published
from ..kinds import KINDS
from ..load.document import Doc, model_of
from ..problems import Problem, problem
from ..sources import SourceFile
from .checkfile import check_file, sort_docs
from .crossfile import check_bundle, check_power_numbers, check_projects
from .edits import doc_histories
from .pictures import picture_problem
from .project import TownshipContext, VillageBundle
from .rules import Checker
from .sourcescan import privacy_problems, read_checked, redacted
from .township import unknown_file

_VILLAGE_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


def check_village(
    ctx: TownshipContext,
    vid: str,
    files: list[SourceFile],
    history: History | None = None,
    published: Published | None = None,
) -> tuple[VillageBundle | None, list[Problem], int]:
    """Load and check one village. Returns (bundle or None, problems, files checked).

    With a :class:`cunwu.history.git.History`, each disclosure's published
    versions are worked out and silent edits reported (``bundle.histories``)."""
    out: list[Problem] = []
    root = ctx.root
    vdir = root / "villages" / vid
    vfile = f"villages/{vid}/village.yaml"
    village_sf = next((f for f in files if f.kind == "village"), None)
    if village_sf is None:
        out.append(problem(vfile, 0, "missing-field", f"村文件夹 villages/{vid}/ 缺少 village.yaml"))
        return None, out, 0
    if not _VILLAGE_ID.fullmatch(vid):
        out.append(
            problem(
                vfile,
                0,
                "code-format",
                f"村文件夹名 “{vid}” 会成为网址，只能用小写字母、数字和连字符，如 dongshan",
            )
        )
    # official numbers of the village are needed before scanning its files,
    # so read village.yaml first with the township's numbers only
    pre: list[Problem] = []
    loaded = read_checked(root, village_sf, ctx.official_numbers(), pre)
    village = model_of(village_sf, loaded, pre) if loaded is not None else None
    if village is not None:
        assert loaded is not None and loaded.located is not None and loaded.text is not None
        allowed = ctx.official_numbers(village)
        pre = [p for p in pre if p.code != "mobile-leak"] + [
            p
            for p in privacy_problems(vfile, loaded.text, allowed, loaded.located)
            if p.code == "mobile-leak"
        ]
    out.extend(pre)
    count = 1
    # a broken village.yaml must not hide the problems of the village's other
    # files: check them all, without the rules that need the village's settings
    broken = village is None
    if broken:
        allowed = ctx.official_numbers()
        village_doc = Doc("village", vid, vfile, None)
    else:
        assert loaded is not None and loaded.located is not None
        village_doc = Doc("village", vid, vfile, village, sha=loaded.sha, lines=loaded.top_lines())
        out.extend(_check_settings(ctx, vfile, loaded.located, village))

    # a broken village gets a bundle for its files' checks, never for publishing
    bundle = VillageBundle(vid, village, village_doc)  # type: ignore[arg-type]
    own_powers: dict[str, Doc] = {}
    projects_located = None
    for sf in files:
        if sf.kind == "village":
            continue
        count += 1
        if sf.kind in ("attachment", "unknown"):
            if sf.kind == "attachment":
                bundle.attachments.append(sf.rel)
                if (huge := picture_problem(root, sf)) is not None:
                    out.append(huge)
            read_checked(root, sf, allowed, out)
            if sf.kind == "unknown":
                out.append(unknown_file(sf, root))
            continue
        loaded_doc = read_checked(root, sf, allowed, out)
        if loaded_doc is None or loaded_doc.located is None:
            continue
        doc = check_file(ctx, sf, loaded_doc, out, None if broken else village, vdir)
        if doc is None:
            continue
        if sf.kind == "power":
            own_powers[doc.key] = doc
        elif sf.kind == "projects":
            projects_located = loaded_doc.located
            bundle.of(sf.kind).append(doc)
        else:
            bundle.of(sf.kind).append(doc)

    for k in KINDS.values():
        if k.disclosure and k.name != "power":
            sort_docs(bundle.of(k.name))
    out.extend(check_bundle(bundle))
    if projects_located is not None:
        out.extend(check_projects(bundle, projects_located))
    excluded = village.powers_exclude if village is not None else []
    merged = {k: d for k, d in ctx.powers.items() if k not in excluded}
    merged.update(own_powers)
    powers = list(merged.values())
    sort_docs(powers)
    bundle.docs["power"] = powers
    if own_powers:
        # a village's own item must not take a number the resolved list already uses
        check_power_numbers(powers, out, only=set(own_powers))
    if history is not None and not broken:
        own = [d for d in bundle.disclosures() if d.kind != "power"] + list(own_powers.values())
        bundle.histories = doc_histories(own, history, out, published)
    return (None if broken else bundle), redacted(out), count


def _check_settings(ctx: TownshipContext, vfile: str, located, village) -> list[Problem]:
    """village.yaml against the township: its township, programs, excluded items."""
    vc = Checker(vfile, located)
    if ctx.config.township is not None and village.township != ctx.config.township.name:
        vc.add(
            ("township",),
            "township-mismatch",
            f"所属乡镇 “{village.township}” 与 cunwu.yaml 中的 “{ctx.config.township.name}” 不一致",
        )
    for i, pid in enumerate(village.recurring):
        if pid not in ctx.programs:
            vc.add(("recurring", i), "unknown-program", f"补贴项目 “{pid}” 未定义")
    for i, pid in enumerate(village.powers_exclude):
        if pid not in ctx.powers:
            vc.add(("powers_exclude", i), "unknown-reference", f"乡镇权力清单中没有事项 “{pid}”")
    return vc.problems
