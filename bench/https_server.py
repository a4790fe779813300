"""A small HTTPS server for the service-check benchmark: every path answers 200 with a short
body and closes the connection, on loopback, with the certificate it is given.

    python -m bench.https_server ADDRESS PORT CERT_FILE KEY_FILE

Prints "ready" once it listens. One asyncio process: both tools under test call the same
server at the same pace, so what it costs weighs the same on each.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import sys

BODY = b"<h1>SIMPEG - Masuk</h1>"
ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
          + str(len(BODY)).encode() + b"\r\nConnection: close\r\n\r\n" + BODY)


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ssl.SSLError, asyncio.IncompleteReadError):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(ANSWER)
        await writer.drain()
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):
        await writer.wait_closed()


async def main() -> None:
    address, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = await asyncio.start_server(handle, address, port, ssl=context, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
