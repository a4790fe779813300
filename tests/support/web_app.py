"""An aiohttp application served on a free loopback port, over TLS when given a context."""

from __future__ import annotations

import ssl

from aiohttp import web


async def serve_app(application: web.Application,
                    context: ssl.SSLContext | None = None) -> tuple[web.AppRunner, int]:
    """The running server's runner (``await runner.cleanup()`` stops it) and its port."""
    runner = web.AppRunner(application)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


def server_context(cert_file, key_file) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context
