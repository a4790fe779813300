"""A small web server for service checks, run as a process (inside a testbed site's namespace):
it answers with the status written in a file, and after the delay written beside it, so a
test switches a service between healthy, failing and slow without restarting it; with a
certificate and key it serves HTTPS.

    python -m tests.support.web_server ADDRESS PORT STATUS_FILE [CERT_FILE KEY_FILE]

STATUS_FILE holds "STATUS [DELAY_SECONDS]", e.g. "200", "500", "200 0.5".
"""

from __future__ import annotations

import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def main() -> None:
    address, port, status_file = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                status_text, *delay = status_file.read_text().split() or ["200"]
                status = int(status_text)
                time.sleep(float(delay[0]) if delay else 0.0)
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
    if len(sys.argv) > 5:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[4], sys.argv[5])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
