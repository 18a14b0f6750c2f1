"""``loupan serve --workers N``: N processes, each with its own listening socket on the same port.

uvicorn's own ``workers`` share one listening socket, and whichever process wakes first accepts: a
burst of keep-alive connections (a proxy's pool, a load test) can all land on one process and stay
there. Measured on the 1M-node graph's flagship with 32 clients connecting at once, two such
workers: in two rounds of three one process answered everything (CPU per request 41.7 and 0.1 ms,
then 0.1 and 38.8), in the third they shared (17.5 and 16.4) and served 37.6 requests/s against
22–31 otherwise. Here each process binds its own socket with ``SO_REUSEPORT`` (Linux), and the
kernel spreads connections over the sockets by their addresses.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
from multiprocessing.connection import wait
from types import FrameType

from loupan.errors import ConfigError, LoupanError


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _worker(host: str, port: int, environ: dict[str, str]) -> None:
    import uvicorn

    os.environ.update(environ)

    try:
        sock = _listen(host, port)
    except OSError as e:
        print(f"loupan serve: cannot listen on {host}:{port}: {e}", file=sys.stderr, flush=True)
        sys.exit(3)
    config = uvicorn.Config("loupan.api.app:served_app", factory=True, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


def serve_processes(host: str, port: int, workers: int, environ: dict[str, str] | None = None) -> None:
    """Run ``workers`` server processes until interrupted (SIGINT, SIGTERM) or until one of them
    ends, then stop them all. Each makes its app from the environment (``api.app.served_app``),
    this process's with ``environ`` added (settings given as flags here)."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise ConfigError("--workers needs SO_REUSEPORT, which this platform lacks")
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(host, port, dict(environ or {})), name=f"loupan-serve-{i}", daemon=False)
                 for i in range(workers)]

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        for process in processes:
            process.start()
        ready = wait([p.sentinel for p in processes])  # returns when the first one ends
        ended = [p for p in processes if p.sentinel in ready]
        for process in ended:
            process.join()  # its sentinel is ready: it has ended, join only reaps it
        codes = ", ".join(f"{p.name} exit code {p.exitcode}" for p in ended)
        raise LoupanError(f"a server process ended ({codes}); stopped the others")
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
