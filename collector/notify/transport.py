"""One HTTP POST for the chat and webhook channels (aiohttp): the answer, or a DeliveryError
of a small fixed kind, worded without secrets.

`timeout` bounds the whole exchange, so a server that accepts and never answers (or answers
forever) costs that long and no more; an answer's body is read up to `ANSWER_LIMIT` bytes.
TLS is checked against the system's CAs, or `ca_file`'s.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from collector.notify.outbox import DeliveryError

ANSWER_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    headers: Mapping[str, str]


def client_context(ca_file: Path | None, channel_down: bool = True) -> ssl.SSLContext | None:
    """The TLS context for ``ca_file`` (None: aiohttp's default, the system's CAs)."""
    if ca_file is None:
        return None
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as err:
        reason = getattr(err, "strerror", None) or getattr(err, "reason", None) or err
        raise DeliveryError("tls", f"cannot use ca_file {ca_file}: {reason}",
                            channel_down=channel_down) from None


async def post(url: str, *, timeout: float, channel_down: bool,
               ca_file: Path | None = None, scrub: Callable[[str], str] = str,
               read: bool = True, **request: Any) -> Answer:
    """POST to ``url`` (``request``: aiohttp's json=, data=, headers=…); without ``read``
    the answer's body is not waited for (its status says all). A failure is a DeliveryError
    that says the channel is down, or only this message's recipient (``channel_down``);
    ``scrub`` takes secrets out of its words."""
    context = client_context(ca_file, channel_down)
    try:
        async with aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=timeout)) as session, \
                session.post(url, allow_redirects=False, ssl=context if context else True,
                             **request) as response:
            body = bytearray()
            while read and not response.content.at_eof():
                body += await response.content.read(ANSWER_LIMIT + 1 - len(body))
                if len(body) > ANSWER_LIMIT:
                    raise DeliveryError("server", f"HTTP {response.status}, an answer over "
                                        f"{ANSWER_LIMIT} bytes", channel_down=channel_down)
            return Answer(response.status, body.decode("utf-8", "replace"),
                          dict(response.headers))
    except TimeoutError:
        raise DeliveryError("timeout", f"no answer within {timeout:g} s",
                            channel_down=channel_down) from None
    except aiohttp.ClientSSLError as err:
        raise DeliveryError("tls", scrub(str(err) or type(err).__name__),
                            channel_down=channel_down) from None
    except aiohttp.ClientError as err:
        raise DeliveryError("connect", scrub(str(err) or type(err).__name__),
                            channel_down=channel_down) from None
