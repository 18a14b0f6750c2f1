"""The FastAPI application: GraphQL at ``/graphql`` (GraphiQL in a browser), the explorer page at ``/``.

Errors leave as GraphQL errors whose ``extensions.code`` is stable: a loupan error's own code,
``BAD_USER_INPUT`` for arguments that cannot work, ``GRAPHQL_VALIDATION_FAILED`` for queries that
break the schema or its limits (depth, tokens, aliases), ``INTERNAL`` (message hidden) otherwise.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any, cast

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from graphql import GraphQLError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from loupan.api.auth import KeyRing
from loupan.api.context import Context, IngestService
from loupan.api.lane import PostedOperations
from loupan.api.limit import WorkLimit
from loupan.api.schema import schema
from loupan.config import Settings, anonymous_may_read
from loupan.errors import Forbidden, LoupanError
from loupan.graph import open_store
from loupan.graph.search import CachedIndex, settle_heap
from loupan.graph.store import GraphStore

log = logging.getLogger("loupan.api")


def error_code(error: GraphQLError) -> str:
    original = error.original_error
    if original is None:
        return "GRAPHQL_VALIDATION_FAILED"
    if isinstance(original, LoupanError):
        return original.code
    if isinstance(original, (ValueError, TypeError)):
        return "BAD_USER_INPUT"
    return "INTERNAL"


class Router(GraphQLRouter[Context, None]):
    def encode_json(self, data: object) -> bytes:
        """UTF-8 JSON with Chinese as it is (strawberry's default escapes every character outside
        ASCII, six bytes where UTF-8 takes three), encoded by orjson: the benchmark's flagship answer
        at 1M nodes shrank from 562 to 362 kB, and its encoding under the profiler from 8 to 1.4 ms
        (``bench/README.md``). What orjson refuses (an integer beyond 64 bits in ``attrs``) goes
        through ``json``."""
        try:
            return orjson.dumps(data)
        except TypeError:  # orjson.JSONEncodeError is one
            return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            errors: list[dict[str, Any]] = []
            for err in result.errors:
                formatted: dict[str, Any] = dict(err.formatted)
                code = error_code(err)
                if code == "INTERNAL":
                    log.error("internal error in a GraphQL request", exc_info=err.original_error)
                    formatted["message"] = "internal error; the server log has the details"
                formatted["extensions"] = {**(formatted.get("extensions") or {}), "code": code}
                errors.append(formatted)
            response["errors"] = errors
        if result.extensions:
            response["extensions"] = result.extensions
        return cast(GraphQLHTTPResponse, response)


def create_app(settings: Settings | None = None, store: GraphStore | None = None, *,
               settle: bool = False, warm_index: bool | None = None) -> FastAPI:
    """An app over ``store`` (or the store the settings name, opened at start-up, closed at shutdown).

    ``settle``: the app owns its process (``loupan serve``), so after start-up and after each build of
    the name index the heap is frozen out of the garbage collector's way (:func:`settle_heap`). Off
    for an app embedded in another program, tests included: freezing is process-wide.
    ``warm_index`` (default: ``settle`` and ``LOUPAN_WARM_INDEX``): start building the name index at
    start-up, in a thread, rather than on the first search (a minute at a million nodes);
    ``/healthz`` tells its state."""
    settings = settings or Settings()
    warm_index = (settle and settings.warm_index) if warm_index is None else warm_index
    keys = KeyRing(settings.api_keys.get_secret_value(), anonymous_may_read(settings))
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        state["store"] = store if store is not None else open_store(settings)
        state["index"] = CachedIndex(state["store"], settle=settle)
        if settle:
            settle_heap()  # what start-up loaded lives as long as the app
        if warm_index:
            state["index"].warm()
        state["ingest"] = IngestService(state["store"])
        try:
            async with state["store"].reads_on_loop():  # the small reads on this loop, not in threads
                yield
        finally:
            if owned:
                state["store"].close()

    async def context_of(headers: Any) -> Context:
        try:
            principal = keys.identify(headers.get("authorization"))
        except Forbidden:
            principal = None
        ctx = Context(store=state["store"], index=state["index"], ingest_service=state["ingest"])
        if principal is None:
            ctx.user, ctx.roles = "invalid-key", frozenset()
        else:
            ctx.user, ctx.roles = principal.name, principal.roles
        return ctx

    async def get_context(request: Request) -> Context:
        return await context_of(request.headers)

    router = Router(schema, context_getter=get_context, graphql_ide="graphiql")
    app = FastAPI(title="loupan", lifespan=lifespan)
    app.add_middleware(PostedOperations, router=router, context_of=context_of)
    app.add_middleware(WorkLimit, slots=settings.work_slots)  # added last, so outermost: it holds the lane too
    app.include_router(router, prefix="/graphql")

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "store": settings.store_description,
                             "search_index": state["index"].state()})

    static = resources.files("loupan.api").joinpath("static")

    @app.get("/", response_class=HTMLResponse)
    async def index() -> str:
        page = static.joinpath("index.html")
        return page.read_text(encoding="utf-8") if page.is_file() else "<p>loupan: GraphQL at <a href='/graphql'>/graphql</a></p>"

    if static.is_dir():
        app.mount("/static", StaticFiles(directory=str(static)), name="static")
    return app


def served_app() -> FastAPI:
    """The app of one worker of ``loupan serve --workers N``: its settings from the environment, its
    own store connection and name index, its heap settled (the process is the app's)."""
    return create_app(Settings(), settle=True)
