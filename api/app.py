"""The FastAPI application: GraphQL at ``/graphql`` (GraphiQL in a browser), the explorer page at ``/``."""

from __future__ import annotations

from contextlib import asynccontextmanager
from collections.abc import AsyncIterator
from importlib import resources

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from strawberry.fastapi import GraphQLRouter

from loupan.api.context import Context
from loupan.api.schema import schema
from loupan.config import Settings
from loupan.graph import open_store
from loupan.graph.search import CachedIndex
from loupan.graph.store import GraphStore


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> FastAPI:
    """An app over ``store`` (or the store the settings name, opened at start-up, closed at shutdown)."""
    settings = settings or Settings()
    state: dict[str, object] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        state["store"] = store if store is not None else open_store(settings)
        state["index"] = CachedIndex(state["store"])
        try:
            yield
        finally:
            if owned:
                state["store"].close()  # type: ignore[attr-defined]

    async def get_context() -> Context:
        return Context(store=state["store"], index=state["index"])  # type: ignore[arg-type]

    app = FastAPI(title="loupan", lifespan=lifespan)
    app.include_router(GraphQLRouter(schema, context_getter=get_context, graphql_ide="graphiql"), prefix="/graphql")

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "store": settings.store_description})

    @app.get("/", response_class=HTMLResponse)
    async def index() -> str:
        page = resources.files("loupan.api").joinpath("static/index.html")
        return page.read_text(encoding="utf-8") if page.is_file() else "<p>loupan: GraphQL at <a href='/graphql'>/graphql</a></p>"

    return app
