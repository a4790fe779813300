"""The collector's HTTP server: /metrics for Prometheus, /healthz for supervisors."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from collector.connections import ConnectionLimits, LimitedProtocol

HealthCheck = Callable[[], tuple[bool, str]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MetricsPage = Callable[[str | None], tuple[bytes, str]]
"""The metrics for a request's Accept header: the body and its Content-Type."""


def build_http_app(page: MetricsPage, health: HealthCheck,
                   routes: Iterable[web.AbstractRouteDef] = ()) -> web.Application:
    """/metrics and /healthz, plus the ``routes`` other parts of the collector serve.

    /metrics is compressed (gzip) when the request accepts it, as Prometheus' does."""
    async def metrics(request: web.Request) -> web.Response:
        body, content_type = page(request.headers.get("Accept"))
        response = web.Response(body=body, headers={"Content-Type": content_type})
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            response.enable_compression(web.ContentCoding.gzip)
        return response

    async def healthz(_request: web.Request) -> web.Response:
        healthy, reason = health()
        return web.Response(text=reason + "\n", status=200 if healthy else 503)

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.add_routes(list(routes))
    return app


class RouteTable:
    """Routes whose handlers a reload replaces: the paths are served from the start, each
    request by the handler of the config in force when it arrives."""

    def __init__(self, routes: Iterable[web.RouteDef]) -> None:
        routes = list(routes)
        self._handlers: dict[tuple[str, str], Handler] = {}
        self._keys = [(route.method, route.path) for route in routes]
        self.replace(routes)

    def replace(self, routes: Iterable[web.RouteDef]) -> None:
        handlers = {(route.method, route.path): route.handler for route in routes}
        if sorted(handlers) != sorted(self._keys):
            raise ValueError(f"routes differ: {sorted(handlers)} for {sorted(self._keys)}")
        self._handlers = handlers

    def defs(self) -> list[web.RouteDef]:
        return [web.route(method, path, self._delegate((method, path)))
                for method, path in self._keys]

    def _delegate(self, key: tuple[str, str]) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._handlers[key](request)
        return handle


HEADER_TIMEOUT = 10.0
"""A connection must have sent a whole request's headers within this long of opening (or of
its last answer): a client that dribbles its headers, or holds an idle connection open, is
closed then, and holds no file descriptor the scrapes need."""


class HttpServer:
    def __init__(self, app: web.Application, host: str, port: int,
                 ssl_context: ssl.SSLContext | None = None,
                 header_timeout: float = HEADER_TIMEOUT,
                 limits: ConnectionLimits | None = None) -> None:
        # Bodies are inflated by whoever reads them (the push endpoint, with caps), never by
        # the server on its own; and a body left unread (a request refused on its headers) is
        # not read to its end before the connection closes: a refusal costs nothing more.
        self._runner = web.AppRunner(app, access_log=None, auto_decompress=False,
                                     lingering_time=0, keepalive_timeout=header_timeout)
        self._host = host
        self._port = port
        self._ssl_context = ssl_context
        self.limits = limits or ConnectionLimits()
        self._listener: asyncio.Server | None = None

    async def start(self) -> None:
        await self._runner.setup()
        server = self._runner.server
        assert server is not None
        # Every connection passes the limits before the server's protocol sees it.
        self._listener = await asyncio.get_running_loop().create_server(
            lambda: LimitedProtocol(server(), self.limits), self._host, self._port,
            ssl=self._ssl_context, reuse_address=True, backlog=1024)

    @property
    def port(self) -> int:
        """The bound port (useful when the config asked for port 0)."""
        if self._listener is not None and self._listener.sockets:
            return int(self._listener.sockets[0].getsockname()[1])
        return self._port

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
        await self._runner.cleanup()
        if self._listener is not None:
            await self._listener.wait_closed()
            self._listener = None
