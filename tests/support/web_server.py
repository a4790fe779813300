"""A small web server for service checks, run as a process (inside a testbed site's namespace):
it answers with the status written in a file, so a test switches a service between healthy
and failing without restarting it.

    python -m tests.support.web_server ADDRESS PORT STATUS_FILE
"""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def main() -> None:
    address, port, status_file = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                status = int(status_file.read_text().strip() or "200")
            except (OSError, ValueError):
                status = 200
            body = b"<h1>SIMPEG - Masuk</h1>" if status == 200 else b"error"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Quiet: the test reads the collector's log, not this one's."""

    server = ThreadingHTTPServer((address, port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
