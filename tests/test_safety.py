"""Fail safe: the output scan, rosters taken offline, reproducible output."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest

from cunwu.errors import PrivacyLeak
from cunwu.validate.privacy import id_check_char

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
