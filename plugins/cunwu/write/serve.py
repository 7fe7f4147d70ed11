"""``cunwu serve``: preview build/site on this machine."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

from ..errors import UsageError
from ..sources import find_root


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".json": "application/json; charset=utf-8",
        ".csv": "text/csv; charset=utf-8",
        ".xml": "application/atom+xml; charset=utf-8",
        ".svg": "image/svg+xml",
        ".pdf": "application/pdf",
    }

    def log_message(self, format, *args):  # noqa: A002 - signature from the stdlib
        pass


def serve(path: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    site = find_root(path) / "build" / "site"
    if not (site / "index.html").is_file():
        raise UsageError(f"{site} 里还没有网站，请先运行 cunwu build")
    handler = functools.partial(_Handler, directory=str(site))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise UsageError(
            f"无法在 {host}:{port} 上启动预览：{exc.strerror}（端口被占用？用 --port 换一个）"
        ) from None
    print(f"预览网站：http://{host}:{port}/  （按 Ctrl+C 停止）", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
