"""Fail safe: the output scan, rosters taken offline, reproducible output."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest

from cunwu.errors import PrivacyLeak
from cunwu.privacy import id_check_char

from conftest import GOLDEN_PROJECT, REPO, build_site, copy_project

# invented and checksum-valid: these tests prove a leak in the output is caught
BASE = "99010119800101001"
FULL_ID = BASE + id_check_char(BASE)


@pytest.fixture
def project(tmp_path) -> Path:
    proj = copy_project(GOLDEN_PROJECT, tmp_path / "township")
    shutil.copytree(REPO / "themes" / "cunwu", proj / "themes" / "cunwu")
    return proj


def tree_hashes(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in site.rglob("*")
        if p.is_file()
    }


@pytest.mark.parametrize(
    "injected",
    [
        FULL_ID,  # plain
        "".join(f"&#{ord(c)};" for c in FULL_ID),  # behind HTML entities
        FULL_ID[:6] + " " + FULL_ID[6:14] + " " + FULL_ID[14:],  # with spaces
        "13912345678",  # a private mobile number
    ],
)
def test_a_number_reaching_the_output_fails_the_build(project, tmp_path, injected):
    """Sources are clean; a template bug puts a number on the roster page."""
    out = tmp_path / "out"
    build_site(project, out, posters=False)
    before = tree_hashes(out / "site")
    tpl = project / "themes/cunwu/templates/roster.html"
    tpl.write_text(
        tpl.read_text().replace("<p>{{ page.standard }}</p>", f"<p>{{{{ page.standard }}}} {injected}</p>")
    )
    with pytest.raises(PrivacyLeak) as exc:
        build_site(project, out, posters=False)
    message = str(exc.value)
    assert "villages/alpha/subsidies/2026-10-dibao.yaml" in message  # names the source
    assert FULL_ID not in message and "13912345678" not in message  # and repeats nothing
    assert tree_hashes(out / "site") == before  # the live site is untouched


def test_official_numbers_in_the_output_are_allowed(project, tmp_path):
    tpl = project / "themes/cunwu/templates/roster.html"
    tpl.write_text(
        tpl.read_text().replace("<p>{{ page.standard }}</p>", "<p>{{ page.standard }} 13900001111</p>")
    )
    build_site(project, tmp_path / "out", posters=False)  # declared in alpha's village.yaml


def test_rosters_offline_after_their_notice_period(project, tmp_path):
    cfg = project / "cunwu.yaml"
    cfg.write_text(cfg.read_text() + "site: {rosters_offline_after_notice: true}\n")
    during = tmp_path / "during"
    build_site(project, during, as_of=dt.date(2026, 10, 8), posters=False)
    assert (during / "site/alpha/subsidies/2026-10-dibao/index.html").exists()
    after = tmp_path / "after"
    build_site(project, after, as_of=dt.date(2026, 11, 20), posters=False)
    site = after / "site/alpha"
    assert not (site / "subsidies/2026-10-dibao").exists()  # page and open data gone
    assert "公示期已结束" in (site / "subsidies/index.html").read_text()
    assert "2026-10-dibao" not in (site / "datapackage.json").read_text()
    assert "2026-10-dibao" not in (site / "feed.xml").read_text()
    assert "2026-10-dibao" not in (site / "archive/index.html").read_text()


def test_offline_switches_with_the_date_in_one_output_folder(project, tmp_path):
    cfg = project / "cunwu.yaml"
    cfg.write_text(cfg.read_text() + "site: {rosters_offline_after_notice: true}\n")
    out = tmp_path / "out"
    build_site(project, out, as_of=dt.date(2026, 10, 8), posters=False)
    build_site(project, out, as_of=dt.date(2026, 11, 20), posters=False)
    assert not (out / "site/alpha/subsidies/2026-10-dibao").exists()


def snapshot(site: Path) -> dict[str, tuple[str, int, int]]:
    """relative path -> (sha256, mtime_ns, inode), directories included"""
    out = {}
    for p in sorted(site.rglob("*")):
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        out[p.relative_to(site).as_posix()] = (digest, st.st_mtime_ns, st.st_ino)
    return out


def built_then_root_edited(project: Path, out: Path, insert: str) -> dict:
    """Build, then edit a village and add ``insert`` to the township index
    template; the site's snapshot before the edit."""
    build_site(project, out, posters=False)
    before = snapshot(out / "site")
    village = project / "villages/alpha/village.yaml"
    village.write_text(village.read_text("utf-8").replace("测试用的村。", "测试用的村，有改动。"), "utf-8")
    tpl = project / "themes/cunwu/templates/township.html"
    tpl.write_text(tpl.read_text().replace("</main>", f"{insert}</main>"))
    return before


def test_a_number_on_the_township_root_fails_the_build(project, tmp_path):
    """The township index and content pages are scanned like a village's pages,
    and a leak there stops the build before any village goes live."""
    out = tmp_path / "out"
    before = built_then_root_edited(project, out, f"<p>{FULL_ID[:6]}<b>{FULL_ID[6:]}</b></p>")
    with pytest.raises(PrivacyLeak) as exc:
        build_site(project, out, posters=False)
    assert "build/site/index.html: id-number-leak" in str(exc.value) and "cunwu.yaml" in str(exc.value)
    assert FULL_ID not in str(exc.value)
    assert snapshot(out / "site") == before
    assert not (out / ".staging").exists()


def test_a_crash_while_rendering_the_township_root_leaves_the_site(project, tmp_path, monkeypatch):
    from cunwu.write import run

    out = tmp_path / "out"
    before = built_then_root_edited(project, out, "<p>新</p>")  # the root is rebuilt

    def boom(*args, **kwargs):
        raise RuntimeError("a bug in the township page")

    monkeypatch.setattr(run, "run_pelican", boom)  # township.py imports it when it renders
    with pytest.raises(RuntimeError):
        build_site(project, out, posters=False)
    assert snapshot(out / "site") == before
    monkeypatch.undo()
    build_site(project, out, posters=False)
    assert "<p>新</p>" in (out / "site/index.html").read_text("utf-8")
