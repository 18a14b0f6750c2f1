"""HTTP load for one GraphQL request: C concurrent clients for S seconds, in a process of its own.

    echo '{"url": "http://127.0.0.1:8000/graphql", "body": {"query": "{ stats { nodes } }"},
           "clients": 32, "seconds": 5}' | python bench/loadgen.py

Each client sends the request, waits for the answer, and sends it again, over one keep-alive
connection (a pool of C connections in all). Prints JSON: latencies' p50 / p99 in milliseconds,
requests per second, the request count, the response size and this process's CPU seconds. The load
runs apart from the server's process, so the client's work does not hold the server's interpreter lock;
on a machine with few cores it still takes CPU from the server, equally for every server measured.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import httpx


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def summary(latencies: list[float], wall: float, **extra: Any) -> dict[str, Any]:
    return {"p50_ms": round(percentile(latencies, 0.5) * 1000, 3), "p99_ms": round(percentile(latencies, 0.99) * 1000, 3),
            "rps": round(len(latencies) / wall, 2) if wall else 0.0, "requests": len(latencies), **extra}


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    clients, seconds = int(spec["clients"]), float(spec["seconds"])
    min_requests = int(spec.get("min_requests", 5))
    body = json.dumps(spec["body"]).encode()
    headers = {"content-type": "application/json", **spec.get("headers", {})}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=float(spec.get("timeout", 300)), limits=limits) as http:
        first = await http.post(spec["url"], content=body, headers=headers)  # warms the path; checked
        first.raise_for_status()
        answer = first.json()
        if answer.get("errors"):
            raise SystemExit(f"the server answered with errors: {json.dumps(answer['errors'], ensure_ascii=False)[:500]}")
        for _ in range(int(spec.get("warmup", 2))):
            (await http.post(spec["url"], content=body, headers=headers)).raise_for_status()
        latencies: list[float] = []
        started = time.perf_counter()
        deadline = started + seconds

        async def client() -> None:
            while time.perf_counter() < deadline or len(latencies) < min_requests:
                t = time.perf_counter()
                response = await http.post(spec["url"], content=body, headers=headers)
                response.raise_for_status()
                latencies.append(time.perf_counter() - t)

        cpu = time.process_time()
        await asyncio.gather(*(client() for _ in range(clients)))
        wall = time.perf_counter() - started
        return summary(latencies, wall, bytes=len(first.content), client_cpu_s=round(time.process_time() - cpu, 3))


def main() -> int:
    spec = json.load(sys.stdin)
    print(json.dumps(asyncio.run(run(spec))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
