"""HTTP load for one GraphQL request: C concurrent clients for S seconds, in a process of its own.

    echo '{"url": "http://127.0.0.1:8000/graphql", "body": {"query": "{ stats { nodes } }"},
           "clients": 32, "seconds": 5}' | python bench/loadgen.py

Each client sends the request, waits for the answer, and sends it again, over one keep-alive
connection (C connections in all). Prints JSON: latencies' p50 / p99 in milliseconds, requests per
second, the request count, the response size and this process's CPU seconds. The load runs apart
from the server's process, so the client's work does not hold the server's interpreter lock; on a
machine with few cores it still takes CPU from the server.

The HTTP/1.1 client is a few lines over asyncio streams (the request's bytes made once; an answer
read by its ``Content-Length`` or its chunks), not httpx, which spent about 3 ms of this process's
CPU per request with 32 clients: at ~330 requests/s it was a core of the machine's two, whichever
server it loaded, and it spent more per request on some servers than on others (3.1–4.0 ms on the
10k flagship served by loupan against 1.9–3.0 on the peer's, in alternation). Only ``http://``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def summary(latencies: list[float], wall: float, **extra: Any) -> dict[str, Any]:
    return {"p50_ms": round(percentile(latencies, 0.5) * 1000, 3), "p99_ms": round(percentile(latencies, 0.99) * 1000, 3),
            "rps": round(len(latencies) / wall, 2) if wall else 0.0, "requests": len(latencies), **extra}


class HTTPError(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection sending the same POST again and again."""

    def __init__(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise HTTPError(f"{url}: only http:// URLs with a host are supported")
        self.url, self.host, self.port = url, parts.hostname, parts.port or 80
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}",
                 *(f"{k}: {v}" for k, v in headers.items())]
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self) -> bytes:
        """The answer's body; an HTTPError for a status other than 200."""
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        reader = self.reader
        self.writer.write(self.request)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status_line, _, fields = head.partition("\r\n")
        status = int(status_line.split(" ", 2)[1])
        length, chunked, close = None, False, False
        for line in fields.split("\r\n"):
            name, _, value = line.partition(":")
            value = value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value
            elif name == "connection":
                close = value == "close"
        if chunked:
            pieces = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                pieces.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")  # no trailers expected: the empty line
            content = b"".join(pieces)
        elif length is not None:
            content = await reader.readexactly(length)
        else:  # the body runs to the end of the connection
            content, close = await reader.read(), True
        if close:
            await self.close()
        if status != 200:
            raise HTTPError(f"{self.url} answered {status}: {content[:500].decode('utf-8', 'replace')}")
        return content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()
        self.reader = self.writer = None


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    clients, seconds = int(spec["clients"]), float(spec["seconds"])
    min_requests = int(spec.get("min_requests", 5))
    body = json.dumps(spec["body"]).encode()
    headers = {"Content-Type": "application/json", **spec.get("headers", {})}
    timeout = float(spec.get("timeout", 300))
    connections = [Connection(spec["url"], body, headers) for _ in range(clients)]
    try:
        first = await asyncio.wait_for(connections[0].post(), timeout)  # warms the path; checked
        answer = json.loads(first)
        if answer.get("errors"):
            raise SystemExit(f"the server answered with errors: {json.dumps(answer['errors'], ensure_ascii=False)[:500]}")
        for _ in range(int(spec.get("warmup", 2))):
            await asyncio.wait_for(connections[0].post(), timeout)
        latencies: list[float] = []
        started = time.perf_counter()
        deadline = started + seconds

        async def client(connection: Connection) -> None:
            while time.perf_counter() < deadline or len(latencies) < min_requests:
                t = time.perf_counter()
                await connection.post()
                latencies.append(time.perf_counter() - t)

        cpu = time.process_time()
        # one deadline for the whole load (a wait_for per request would cost this process a task each)
        await asyncio.wait_for(asyncio.gather(*(client(c) for c in connections)), seconds + timeout)
        wall = time.perf_counter() - started
        return summary(latencies, wall, bytes=len(first), client_cpu_s=round(time.process_time() - cpu, 3))
    finally:
        for c in connections:
            await c.close()


def main() -> int:
    spec = json.load(sys.stdin)
    print(json.dumps(asyncio.run(run(spec))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
