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


#: JavaScript: every table cell, and the page itself, inside a 390 px viewport,
#: with no content clipped inside a cell
LAYOUT_PROBE = """
() => {
  const vw = document.documentElement.clientWidth;
  const out = {vw, pageWidth: document.documentElement.scrollWidth, bad: [], cells: 0};
  for (const el of document.querySelectorAll('td, th, svg, img, pre, h1, h2, p')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (el.tagName === 'TD' || el.tagName === 'TH') out.cells++;
    const clipped = (el.tagName === 'TD' || el.tagName === 'TH') && el.scrollWidth > el.clientWidth + 1;
    if (r.left < -0.5 || r.right > vw + 0.5 || clipped) {
      out.bad.push(`${el.tagName} ${Math.round(r.left)}..${Math.round(r.right)} sw=${el.scrollWidth} cw=${el.clientWidth}: ${el.textContent.slice(0, 40)}`);
    }
  }
  return out;
}
"""
