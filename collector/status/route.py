"""`GET /`: the status page, rendered afresh at each request."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from collector.config import CollectorConfig
from collector.state import StateStore
from collector.state.services import ServiceState
from collector.status.page import render_page
from collector.status.view import Acknowledgements

# The page shows the state of one moment; a cached copy would show an old outage as current.
# It runs no script and loads nothing, so the policy forbids both should escaping ever fail.
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
}


def status_routes(store: StateStore, config: CollectorConfig,
                  clock: Callable[[], float] = time.time,
                  services: ServiceState | None = None,
                  acknowledgements: Callable[[], Acknowledgements] | None = None,
                  ) -> list[web.RouteDef]:
    async def page(_request: web.Request) -> web.Response:
        acks = None if acknowledgements is None else acknowledgements()
        return web.Response(text=render_page(store, config, clock(), services, acks),
                            content_type="text/html", charset="utf-8", headers=HEADERS)

    return [web.get("/", page)]
