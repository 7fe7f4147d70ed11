"""Tamper evidence: every version stamp a build has ever published.

``versions.json`` at the root of the published site is append-only. Each
build reads the previous one and checks that every version it lists can
still be found in the git history of the sources (current files and deleted
ones). A version that vanished means the history was rewritten (an amend and
force-push, say): the build fails loudly, unless ``--allow-rewrite REASON``
is given, and then the override itself is recorded in the manifest, where
auditors read it.

The manifest's memory is the published copy, not the build folder: a fresh
checkout (CI) or a wiped ``build/`` has no previous ``versions.json``, so
``cunwu build --manifest URL|FILE`` reads the live site's copy (see
:func:`read_source`) and it is merged with the local one, if any. ``started``
in the header is the day the record began; a record restarted from nothing
shows a later day than the site's first publication.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import HistoryError

FORMAT = 1
#: refuse a previous manifest larger than this (a county of 300 villages x 10
#: years is a few MB)
MAX_BYTES = 64 * 1024 * 1024


def read_source(source: str, timeout: float = 30) -> str:
    """The text of a previous ``versions.json``: an ``http(s)://`` URL or a file path.

    Raises :class:`HistoryError` when it cannot be read: the caller asked
    for this record explicitly, so building without it would defeat it."""
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=timeout) as resp:  # noqa: S310 - scheme checked
                data = resp.read(MAX_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise HistoryError(f"无法下载上次发布的版本清单 {source}：{exc}") from None
    else:
        path = Path(source)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise HistoryError(f"版本清单 {source} 超过 {MAX_BYTES // 2**20} MB，不像是 versions.json")
            data = path.read_bytes()
        except OSError as exc:
            raise HistoryError(f"无法读取上次发布的版本清单 {source}：{exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise HistoryError(f"版本清单 {source} 超过 {MAX_BYTES // 2**20} MB，不像是 versions.json")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise HistoryError(f"版本清单 {source} 不是 UTF-8 文本") from None


def _line(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


@dataclass(frozen=True, order=True)
class Entry:
    scope: str  # village id, or "" for township documents (power items, catalog)
    doc: str  # "finance:2026-10"
    stamp: str
    date: str  # the version's own date (approval or correction)


#: (scope, doc) -> the stamps of that document recorded as published
Published = dict[tuple[str, str], set[str]]


def published_index(texts: list[str | None]) -> Published:
    """The stamps recorded as published in these copies of versions.json, by
    (scope, doc); a copy that cannot be read adds nothing here (the manifest
    check reports it)."""
    out: Published = {}
    for text in texts:
        if not text:
            continue
        try:
            for e in json.loads(text)["versions"]:
                out.setdefault((e["scope"], e["doc"]), set()).add(e["stamp"])
        except (ValueError, KeyError, TypeError):
            continue
    return out


@dataclass
class Manifest:
    township: str
    entries: dict[tuple[str, str], dict] = field(default_factory=dict)  # (scope, stamp) -> entry
    overrides: list[dict] = field(default_factory=list)
    started: str = ""  # the day this record began ("" until the first build writes it)

    @classmethod
    def parse(cls, text: str | None, township: str, source: str = "versions.json") -> Manifest:
        if not text:
            return cls(township)
        try:
            data = json.loads(text)
            entries = {(e["scope"], e["stamp"]): e for e in data["versions"]}
            m = cls(data.get("township", township), entries, list(data.get("overrides", [])))
            # older manifests have no "started": the earliest day they mention
            days = [e.get("first_built", "") for e in entries.values()] + [
                o.get("date", "") for o in m.overrides
            ]
            m.started = data.get("started") or min((d for d in days if d), default="")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise HistoryError(
                f"已发布的版本清单 {source} 已损坏（{exc}），无法核对历史；请从线上网站恢复它。"
            ) from None
        if m.township != township:
            raise HistoryError(f"版本清单 {source} 属于乡镇 “{m.township}”，不是本项目的 “{township}”")
        return m

    def published(self) -> Published:
        """Every document's published stamps, by (scope, doc)."""
        out: Published = {}
        for e in self.entries.values():
            out.setdefault((e["scope"], e["doc"]), set()).add(e["stamp"])
        return out

    def merge(self, other: Manifest) -> None:
        """Add what ``other`` (another copy of the record) knows: entries are
        never dropped, a withdrawal or an override in either copy is kept."""
        for key, e in other.entries.items():
            mine = self.entries.get(key)
            if mine is None:
                self.entries[key] = dict(e)
                continue
            for k in ("first_built", "withdrawn"):
                days = [d for d in (mine.get(k), e.get(k)) if d]
                if days:
                    mine[k] = min(days)
        for o in other.overrides:
            if o not in self.overrides:
                self.overrides.append(o)
        self.overrides.sort(
            key=lambda o: (o.get("date", ""), json.dumps(o, sort_keys=True, ensure_ascii=False))
        )
        self.started = min((d for d in (self.started, other.started) if d), default="")

    def check_and_extend(
        self,
        current: set[Entry],
        as_of: str,
        allow_rewrite: str | None,
        verifiable: bool,
        found: frozenset[tuple[str, str]] = frozenset(),
    ) -> list[dict]:
        """Fail if a published version vanished; add the new ones. Returns the vanished entries.

        ``current``: the versions this build publishes; ``found``: more
        ``(scope, stamp)`` still in the history that this build does not
        publish (a held-back village's), which count as present but are not added."""
        present = {(e.scope, e.stamp) for e in current} | found
        vanished = [
            self.entries[key]
            for key in sorted(self.entries.keys() - present)
            if not self.entries[key].get("withdrawn")
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
        new = [c for c in current if (c.scope, c.stamp) not in self.entries]
        for c in sorted(new, key=lambda c: (c.scope, c.doc, c.stamp, c.date)):
            self.entries.setdefault(
                (c.scope, c.stamp),
                {"scope": c.scope, "doc": c.doc, "stamp": c.stamp, "date": c.date, "first_built": as_of},
            )
        self.started = self.started or as_of
        return vanished

    def size(self) -> tuple[int, int, str]:
        """What :meth:`check_and_extend` can change: it only ever adds."""
        return len(self.entries), len(self.overrides), self.started

    def head(self) -> str:
        """The first line of :meth:`to_json`."""
        head = {
            "format": FORMAT,
            "township": self.township,
            "started": self.started,
            "about": "本乡镇网站发布过的每一个公开版本；只增不删。被改写的历史记录在 overrides 中；"
            "started 是这份记录开始的日期。",
        }
        return _line(head)[:-1] + ","

    def to_json(self) -> bytes:
        """One version per line: diffs of the published file stay readable,
        and json's C encoder does the work (it does not run with ``indent``)."""
        keys = sorted(
            self.entries, key=lambda k: (k[0], self.entries[k]["doc"], self.entries[k]["date"], k[1])
        )
        parts = [self.head(), ' "overrides": ' + _line(self.overrides) + ",", ' "versions": [']
        parts.append(",\n".join("  " + _line(self.entries[k]) for k in keys))
        parts.append(" ]\n}\n")
        return "\n".join(parts).encode("utf-8")
