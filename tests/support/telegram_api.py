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
    return check_reply_markup(params.get("reply_markup"))


BUTTON_ACTIONS = {"url", "callback_data", "web_app", "login_url", "switch_inline_query",
                  "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                  "copy_text", "callback_game", "pay"}


def check_reply_markup(markup: object) -> str | None:
    """An InlineKeyboardMarkup as the API takes it: rows of buttons, each with a text and
    exactly one action; callback_data 1-64 bytes (https://core.telegram.org/bots/api
    #inlinekeyboardbutton)."""
    if markup is None:
        return None
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        return "Bad Request: can't parse reply keyboard markup JSON object"
    for row in markup["inline_keyboard"]:
        if not isinstance(row, list):
            return "Bad Request: can't parse reply keyboard markup JSON object"
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                return "Bad Request: can't parse inline keyboard button: Text must be a String"
            if not button["text"].strip():
                return "Bad Request: BUTTON_TEXT_INVALID"
            actions = BUTTON_ACTIONS & set(button)
            if len(actions) != 1:
                return "Bad Request: text buttons are unallowed in the inline keyboard"
            data = button.get("callback_data")
            if "callback_data" in button and not (
                    isinstance(data, str) and 1 <= len(data.encode()) <= 64):
                return "Bad Request: BUTTON_DATA_INVALID"
    return None


def buttons_of(markup: object) -> list[str]:
    """The callback_data of every button of a (valid) reply_markup."""
    if not isinstance(markup, dict):
        return []
    return [button["callback_data"] for row in markup.get("inline_keyboard", [])
            for button in row if "callback_data" in button]


ANSWER_LIMIT = 200
"""answerCallbackQuery's text: 0-200 characters."""
UPDATES_ALLOWED = {"message", "edited_message", "channel_post", "edited_channel_post",
                   "callback_query", "inline_query", "chosen_inline_result", "my_chat_member",
                   "chat_member", "chat_join_request", "poll", "poll_answer"}


class BotApiServer:
    """A stand-in for Telegram's Bot API on a loopback port, for what Pantau calls:
    `sendMessage`, `editMessageText`, `getUpdates` (a long poll; a second poll ends the first
    with 409, as Telegram does) and `answerCallbackQuery`. The answers are shaped as the real
    API's (`ok`, `result` or `error_code` and `description`, `parameters.retry_after` with
    429), and every request is checked as the real API checks it. Message ids count per chat.
    ``press`` is a person pressing a button of a message (only one that the message shows).
    Set ``down`` to answer 502, ``flood`` to answer 429 with that many seconds."""

    def __init__(self, token: str, chats: set[int | str], blocked: set[int | str] = frozenset()
                 ) -> None:
        self.token = token
        self.chats = {str(chat) for chat in chats}
        self.blocked = {str(chat) for chat in blocked}
        self.messages: list[dict] = []
        """Every message sent, as sendMessage took it."""
        self.shown: dict[tuple[str, int], dict] = {}
        """Each message as it shows now, by (chat, message_id): text and reply_markup."""
        self.edits: list[dict] = []
        self.answers: list[dict] = []
        self.polls = 0
        self.down = False
        self.flood: int | None = None
        self.port = 0
        self.scheme = "http"
        self._runner = None
        self._updates: list[dict] = []
        self._next_update = 1
        self._queries: dict[str, bool] = {}
        self._arrived = None
        self._poller = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    async def start(self, context=None) -> BotApiServer:
        """Serve on a free loopback port, over TLS with ``context`` (an ssl.SSLContext)."""
        import asyncio

        from aiohttp import web

        from tests.support.web_app import serve_app

        self._arrived = asyncio.Event()
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner, self.port = await serve_app(app, context)
        self.scheme = "https" if context is not None else "http"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def press(self, chat: int | str, message_id: int, data: str,
                    user: dict | None = None) -> str:
        """A person presses the button with ``data`` under a message; the query's id."""
        shown = self.shown.get((str(chat), message_id))
        if shown is None or data not in buttons_of(shown.get("reply_markup")):
            raise AssertionError(f"message {message_id} in chat {chat} shows no button {data!r}")
        query_id = str(1000 + self._next_update)
        self._queries[query_id] = False
        self._updates.append({"update_id": self._next_update, "callback_query": {
            "id": query_id, "chat_instance": "1",
            "from": user or {"id": 4242, "is_bot": False, "first_name": "Budi",
                             "username": "budi_noc"},
            "message": {"message_id": message_id, "date": 0,
                        "chat": {"id": int(chat) if str(chat).lstrip("-").isdigit() else 0,
                                 "type": "supergroup"},
                        "text": parse_html(shown["text"])},
            "data": data}})
        self._next_update += 1
        self._arrived.set()
        return query_id

    def answered(self, query_id: str) -> dict | None:
        return next((a for a in self.answers if a["callback_query_id"] == query_id), None)

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
        handler = {"sendMessage": self._send, "editMessageText": self._edit,
                   "getUpdates": self._get_updates,
                   "answerCallbackQuery": self._answer}.get(method)
        if handler is None:
            return error(404, "Not Found")
        try:
            params = await request.json()
        except ValueError:
            return error(400, "Bad Request: invalid JSON")
        if not isinstance(params, dict):
            return error(400, "Bad Request: parameters must be an object")
        outcome = await handler(params)
        if isinstance(outcome, tuple):
            return error(*outcome)
        return web.json_response({"ok": True, "result": outcome})

    def _chat(self, params: dict) -> tuple[int, str] | str:
        """The chat a message is for, once its text and buttons pass; or the error."""
        problem = check_send_message(params)
        if problem is not None:
            return 400, problem
        chat = str(params["chat_id"])
        if chat in self.blocked:
            return 403, "Forbidden: bot was blocked by the user"
        if chat not in self.chats:
            return 400, "Bad Request: chat not found"
        return chat

    async def _send(self, params: dict):
        chat = self._chat(params)
        if isinstance(chat, tuple):
            return chat
        self.messages.append(params)
        message_id = 1 + sum(1 for shown_chat, _ in self.shown if shown_chat == chat)
        self.shown[(chat, message_id)] = {"text": params["text"],
                                          "reply_markup": params.get("reply_markup")}
        return {"message_id": message_id, "chat": {"id": params["chat_id"]}, "date": 0,
                "text": parse_html(params["text"])
                if params.get("parse_mode") == "HTML" else params["text"]}

    async def _edit(self, params: dict):
        if "inline_message_id" not in params and not isinstance(params.get("message_id"), int):
            return 400, "Bad Request: message identifier is not specified"
        chat = self._chat(params)
        if isinstance(chat, tuple):
            return chat
        shown = self.shown.get((chat, params["message_id"]))
        if shown is None:
            return 400, "Bad Request: message to edit not found"
        markup = params.get("reply_markup")
        if shown["text"] == params["text"] and shown["reply_markup"] == markup:
            return 400, ("Bad Request: message is not modified: specified new message content "
                         "and reply markup are exactly the same as a current content and reply "
                         "markup of the message")
        # Without reply_markup the edited message shows no keyboard any more.
        shown.update(text=params["text"], reply_markup=markup)
        self.edits.append(params)
        return {"message_id": params["message_id"], "chat": {"id": params["chat_id"]},
                "date": 0, "text": parse_html(params["text"])}

    async def _get_updates(self, params: dict):
        import asyncio

        for name in ("offset", "limit", "timeout"):
            if name in params and not isinstance(params[name], int):
                return 400, f"Bad Request: field \"{name}\" must be of type Integer"
        allowed = params.get("allowed_updates")
        if allowed is not None and (not isinstance(allowed, list)
                                    or not set(allowed) <= UPDATES_ALLOWED):
            return 400, "Bad Request: can't parse allowed updates"
        limit = params.get("limit", 100)
        if not 1 <= limit <= 100:
            return 400, "Bad Request: limit must be between 1 and 100"
        offset = params.get("offset")
        if offset is not None:
            # Updates below the offset are confirmed: Telegram forgets them.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(False)
        self.polls += 1
        poller = self._poller = asyncio.get_running_loop().create_future()
        deadline = asyncio.get_running_loop().time() + params.get("timeout", 0)
        while not self._updates:
            self._arrived.clear()
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            waiting = asyncio.ensure_future(self._arrived.wait())
            await asyncio.wait({waiting, poller}, timeout=left,
                               return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            if poller.done():
                return 409, ("Conflict: terminated by other getUpdates request; make sure that "
                             "only one bot instance is running")
        if not poller.done():
            poller.set_result(True)
        return self._updates[:limit]

    async def _answer(self, params: dict):
        query_id = params.get("callback_query_id")
        if query_id not in self._queries:
            return 400, "Bad Request: query is too old and response timeout expired or query " \
                "ID is invalid"
        text = params.get("text", "")
        if not isinstance(text, str) or len(text) > ANSWER_LIMIT:
            return 400, "Bad Request: MESSAGE_TOO_LONG"
        if self._queries[query_id]:
            return 400, "Bad Request: query is too old and response timeout expired or query " \
                "ID is invalid"
        self._queries[query_id] = True
        self.answers.append(params)
        return True
