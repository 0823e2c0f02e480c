"""An in-memory Telegram Bot API: a `telegram.request.BaseRequest` that never touches the network.

`python -m bot console` and the tests share it. It records every call, answers the methods the
bot uses with realistic objects, keeps the files users "uploaded" so getFile and downloads work,
and can be told to fail the next calls (429 with retry_after, 5xx, a dropped connection).
"""

from __future__ import annotations

import copy
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Tipline", "username": "tipline_bot"}
#: Telegram's limit for bots downloading files through the public Bot API.
DOWNLOAD_LIMIT = 20 * 1024 * 1024


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    result: Any = None


@dataclass
class _Failure:
    status: int
    retry_after: int | None = None
    network: bool = False
    description: str | None = None


class InMemoryBotApi(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = defaultdict(lambda: 1)
        self._files: dict[str, bytes] = {}
        self._file_seq = 0
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._refusing: dict[int, tuple[int, str]] = {}
        #: The command menus set, by (scope type, scope chat id or None, language code or "").
        self.command_menus: dict[tuple[str, int | None, str], list[dict[str, str]]] = {}
        #: Every message deleteMessage removed, as (chat id, message id), in order.
        self.deleted: list[tuple[int, int]] = []

    # -- BaseRequest -------------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:
            return self._download(url)
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files = self._uploads(request_data)
        call = ApiCall(api_method, params, files)
        self.calls.append(call)
        failure = self._take_failure(api_method)
        if failure is not None:
            if failure.network:
                raise NetworkError("in-memory Bot API: connection dropped (simulated)")
            return self._error(failure.status, failure.retry_after, failure.description)
        handler = getattr(self, f"_api_{api_method}", None)
        if handler is None:
            return self._reply(
                400,
                {"ok": False, "error_code": 400, "description": f"Bad Request: in-memory Bot API has no {api_method}"},
            )
        result = handler(params, files)
        call.result = copy.deepcopy(result)  # later edits must not rewrite what was seen
        if isinstance(result, tuple):  # (status, description): an error the real API would give
            return self._reply(result[0], {"ok": False, "error_code": result[0], "description": result[1]})
        return self._reply(200, {"ok": True, "result": result})

    # -- control from tests --------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 429,
        retry_after: int | None = 1,
        network: bool = False,
        description: str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail as Telegram (or the network) would; `description`
        is Telegram's words for the error (e.g. "Bad Request: message can't be deleted for everyone")."""
        for _ in range(times):
            failure = _Failure(status, retry_after if status == 429 else None, network, description)
            self._failures[method].append(failure)

    def refuse_chat(
        self, chat_id: int, description: str = "Forbidden: bot was blocked by the user", status: int = 403
    ) -> None:
        """From now on, sending to `chat_id` fails with 403, as for a blocked bot or a group that removed it
        (or with `status`: 400 "Bad Request: chat not found" for a chat that does not exist)."""
        self._refusing[chat_id] = (status, description)

    def accept_chat(self, chat_id: int) -> None:
        """Undo refuse_chat: the chat takes messages again (the user unblocked the bot)."""
        self._refusing.pop(chat_id, None)

    def store_file(self, data: bytes) -> dict[str, Any]:
        """Keep bytes a user sends; returns file_id, file_unique_id and file_size for the update."""
        self._file_seq += 1
        file_id = f"F{self._file_seq:06d}"
        self._files[file_id] = data
        return {"file_id": file_id, "file_unique_id": f"U{self._file_seq:06d}", "file_size": len(data)}

    def new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] += 1
        return message_id

    def register_chat(self, chat: dict[str, Any]) -> None:
        self.chats[chat["id"]] = chat

    def calls_of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def sent_to(self, chat_id: int) -> list[ApiCall]:
        """The calls that put a message into `chat_id` (text, photo or document), in order."""
        methods = ("sendMessage", "sendPhoto", "sendDocument")
        return [c for c in self.calls if c.method in methods and int(c.params.get("chat_id", 0)) == chat_id]

    def menu_seen(self, chat_id: int, language_code: str = "") -> list[str]:
        """The commands a user whose app speaks `language_code` sees in their private chat with the bot,
        found the way Telegram does: this chat's scope, then all private chats, then the default; each
        with the language first, then without."""
        for scope in (("chat", chat_id), ("all_private_chats", None), ("default", None)):
            for lang in (language_code, ""):
                if (*scope, lang) in self.command_menus:
                    return [c["command"] for c in self.command_menus[(*scope, lang)]]
        return []

    # -- helpers -----------------------------------------------------------------------------

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        return queue.popleft() if queue else None

    @staticmethod
    def _reply(status: int, body: dict[str, Any]) -> tuple[int, bytes]:
        return status, json.dumps(body).encode()

    def _error(self, status: int, retry_after: int | None, description: str | None = None) -> tuple[int, bytes]:
        body: dict[str, Any] = {"ok": False, "error_code": status}
        if status == 429:
            body["description"] = f"Too Many Requests: retry after {retry_after}"
            body["parameters"] = {"retry_after": retry_after}
        else:
            body["description"] = "Internal Server Error" if status >= 500 else "Bad Request"
        if description is not None:
            body["description"] = description
        return self._reply(status, body)

    @staticmethod
    def _uploads(request_data: RequestData | None) -> dict[str, bytes]:
        if not request_data or not request_data.contains_files:
            return {}
        out = {}
        for name, part in request_data.multipart_data.items():
            content = part[1] if isinstance(part, tuple) else part
            out[name] = content if isinstance(content, bytes) else content.read()
        return out

    def _download(self, url: str) -> tuple[int, bytes]:
        file_id = url.rsplit("/", 1)[-1]
        self.calls.append(ApiCall("downloadFile", {"file_path": file_id}))
        data = self._files.get(file_id)
        return (200, data) if data is not None else (404, b'{"ok":false,"error_code":404}')

    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        cid = int(chat_id)
        return self.chats.get(cid) or {"id": cid, "type": "private" if cid > 0 else "group", "title": "group"}

    def _new_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any] | tuple[int, str]:
        if int(params["chat_id"]) in self._refusing:
            return self._refusing[int(params["chat_id"])]
        chat = self._chat(params["chat_id"])
        message = {
            "message_id": self.new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            **content,
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        if params.get("protect_content"):  # Telegram marks such a message: it cannot be forwarded or saved
            message["has_protected_content"] = True
        if "link_preview_options" in params:
            message["link_preview_options"] = params["link_preview_options"]
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    def _media(self, params: dict[str, Any], files: dict[str, bytes], key: str) -> dict[str, Any]:
        value = params.get(key)
        if isinstance(value, str) and not value.startswith("attach://"):
            return {"file_id": value, "file_unique_id": value, "file_size": len(self._files.get(value, b""))}
        data = next(iter(files.values()), b"")
        return self.store_file(data)

    # -- the methods -------------------------------------------------------------------------

    def _api_getMe(self, params, files):
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_deleteWebhook(self, params, files):
        return True

    def _api_getUpdates(self, params, files):
        return []

    @staticmethod
    def _menu_key(params: dict[str, Any]) -> tuple[str, int | None, str]:
        scope = params.get("scope") or {"type": "default"}
        chat_id = scope.get("chat_id")
        return str(scope["type"]), int(chat_id) if chat_id is not None else None, params.get("language_code") or ""

    def _api_setMyCommands(self, params, files):
        chat_id = (params.get("scope") or {}).get("chat_id")
        if chat_id is not None and int(chat_id) in self._refusing:
            return 400, "Bad Request: chat not found"
        self.command_menus[self._menu_key(params)] = list(params["commands"])
        return True

    def _api_deleteMyCommands(self, params, files):
        self.command_menus.pop(self._menu_key(params), None)
        return True

    def _api_getMyCommands(self, params, files):
        return self.command_menus.get(self._menu_key(params), [])

    def _api_setMyDescription(self, params, files):
        return True

    def _api_setMyShortDescription(self, params, files):
        return True

    def _api_sendChatAction(self, params, files):
        return True

    def _api_leaveChat(self, params, files):
        return True

    def _api_answerCallbackQuery(self, params, files):
        return True

    def _api_sendMessage(self, params, files):
        text = params.get("text", "")
        if not text.strip():
            return 400, "Bad Request: message text is empty"
        if len(text) > 4096:
            return 400, "Bad Request: message is too long"
        return self._new_message(params, text=text)

    def _api_sendPhoto(self, params, files):
        photo = self._media(params, files, "photo")
        return self._new_message(
            params,
            photo=[{**photo, "width": 800, "height": 600}],
            **({"caption": params["caption"]} if "caption" in params else {}),
        )

    def _api_sendDocument(self, params, files):
        doc = self._media(params, files, "document")
        return self._new_message(
            params, document=doc, **({"caption": params["caption"]} if "caption" in params else {})
        )

    def _edit(self, params: dict[str, Any], **changes: Any):
        if "inline_message_id" in params:
            return True
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            return 400, "Bad Request: message to edit not found"
        message.update(changes)
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    def _api_editMessageText(self, params, files):
        return self._edit(params, text=params["text"])

    def _api_editMessageReplyMarkup(self, params, files):
        return self._edit(params)

    def _api_deleteMessage(self, params, files):
        """A message the bot sent and that is gone already answers as Telegram does; a user's message
        (not kept here) is taken as deleted."""
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key in self.deleted:
            return 400, "Bad Request: message to delete not found"
        self.messages.pop(key, None)
        self.deleted.append(key)
        return True

    def _api_getFile(self, params, files):
        file_id = params["file_id"]
        data = self._files.get(file_id)
        if data is None:
            return 400, "Bad Request: invalid file_id"
        if len(data) > DOWNLOAD_LIMIT:
            return 400, "Bad Request: file is too big"
        return {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": len(data), "file_path": file_id}
