"""bench/loadgen.py's HTTP client, against a small server answering in each of HTTP/1.1's framings."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from .scripts import load_script

BENCH = Path(__file__).resolve().parent.parent / "bench"


loadgen: Any = load_script(BENCH / "loadgen.py")
ANSWER = json.dumps({"data": {"hello": "你好"}}).encode()


async def serve(framing: str, seen: list[bytes]) -> tuple[asyncio.Server, int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            seen.append(head + await reader.readexactly(length))
            if framing == "length":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(ANSWER)).encode() + b"\r\n\r\n" + ANSWER)
            elif framing == "to the end":
                writer.write(b"HTTP/1.1 200 OK\r\n\r\n" + ANSWER)
                await writer.drain()
                break
            elif framing == "chunked":
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                for piece in (ANSWER[:5], ANSWER[5:]):
                    writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                writer.write(b"0\r\n\r\n")
            elif framing == "close":
                writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: "
                             + str(len(ANSWER)).encode() + b"\r\n\r\n" + ANSWER)
                await writer.drain()
                break
            else:
                writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


@pytest.mark.parametrize("framing", ["length", "chunked", "close", "to the end"])
def test_every_answer_is_read_whole_and_the_load_counts_them(framing: str) -> None:
    seen: list[bytes] = []

    async def main() -> dict[str, Any]:
        server, port = await serve(framing, seen)
        async with server:
            connection = loadgen.Connection(f"http://127.0.0.1:{port}/graphql", b'{"query": "{hello}"}',
                                            {"Content-Type": "application/json"})
            assert [await connection.post() for _ in range(3)] == [ANSWER] * 3
            await connection.close()
            return await loadgen.run({"url": f"http://127.0.0.1:{port}/graphql", "body": {"query": "{hello}"},
                                      "clients": 3, "seconds": 0.2})

    result = asyncio.run(main())
    assert result["bytes"] == len(ANSWER)
    assert result["requests"] >= 5 and result["rps"] > 0
    first = seen[0]
    assert first.startswith(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:")
    assert first.endswith(b'\r\n\r\n{"query": "{hello}"}') and b"Content-Length: 20\r\n" in first
    # 3 posts, then the run's checked first answer and 2 warm-ups, then the measured requests
    assert len(seen) == 6 + result["requests"]


def test_a_status_other_than_200_is_an_error_naming_the_url_and_the_answer() -> None:
    async def main() -> None:
        server, port = await serve("error", [])
        async with server:
            await loadgen.run({"url": f"http://127.0.0.1:{port}/graphql", "body": {}, "clients": 1, "seconds": 0.1})

    with pytest.raises(loadgen.HTTPError, match=r"/graphql answered 500: oops"):
        asyncio.run(main())


def test_only_plain_http_urls() -> None:
    with pytest.raises(loadgen.HTTPError, match="only http://"):
        loadgen.Connection("https://example.org/graphql", b"", {})
