"""The village's Atom feed, read with a feed parser we did not write (feedparser).

A correction must not make a disclosure look new in a feed reader: its
entry keeps its id and moves its ``updated`` date.
"""

from __future__ import annotations

import feedparser
import pytest

from conftest import GOLDEN_PROJECT, build_site, copy_project, git

ROSTER = "villages/alpha/subsidies/2026-10-dibao.yaml"
BASE = "https://cunwu.example.org/testzhen/alpha/"

pytestmark = pytest.mark.usefixtures("isolated_git")


def entries(site) -> dict[str, feedparser.FeedParserDict]:
    feed = feedparser.parse((site / "alpha/feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return {e.link: e for e in feed.entries}


def commit(repo, message: str, day: str) -> None:
    when = f"{day}T09:00:00+08:00"
    env = {
        "GIT_AUTHOR_NAME": "李报账",
        "GIT_AUTHOR_EMAIL": "li@example.invalid",
        "GIT_COMMITTER_NAME": "李报账",
        "GIT_COMMITTER_EMAIL": "li@example.invalid",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    git(repo, "add", "-A", env=env)
    git(repo, "commit", "-q", "-m", message, env=env)


def test_a_correction_keeps_the_entry_and_updates_it(tmp_path):
    repo = copy_project(GOLDEN_PROJECT, tmp_path / "township")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "十月公开", "2026-11-01")
    build_site(repo, tmp_path / "before")
    before = entries(tmp_path / "before/site")
    roster = before[BASE + "subsidies/2026-10-dibao/"]
    # one entry per disclosure, named by its permanent URL
    assert {e.id for e in before.values()} == set(before)
    assert roster.updated_parsed[:3] == (2026, 10, 5) and roster.published_parsed[:3] == (2026, 10, 5)

    path = repo / ROSTER
    text = path.read_text("utf-8").replace("amount: 820.00}", "amount: 900.00}")
    text = text.replace(
        "total: 2530.00",
        "total: 2610.00\ncorrections:\n  - {date: 2026-11-16, reason: 张某某家庭人数核减后重新核定}",
    )
    path.write_text(text, "utf-8")
    commit(repo, "更正金额", "2026-11-16")
    build_site(repo, tmp_path / "after")
    after = entries(tmp_path / "after/site")
    # the same entries, under the same ids: nothing looks new
    assert {e.id for e in after.values()} == {e.id for e in before.values()}
    corrected = after[BASE + "subsidies/2026-10-dibao/"]
    assert corrected.id == roster.id
    assert corrected.updated_parsed[:3] == (2026, 11, 16)
    assert corrected.published_parsed[:3] == (2026, 10, 5)
    assert "已更正 2026-11-16" in corrected.summary
    # and it heads the feed: the newest change first
    feed = feedparser.parse((tmp_path / "after/site/alpha/feed.xml").read_bytes())
    assert feed.entries[0].id == corrected.id
