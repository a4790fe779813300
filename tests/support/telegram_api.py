"""What Telegram's Bot API accepts in `sendMessage` with `parse_mode: HTML`, checked as the
real API checks it (https://core.telegram.org/bots/api#sendmessage and #html-style): the
text 1-4096 characters once its entities are parsed, only the tags the API knows, properly
nested and closed, `<`, `>` and `&` escaped everywhere else, only the named entities `&lt;`,
`&gt;`, `&amp;` and `&quot;` (and numeric ones). The stand-in Bot API server of the tests
answers with these errors, worded as Telegram words them."""

from __future__ import annotations

import html
import re

TEXT_LIMIT = 4096
PARSE_MODES = {"HTML", "MarkdownV2", "Markdown"}
TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
        "code", "pre", "blockquote", "tg-emoji"}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TOKEN = re.compile(r"<(/?)([A-Za-z][\w-]*)((?:\s[^<>]*)?)>|&(#\d+|#x[0-9a-fA-F]+|\w+);|[<>&]")


def parse_html(text: str) -> str:
    """The text Telegram shows for ``text`` in HTML parse mode; raises ValueError with the
    API's description for what it would refuse."""
    shown: list[str] = []
    open_tags: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        shown.append(text[position:match.start()])
        position = match.end()
        closing, tag, _, entity = match.group(1), match.group(2), match.group(3), match.group(4)
        if tag is not None:
            name = tag.lower()
            if name not in TAGS:
                raise ValueError(f"Bad Request: can't parse entities: Unsupported start tag "
                                 f'"{name}" at byte offset {match.start()}')
            if closing:
                if not open_tags or open_tags.pop() != name:
                    raise ValueError(f"Bad Request: can't parse entities: Unexpected end tag "
                                     f"at byte offset {match.start()}")
            else:
                open_tags.append(name)
        elif entity is not None:
            if entity.startswith("#"):
                shown.append(html.unescape(f"&{entity};"))
            elif entity in NAMED_ENTITIES:
                shown.append(NAMED_ENTITIES[entity])
            else:
                raise ValueError(f"Bad Request: can't parse entities: Unsupported HTML entity "
                                 f'"&{entity};" at byte offset {match.start()}')
        else:
            raise ValueError(f"Bad Request: can't parse entities: Unexpected {match.group(0)!r}"
                             f" at byte offset {match.start()}; escape it")
    shown.append(text[position:])
    if open_tags:
        raise ValueError(f"Bad Request: can't parse entities: Can't find end tag "
                         f'corresponding to start tag "{open_tags[-1]}"')
    return "".join(shown)


def check_send_message(params: dict) -> str | None:
    """The error the Bot API gives for these `sendMessage` parameters, or None."""
    if "chat_id" not in params:
        return "Bad Request: chat_id is empty"
    text = params.get("text")
    if not isinstance(text, str) or not text:
        return "Bad Request: message text is empty"
    mode = params.get("parse_mode")
    if mode is not None and mode not in PARSE_MODES:
        return f"Bad Request: unsupported parse_mode {mode!r}"
    if mode == "HTML":
        try:
            text = parse_html(text)
        except ValueError as err:
            return str(err)
    if not text.strip():
        return "Bad Request: message text is empty"
    if len(text.encode("utf-16-le")) // 2 > TEXT_LIMIT:
        return "Bad Request: message is too long"
    return None


class BotApiServer:
    """A stand-in for Telegram's Bot API on a loopback port, for what Pantau calls
    (`sendMessage`; `getUpdates`, `editMessageText` and `answerCallbackQuery` follow): the
    answers are shaped as the real API's (`ok`, `result` or `error_code` and `description`,
    `parameters.retry_after` with 429), and every request is checked as the real API checks
    it. Set ``down`` to answer 502, ``flood`` to answer 429 with that many seconds."""

    def __init__(self, token: str, chats: set[int | str], blocked: set[int | str] = frozenset()
                 ) -> None:
        self.token = token
        self.chats = {str(chat) for chat in chats}
        self.blocked = {str(chat) for chat in blocked}
        self.messages: list[dict] = []
        self.down = False
        self.flood: int | None = None
        self.port = 0
        self._runner = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> BotApiServer:
        from aiohttp import web

        from tests.support.web_app import serve_app

        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner, self.port = await serve_app(app)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request):
        from aiohttp import web

        def error(code: int, description: str, **extra) -> web.Response:
            return web.json_response({"ok": False, "error_code": code,
                                      "description": description, **extra}, status=code)

        if self.down:
            return web.Response(status=502, text="<html>502 Bad Gateway</html>")
        if request.match_info["token"] != self.token:
            return error(401, "Unauthorized")
        if self.flood is not None:
            return error(429, f"Too Many Requests: retry after {self.flood}",
                         parameters={"retry_after": self.flood})
        method = request.match_info["method"]
        if method != "sendMessage":
            return error(404, "Not Found")
        try:
            params = await request.json()
        except ValueError:
            return error(400, "Bad Request: invalid JSON")
        problem = check_send_message(params)
        if problem is not None:
            return error(400, problem)
        chat = str(params["chat_id"])
        if chat in self.blocked:
            return error(403, "Forbidden: bot was blocked by the user")
        if chat not in self.chats:
            return error(400, "Bad Request: chat not found")
        self.messages.append(params)
        return web.json_response({"ok": True, "result": {
            "message_id": len(self.messages), "chat": {"id": params["chat_id"]},
            "date": 0, "text": parse_html(params["text"])
            if params.get("parse_mode") == "HTML" else params["text"]}})
