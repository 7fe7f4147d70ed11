"""Real Chromium for tests: Debian's /usr/bin/chromium driven by Playwright.

Playwright's own browser download does not work on this machine kind, so we
launch the system Chromium with the flags that keep it off the network.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() and shutil.which("chromium") is not None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` on 127.0.0.1 on a free port; yield the base URL."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()


#: JavaScript: the page, every table cell and every block of content inside the
#: 390 px viewport. Hidden overflow does not count: a cell clipped by its own box
#: or by a scrolling/clipping ancestor, or a cell with text that is not shown
#: (display:none, visibility:hidden), is reported too.
LAYOUT_PROBE = """
() => {
  const vw = document.documentElement.clientWidth;
  const out = {vw, pageWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
               bad: [], cells: 0};
  const say = (el, r, why) => out.bad.push(
    `${why}: ${el.tagName} ${Math.round(r.left)}..${Math.round(r.right)} sw=${el.scrollWidth} cw=${el.clientWidth}: ${el.textContent.trim().slice(0, 40)}`);
  const sel = 'td, th, table, svg, img, pre, h1, h2, h3, p, li, dt, dd, figure';
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    const cell = el.tagName === 'TD' || el.tagName === 'TH';
    const st = getComputedStyle(el);
    if (r.width === 0 && r.height === 0) {
      if (cell && el.textContent.trim() && !el.closest('[hidden], details:not([open])')) say(el, r, 'hidden cell');
      continue;
    }
    if (cell) {
      out.cells++;
      if (st.visibility !== 'visible') say(el, r, 'invisible cell');
      if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) say(el, r, 'clipped in cell');
    }
    if (r.left < -0.5 || r.right > vw + 0.5) { say(el, r, 'outside viewport'); continue; }
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const o = getComputedStyle(a);
      if (o.overflowX === 'visible' && o.overflowY === 'visible') continue;
      const b = a.getBoundingClientRect();
      if (r.left < b.left - 0.5 || r.right > b.right + 0.5) { say(el, r, `clipped by ${a.tagName}.${a.className}`); break; }
    }
  }
  return out;
}
"""

#: JavaScript: does the page's font really draw Chinese? Without a CJK font every
#: character is the same empty box (tofu), so two different characters, or a
#: character and a private-use code point, would come out pixel-identical.
CJK_PROBE = """
() => {
  const c = document.createElement('canvas'); c.width = 120; c.height = 60;
  const x = c.getContext('2d');
  const draw = (t) => { x.clearRect(0, 0, 120, 60);
    x.font = '48px ' + getComputedStyle(document.body).fontFamily; x.fillText(t, 4, 50);
    return x.getImageData(0, 0, 120, 60).data.join(','); };
  const cun = draw('村'), wu = draw('务'), none = draw('\\u{E000}'), blank = draw('');
  return {distinct: cun !== wu, notTofu: cun !== none, inked: cun !== blank};
}
"""
