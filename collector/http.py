"""The collector's HTTP server: /metrics for Prometheus, /healthz for supervisors."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry

HealthCheck = Callable[[], tuple[bool, str]]


def build_http_app(registry: CollectorRegistry, health: HealthCheck,
                   routes: Iterable[web.AbstractRouteDef] = ()) -> web.Application:
    """/metrics and /healthz, plus the ``routes`` other parts of the collector serve."""
    async def metrics(_request: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_request: web.Request) -> web.Response:
        healthy, reason = health()
        return web.Response(text=reason + "\n", status=200 if healthy else 503)

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.add_routes(list(routes))
    return app


class HttpServer:
    def __init__(self, app: web.Application, host: str, port: int,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        # Bodies are inflated by whoever reads them (the push endpoint, with caps), never by
        # the server on its own; and a body left unread (a request refused on its headers) is
        # not read to its end before the connection closes: a refusal costs nothing more.
        self._runner = web.AppRunner(app, access_log=None, auto_decompress=False,
                                     lingering_time=0)
        self._host = host
        self._port = port
        self._ssl_context = ssl_context

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port, reuse_address=True,
                           ssl_context=self._ssl_context)
        await site.start()

    @property
    def port(self) -> int:
        """The bound port (useful when the config asked for port 0)."""
        for address in self._runner.addresses:
            return int(address[1])
        return self._port

    async def stop(self) -> None:
        await self._runner.cleanup()
