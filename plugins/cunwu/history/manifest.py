"""Tamper evidence: every version stamp a build has ever published.

``versions.json`` at the root of the published site is append-only. Each
build reads the previous one and checks that every version it lists can
still be found in the git history of the sources (current files and deleted
ones). A version that vanished means the history was rewritten (an amend and
force-push, say): the build fails loudly, unless ``--allow-rewrite REASON``
is given, and then the override itself is recorded in the manifest, where
auditors read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import HistoryError

FORMAT = 1


@dataclass(frozen=True, order=True)
class Entry:
    scope: str  # village id, or "" for township documents (power items, catalog)
    doc: str  # "finance:2026-10"
    stamp: str
    date: str  # the version's own date (approval or correction)


@dataclass
class Manifest:
    township: str
    entries: dict[tuple[str, str], dict] = field(default_factory=dict)  # (scope, stamp) -> entry
    overrides: list[dict] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str | None, township: str) -> Manifest:
        if not text:
            return cls(township)
        try:
            data = json.loads(text)
            entries = {(e["scope"], e["stamp"]): e for e in data["versions"]}
            return cls(data.get("township", township), entries, list(data.get("overrides", [])))
        except (ValueError, KeyError, TypeError) as exc:
            raise HistoryError(
                f"已发布的版本清单 versions.json 已损坏（{exc}），无法核对历史；请从线上网站恢复它。"
            ) from None

    def check_and_extend(
        self, current: set[Entry], as_of: str, allow_rewrite: str | None, verifiable: bool
    ) -> list[dict]:
        """Fail if a published version vanished; add the new ones. Returns the vanished entries."""
        present = {(e.scope, e.stamp) for e in current}
        vanished = [
            e for key, e in sorted(self.entries.items()) if key not in present and not e.get("withdrawn")
        ]
        if vanished and verifiable:
            if not allow_rewrite:
                listing = "；".join(
                    f"{e['scope'] or '乡镇'} {e['doc']} 版本 {e['stamp']}（{e['date']}）"
                    for e in vanished[:10]
                )
                more = f" 等 {len(vanished)} 个" if len(vanished) > 10 else ""
                raise HistoryError(
                    f"Git 历史中找不到已经发布过的版本：{listing}{more}。历史可能被改写（amend、rebase、force-push）。"
                    '如确有正当理由（如清除泄露的号码），用 --allow-rewrite "原因" 重新构建，原因会记入 versions.json。'
                )
            self.overrides.append(
                {
                    "date": as_of,
                    "reason": allow_rewrite,
                    "removed": [f"{e['scope']}:{e['stamp']}" for e in vanished],
                }
            )
            for e in vanished:
                e["withdrawn"] = as_of
        for e in sorted(current, key=lambda e: (e.scope, e.doc, e.stamp, e.date)):
            self.entries.setdefault(
                (e.scope, e.stamp),
                {"scope": e.scope, "doc": e.doc, "stamp": e.stamp, "date": e.date, "first_built": as_of},
            )
        return vanished

    def to_json(self) -> bytes:
        """One version per line: diffs of the published file stay readable,
        and json's C encoder does the work (it does not run with ``indent``)."""

        def line(obj) -> str:
            return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))

        keys = sorted(
            self.entries, key=lambda k: (k[0], self.entries[k]["doc"], self.entries[k]["date"], k[1])
        )
        head = {
            "format": FORMAT,
            "township": self.township,
            "about": "本乡镇网站发布过的每一个公开版本；只增不删。被改写的历史记录在 overrides 中。",
        }
        parts = [line(head)[:-1] + ",", ' "overrides": ' + line(self.overrides) + ",", ' "versions": [']
        parts.append(",\n".join("  " + line(self.entries[k]) for k in keys))
        parts.append(" ]\n}\n")
        return "\n".join(parts).encode("utf-8")
