"""The lane for ``POST /graphql`` with a JSON body (``api/lane.py``): the router's answers, byte for
byte, without the router; and everything else handed to the router with the body intact."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from strawberry.http.async_base_view import AsyncBaseHTTPView

from loupan.api.app import Router, create_app
from loupan.api.auth import hash_key
from loupan.api.lane import PostedOperations
from loupan.api.schema import schema
from loupan.config import Settings
from loupan.graph.store import GraphStore
from loupan.ingest.pipeline import Ingestor

from .server import running

READER_KEY, EDITOR_KEY = "lp_lane_reader", "lp_lane_editor"
RECORDS = "\n".join(json.dumps(r, ensure_ascii=False) for r in [
    {"type": "project", "name": "滨江壹号", "developer": "海川地产集团有限公司", "city": "郑州市", "status": "停工"},
    {"type": "project", "name": "云栖府", "developer": "海川地产集团有限公司", "city": "西安市"},
])


@pytest.fixture(scope="module")
def base(module_store: GraphStore) -> Iterator[str]:
    assert Ingestor(module_store).ingest_records(RECORDS, "lane-test.jsonl") == 2
    settings = Settings(api_keys=SecretStr(f"rd:reader:{hash_key(READER_KEY)},ed:editor:{hash_key(EDITOR_KEY)}"),
                        anonymous_read=False)
    with running(create_app(settings, module_store)) as url:
        yield url


def _auth(key: str = READER_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


SEARCH = "query($q: String!) { search(query: $q, first: 5) { entity { name type } } }"
READS = [
    ({"query": SEARCH, "variables": {"q": "海川"}}, _auth()),
    ({"query": "query A { __typename } query B { stats { nodes } }", "operationName": "B"}, _auth()),
    ({"query": "query A { __typename } query B { stats { nodes } }"}, _auth()),
    ({"query": "{ nosuchfield }"}, _auth()),                                   # fails validation
    ({"query": "{ neighbors(id: \"x\", depth: 99) { truncated } }"}, _auth()),  # BAD_USER_INPUT
    ({"query": "{ stats { nodes } }"}, {}),                                    # anonymous: FORBIDDEN
    ({"query": "{ stats { nodes } }"}, _auth("lp_unknown")),                   # unknown key: FORBIDDEN
]


@pytest.mark.parametrize(("body", "headers"), READS)
def test_a_posted_read_is_answered_as_the_router_answers_it(base: str, body: dict[str, Any],
                                                             headers: dict[str, str]) -> None:
    """POST (the lane) and GET (the router: the lane takes only POST) give the same bytes."""
    posted = httpx.post(f"{base}/graphql", json=body, headers=headers, timeout=30)
    params = {k: json.dumps(v) if k == "variables" else v for k, v in body.items()}
    got = httpx.get(f"{base}/graphql", params=params, headers=headers, timeout=30)
    assert posted.status_code == got.status_code == 200
    assert posted.headers["content-type"] == got.headers["content-type"] == "application/json"
    assert posted.content == got.content
    assert posted.json().get("data") or posted.json().get("errors")


def test_the_lane_answers_without_the_router(base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the router was asked")

    monkeypatch.setattr(AsyncBaseHTTPView, "run", refuse)
    body = httpx.post(f"{base}/graphql", json={"query": SEARCH, "variables": {"q": "滨江壹号"}}, headers=_auth(),
                      timeout=30).json()
    assert body["data"]["search"][0]["entity"] == {"name": "滨江壹号", "type": "Project"}
    # a mutation too: the editor's key may ingest, the reader's may not
    ingest = 'mutation($t: JSON!) { ingestRecords(records: $t, source: "lane-mutation.jsonl") { records errors } }'
    record = [{"type": "project", "name": "澜庭苑", "developer": "海川地产集团有限公司", "city": "郑州市"}]
    refused = httpx.post(f"{base}/graphql", json={"query": ingest, "variables": {"t": record}}, headers=_auth(),
                         timeout=30).json()
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    done = httpx.post(f"{base}/graphql", json={"query": ingest, "variables": {"t": record}},
                      headers=_auth(EDITOR_KEY), timeout=30).json()
    assert done["data"]["ingestRecords"] == {"records": 1, "errors": []}


HANDED_ON = [
    # (body, content type, the router's status, a part of its answer)
    (b'{"query": "{ __typename }"', "application/json", 400, "Unable to parse request body as JSON"),
    (b'{"query": 7}', "application/json", 400, "`query` must be a string"),
    (b'{"query": "{ __typename }", "variables": [1]}', "application/json", 400, "`variables` must be an object"),
    (b"{}", "application/json", 400, "No GraphQL query found"),
    (b'{"query": ""}', "application/json", 400, "No GraphQL query found"),
    (b'{"query": "{ __typename }", "operationName": "Nope"}', "application/json", 400, 'Unknown operation named "Nope"'),
    (b'[{"query": "{ __typename }"}]', "application/json", 400, "Batching is not enabled"),
    (b'{"query": "{ __typename }"}', "text/plain", 400, "Unsupported content type"),
    # not the lane's (UTF-16, a NaN orjson refuses), answered by the router all the same
    ('{"query": "{ __typename }"}'.encode("utf-16"), "application/json", 200, '"__typename":"Query"'),
    (b'{"query": "{ __typename }", "extensions": {"x": NaN}}', "application/json", 200, '"__typename":"Query"'),
]


@pytest.mark.parametrize(("body", "content_type", "status", "text"), HANDED_ON)
def test_what_the_lane_does_not_take_reaches_the_router_whole(base: str, body: bytes, content_type: str,
                                                             status: int, text: str) -> None:
    response = httpx.post(f"{base}/graphql", content=body, headers={**_auth(), "content-type": content_type},
                          timeout=30)
    assert (response.status_code, text in response.text) == (status, True), response.text


# -- the ASGI layer alone: bodies in parts, clients that go away ------------------------------------

def _lane(app: Any) -> PostedOperations:
    async def context_of(_headers: dict[str, str]) -> Any:
        return None  # { __typename } reads no context

    return PostedOperations(app, Router(schema), context_of)


def _scope(headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http", "method": "POST", "path": "/graphql", "query_string": b"",
            "headers": headers if headers is not None else [(b"content-type", b"application/json")]}


def _run(lane: PostedOperations, scope: dict[str, Any], messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(lane(scope, receive, send))
    return sent


def _never(*_a: Any) -> Any:
    raise AssertionError("handed on")


def test_a_body_in_parts_is_read_whole() -> None:
    parts = [{"type": "http.request", "body": b'{"query": "{ __ty', "more_body": True},
             {"type": "http.request", "body": b'pename }"}', "more_body": False}]
    start, body = _run(_lane(_never), _scope(), parts)
    assert start["status"] == 200 and (b"content-type", b"application/json") in start["headers"]
    assert body["body"] == b'{"data":{"__typename":"Query"}}'
    assert (b"content-length", str(len(body["body"])).encode()) in start["headers"]


def test_a_client_gone_mid_body_gets_nothing_and_nothing_breaks() -> None:
    parts = [{"type": "http.request", "body": b'{"query": ', "more_body": True}, {"type": "http.disconnect"}]
    assert _run(_lane(_never), _scope(), parts) == []


def test_the_body_read_is_replayed_to_the_app_then_the_rest_of_the_messages() -> None:
    seen: list[dict[str, Any]] = []

    async def app(_scope: dict[str, Any], receive: Any, _send: Any) -> None:
        seen.append(await receive())
        seen.append(await receive())

    parts = [{"type": "http.request", "body": b"[1,", "more_body": True},
             {"type": "http.request", "body": b"2]", "more_body": False}]
    assert _run(_lane(app), _scope(), parts) == []
    assert seen == [{"type": "http.request", "body": b"[1,2]", "more_body": False}, {"type": "http.disconnect"}]


@pytest.mark.parametrize("scope", [
    {**_scope(), "method": "GET"},
    {**_scope(), "path": "/graphql/"},
    {**_scope(), "type": "websocket"},
    _scope([(b"content-type", b"application/json"), (b"accept", b"multipart/mixed;subscriptionSpec=1.0")]),
    _scope([(b"content-type", b"application/json"), (b"accept", b"text/event-stream")]),
    _scope([(b"content-type", b"application/json"), (b"x-a", b"1"), (b"X-A", b"2")]),
    _scope([(b"content-type", b"application/graphql")]),
])
def test_other_requests_go_to_the_app_untouched(scope: dict[str, Any]) -> None:
    called: list[Any] = []

    async def app(s: dict[str, Any], receive: Any, _send: Any) -> None:
        called.append((s, await receive()))

    message = {"type": "http.request", "body": b'{"query": "{ __typename }"}', "more_body": False}
    assert _run(_lane(app), scope, [message]) == []
    assert called == [(scope, message)]


def test_a_content_type_with_parameters_takes_the_lane() -> None:
    message = {"type": "http.request", "body": b'{"query": "{ __typename }"}', "more_body": False}
    sent = _run(_lane(_never), _scope([(b"Content-Type", b"Application/JSON; charset=utf-8")]), [message])
    assert sent[1]["body"] == b'{"data":{"__typename":"Query"}}'


def test_the_lane_is_inside_the_work_limit(tmp_path: Any) -> None:
    from loupan.api.limit import WorkLimit

    layer: Any = create_app(Settings(data_dir=tmp_path)).build_middleware_stack()
    order = []
    while layer is not None:
        order.append(type(layer))
        layer = getattr(layer, "app", None)
    assert order.index(WorkLimit) < order.index(PostedOperations)
