"""The common GraphQL request served without the web framework's routing: ``POST /graphql`` with a
JSON body that is one operation.

Through FastAPI, every such request pays for routing, the dependency injection of the context, a
``Request`` and a ``Response`` object, and strawberry's view deciding what kind of request it is:
about a third of a served process's CPU on a small answer (``bench/README.md``, "A lane for the
common request; httptools; the small reads on the event loop").
This ASGI layer sits inside the app (behind the work limit) and answers that one kind itself: it
reads the body, builds the same :class:`Context`, executes through the same schema and the same
:meth:`Router.process_result` and :meth:`Router.encode_json`, so the answer is the router's, byte for
byte. Anything else, or anything it would answer with an error of HTTP rather than of GraphQL (a
body that is not JSON, a batch, a ``query`` that is not a string, an operation the request cannot
run, a streaming ``Accept``), it hands on to the app untouched, with the body it has read replayed,
so the router answers as it always has.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

if TYPE_CHECKING:
    from loupan.api.app import Router

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]

POST_OPERATIONS = frozenset(OperationType.from_http("POST"))
_JSON = b"application/json"
_STREAMING = (b"multipart/", b"text/event-stream")


def _media_type(value: bytes) -> bytes:
    return value.split(b";", 1)[0].strip().lower()


class PostedOperations:
    """ASGI middleware: ``POST path`` with a JSON object body executed by ``router`` without routing.

    ``context_of(headers)``: the request's :class:`Context` from its headers (a mapping of lower-case
    header names to values), as the router's context getter builds it."""

    def __init__(self, app: ASGIApp, router: Router, context_of: Callable[[dict[str, str]], Awaitable[Any]],
                 path: str = "/graphql") -> None:
        self.app = app
        self.router = router
        self.context_of = context_of
        self.path = path

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            key = name.decode("latin-1").lower()
            if key in headers:  # a repeated header: the router's reading of it decides
                await self.app(scope, receive, send)
                return
            headers[key] = value.decode("latin-1")
        accept = headers.get("accept", "").encode("latin-1").lower()
        if (_media_type(headers.get("content-type", "").encode("latin-1")) != _JSON
                or any(kind in accept for kind in _STREAMING)):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        answer = await self._answer(body, headers)
        if answer is None:
            await self.app(scope, _replay(body, receive), send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(answer)).encode("ascii")),
                                (b"content-type", _JSON)]})
        await send({"type": "http.response.body", "body": answer})

    async def _answer(self, body: bytes, headers: dict[str, str]) -> bytes | None:
        """The encoded answer, or None for the router to answer (see the module's docstring)."""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict):
            return None
        query, variables = data.get("query"), data.get("variables")
        name, extensions = data.get("operationName"), data.get("extensions")
        if (not isinstance(query, str) or not isinstance(variables, (dict, type(None)))
                or not isinstance(extensions, (dict, type(None)))):
            return None
        context = await self.context_of(headers)
        try:
            result = await self.router.schema.execute(
                query, variable_values=variables, context_value=context, operation_name=name,
                allowed_operation_types=POST_OPERATIONS, operation_extensions=extensions)
        except (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError):
            return None  # raised before anything ran: the router raises it again and answers 400
        return self.router.encode_json(await self.router.process_result(None, result))  # type: ignore[arg-type]


def _replay(body: bytes, receive: Any) -> Any:
    """``receive`` with the body already read given again first."""
    sent = False

    async def replayed() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        message: dict[str, Any] = await receive()
        return message

    return replayed
