#!/usr/bin/env python3
"""Fetch, start and stop a throwaway Neo4j 5.26 LTS Community server for tests and CI.

Standard library only, so it runs before any ``pip install``. Needs Java 17+ and Maven.

How it works
------------
* ``fetch`` writes a small POM that depends on ``org.neo4j:neo4j`` (the community DBMS; it holds the
  server entry point ``org.neo4j.server.CommunityEntryPoint`` that the distribution's ``bin/neo4j`` runs,
  and ``neo4j-admin``'s ``org.neo4j.cli.AdminTool``) and on ``org.neo4j.app:neo4j-server`` (the HTTP API),
  and lets ``mvn dependency:copy-dependencies`` copy every runtime jar from Maven Central into
  ``$LOUPAN_CACHE_DIR/neo4j-<version>/lib`` (default cache: ``~/.cache/loupan``). It then starts the
  server once with ``-XX:ArchiveClassesAtExit`` to record a class-data archive for the Java in use,
  which cuts the CPU time of every later start by a third or more. A file lock keeps concurrent fetches
  apart; once both are in place, ``fetch`` does nothing.
* ``start`` lays out a Neo4j home (``conf/neo4j.conf``, ``data/``, ``logs/``, ``run/``) in the data dir
  (a new temporary directory unless ``--data-dir`` is given), sets the ``neo4j`` user's initial password
  with ``neo4j-admin dbms set-initial-password``, and runs the community server in the background as one
  JVM, with the JVM flags of the distribution's ``neo4j.conf``: authentication on, Bolt and HTTP on
  127.0.0.1 only, heap 512m-1g, page cache 256m (``--heap`` and ``--page-cache`` raise them for large
  databases: ``--heap 4g`` runs with 512m-4g). It returns once a Bolt client (the few lines below)
  has logged in and ``RETURN 1`` has answered, and the HTTP port accepts connections. The password is
  ``$LOUPAN_TEST_NEO4J_PASSWORD`` or a random one, recorded in the state file.
* ``stop`` sends SIGTERM, then SIGKILL after a timeout, and removes the data dir if it was temporary.

Command line (``--state`` defaults to ``$LOUPAN_CACHE_DIR/neo4j-test.json``)::

    python3 scripts/neo4j_server.py fetch
    eval "$(python3 scripts/neo4j_server.py start [--port P] [--data-dir D] [--heap 4g] [--page-cache 2g])"
    python3 scripts/neo4j_server.py status
    python3 scripts/neo4j_server.py stop

``start`` prints ``export LOUPAN_TEST_NEO4J_URI=...``, ``..._USER=...`` and ``..._PASSWORD=...`` lines on
stdout; what is meant for people goes to stderr. Failures exit 1 with a message naming the step.

Python API, for a conftest that loads this file by path: ``fetch() -> Path``,
``start(port=None, data_dir=None, *, heap=None, page_cache=None, password=None) -> dict`` (keys ``uri``,
``user``, ``password``, ``pid``, ``log``, ``data_dir``, and ``http_uri``, ``port``, ``http_port``,
``temporary_data_dir``, ``version``, ``heap``, ``page_cache``) and ``stop(info)``; they raise
``Neo4jServerError``.

Environment: ``LOUPAN_CACHE_DIR``, ``LOUPAN_NEO4J_VERSION`` (default below), ``LOUPAN_TEST_NEO4J_PASSWORD``,
``LOUPAN_NEO4J_JAVA_OPTS`` (extra JVM options, e.g. ``-XX:TieredStopAtLevel=1`` to start faster at the
cost of peak query speed), ``JAVA_HOME`` (else ``java`` on PATH).
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DEFAULT_VERSION = "5.26.30"
ARTIFACTS = ("org.neo4j:neo4j", "org.neo4j.app:neo4j-server")
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
USER = "neo4j"
HOST = "127.0.0.1"
MIN_JAVA = 17
MIN_PASSWORD_LENGTH = 8  # Neo4j's default dbms.security.auth_minimum_password_length
HEAP_INITIAL, HEAP_MAX, PAGE_CACHE = "512m", "1g", "256m"
MEMORY_SIZE = re.compile(r"^[1-9][0-9]*[kmg]$")
START_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0
LOG_TAIL_LINES = 30
# The flags the distribution's neo4j.conf passes in server.jvm.additional, less AlwaysPreTouch.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)

# Servers started by this process. Keeping their Popen objects lets stop() reap them, and spares a
# caller that keeps only the returned dict the "subprocess is still running" ResourceWarning.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class Neo4jServerError(Exception):
    """A step of fetching, starting or stopping the server failed; the message says which and why."""


def random_password() -> str:
    """A throwaway password. It starts with a letter: neo4j-admin would read a leading ``-`` (which
    ``token_urlsafe`` gives one time in 64) as an option and fail to start the server."""
    return "n" + secrets.token_urlsafe(18)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cache_dir() -> Path:
    return Path(os.environ.get("LOUPAN_CACHE_DIR") or Path.home() / ".cache" / "loupan").expanduser()


def neo4j_version() -> str:
    return os.environ.get("LOUPAN_NEO4J_VERSION") or DEFAULT_VERSION


def default_state_file() -> Path:
    return cache_dir() / "neo4j-test.json"


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:]) or "(no output)"


def _log_tail(path: Path) -> str:
    try:
        return _tail(path.read_text(errors="replace"))
    except OSError as e:
        return f"(cannot read {path}: {e})"


# --- Java, Maven and the cache -----------------------------------------------------------------------


def find_java() -> tuple[str, str]:
    """The ``java`` of JAVA_HOME, else of PATH, and its version; it must be Java 17 or newer."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        where = f"JAVA_HOME={java_home}" if java_home else "PATH"
        raise Neo4jServerError(f"java not found on {where}; Neo4j {neo4j_version()} needs Java {MIN_JAVA}+")
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "((\d+)(?:\.(\d+))?[^"]*)"', result.stderr)
    if not match:
        raise Neo4jServerError(f"cannot read the version of {java}: {_tail(result.stderr)}")
    major = int(match[3]) if match[2] == "1" else int(match[2])
    if major < MIN_JAVA:
        raise Neo4jServerError(f"{java} is Java {major}; Neo4j {neo4j_version()} needs Java {MIN_JAVA}+")
    return java, match[1]


def _class_archive(home: Path, java: str, java_version: str) -> Path:
    """Where the class-data archive for this Java lives; an archive only fits the JVM that wrote it."""
    build = hashlib.sha256(os.path.realpath(java).encode()).hexdigest()[:8]
    return home / f"classes-{java_version}-{build}.jsa"


def _pom(version: str) -> str:
    dependencies = "".join(
        f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"<version>{version}</version></dependency>"
        for group, artifact in (coordinate.split(":") for coordinate in ARTIFACTS)
    )
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        f"<groupId>loupan.local</groupId><artifactId>neo4j-server-lib</artifactId><version>{version}</version>"
        f"<packaging>pom</packaging><dependencies>{dependencies}</dependencies></project>\n"
    )


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _download(home: Path, version: str) -> None:
    mvn = shutil.which("mvn")
    if not mvn:
        raise Neo4jServerError("mvn not found on PATH; install Maven 3.6+ (Debian: apt-get install maven)")
    say(f"Fetching Neo4j {version} Community and its dependencies from Maven Central into {home} ...")
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=f"{home.name}.partial-", dir=home.parent))
    try:
        (work / "pom.xml").write_text(_pom(version))
        command = [mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(work / "pom.xml"),
                   f"{DEPENDENCY_PLUGIN}:copy-dependencies", f"-DoutputDirectory={work / 'lib'}",
                   "-DincludeScope=runtime"]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise Neo4jServerError(
                f"Maven could not fetch Neo4j {version} ({', '.join(ARTIFACTS)}): is Maven Central reachable, "
                f"and is {version} published there? `{shlex.join(command)}` said:\n"
                f"{_tail(result.stdout + result.stderr)}"
            )
        jars = sorted(path.name for path in (work / "lib").glob("*.jar"))
        if f"neo4j-{version}.jar" not in jars:
            raise Neo4jServerError(f"Maven succeeded, but neo4j-{version}.jar is not in {work / 'lib'}")
        (work / ".complete").write_text("".join(f"{jar}\n" for jar in jars))
        if home.exists():
            shutil.rmtree(home)
        work.chmod(0o755)
        work.rename(home)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say(f"Fetched {len(jars)} jars in {time.monotonic() - started:.0f} s")


def _record_class_archive(home: Path, java: str, archive: Path) -> None:
    say(f"Starting Neo4j once to record a class-data archive for later starts ({archive.name}) ...")
    started = time.monotonic()
    partial = archive.with_name(f"{archive.name}.partial-{os.getpid()}")
    # The archive holds classes, not compiled code, so this run may skip the optimising compiler.
    options = [f"-XX:ArchiveClassesAtExit={partial}", "-XX:TieredStopAtLevel=1"]
    stop(_launch(home, java, random_password(), options))  # the JVM writes the archive as it exits
    if partial.is_file():
        partial.rename(archive)
        say(f"Recorded the class-data archive in {time.monotonic() - started:.0f} s")
    else:
        say(f"warning: {java} wrote no class-data archive; starts will take longer")


def fetch(version: str | None = None) -> Path:
    """Fetch Neo4j Community ``version`` (default: LOUPAN_NEO4J_VERSION, else DEFAULT_VERSION) once.

    Returns its directory. Does nothing when the jars and this Java's class-data archive are cached.
    """
    version = version or neo4j_version()
    home = cache_dir() / f"neo4j-{version}"
    java, java_version = find_java()
    archive = _class_archive(home, java, java_version)
    if (home / ".complete").is_file() and archive.is_file():
        return home
    with _file_lock(cache_dir() / f"neo4j-{version}.lock"):
        if not (home / ".complete").is_file():
            _download(home, version)
        if not archive.is_file():
            _record_class_archive(home, java, archive)
    return home


# --- a minimal Bolt client: log in and run RETURN 1 -----------------------------------------------------


class BoltFailure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def _pack(value: Any) -> bytes:
    """PackStream encoding of the few types the client sends."""
    if value is None:
        return b"\xc0"
    if isinstance(value, int):
        return struct.pack(">b", value) if -16 <= value < 128 else b"\xcb" + struct.pack(">q", value)
    if isinstance(value, str):
        data = value.encode()
        return (
            bytes([0x80 | len(data)]) if len(data) < 16 else b"\xd1" + struct.pack(">H", len(data))
        ) + data
    if isinstance(value, list):
        return bytes([0x90 | len(value)]) + b"".join(_pack(item) for item in value)
    if isinstance(value, dict):
        return bytes([0xA0 | len(value)]) + b"".join(_pack(k) + _pack(v) for k, v in value.items())
    raise TypeError(f"cannot pack {type(value).__name__}")


_SIZED = {
    base + i: (size_format, kind)
    for base, kind in ((0xD0, "str"), (0xCC, "bytes"), (0xD4, "list"), (0xD8, "map"))
    for i, size_format in enumerate((">B", ">H", ">I"))
}
_FIXED = {0xC1: ">d", 0xC8: ">b", 0xC9: ">h", 0xCA: ">i", 0xCB: ">q"}
_TINY = {0x80: "str", 0x90: "list", 0xA0: "map", 0xB0: "struct"}


def _unpack(data: bytes, pos: int = 0) -> tuple[Any, int]:
    """Decode one PackStream value at ``pos``; return it and the position after it."""
    marker = data[pos]
    pos += 1
    if marker < 0x80 or marker >= 0xF0:
        return marker - 0x100 if marker >= 0xF0 else marker, pos
    if marker in (0xC0, 0xC2, 0xC3):
        return {0xC0: None, 0xC2: False, 0xC3: True}[marker], pos
    if marker in _FIXED:
        return struct.unpack_from(_FIXED[marker], data, pos)[0], pos + struct.calcsize(_FIXED[marker])
    if marker in _SIZED:
        size_format, kind = _SIZED[marker]
        (size,), pos = struct.unpack_from(size_format, data, pos), pos + struct.calcsize(size_format)
    else:
        kind, size = _TINY[marker & 0xF0], marker & 0x0F
    if kind in ("str", "bytes"):
        raw = data[pos : pos + size]
        return (raw.decode() if kind == "str" else raw), pos + size
    if kind == "struct":
        pos += 1  # skip the tag: callers read it themselves
    items = []
    for _ in range(2 * size if kind == "map" else size):
        item, pos = _unpack(data, pos)
        items.append(item)
    return (dict(zip(items[::2], items[1::2], strict=True)) if kind == "map" else items), pos


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the server closed the Bolt connection")
        data += chunk
    return data


def _send(sock: socket.socket, tag: int, *fields: Any) -> None:
    message = bytes([0xB0 | len(fields), tag]) + b"".join(_pack(field) for field in fields)
    assert len(message) <= 0xFFFF, "one chunk is enough for the messages sent here"
    sock.sendall(struct.pack(">H", len(message)) + message + b"\x00\x00")


def _expect_success(sock: socket.socket) -> None:
    """Read messages until SUCCESS, skipping RECORDs; raise BoltFailure on FAILURE."""
    while True:
        message = b""
        while True:
            (size,) = struct.unpack(">H", _recv_exact(sock, 2))
            if not size and message:
                break
            message += _recv_exact(sock, size)  # an empty chunk before any data is a keep-alive
        tag = message[1]
        if tag == 0x70:  # SUCCESS
            return
        if tag == 0x7F:  # FAILURE {code, message}
            fields, _ = _unpack(message)
            meta = fields[0] if fields and isinstance(fields[0], dict) else {}
            raise BoltFailure(str(meta.get("code", "?")), str(meta.get("message", "")))
        if tag != 0x71:  # RECORD
            raise ConnectionError(f"unexpected Bolt message 0x{tag:02X}")


def bolt_return_one(port: int, user: str, password: str, timeout: float = 5.0) -> None:
    """Log in over Bolt 5.0 or 4.4 with basic auth and run ``RETURN 1`` on the default database."""
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(b"\x60\x60\xb0\x17" + struct.pack(">4I", 0x0005, 0x0404, 0, 0))
        if _recv_exact(sock, 4) == b"\x00\x00\x00\x00":
            raise BoltFailure("handshake", "the server speaks neither Bolt 5.0 nor 4.4")
        auth = {"scheme": "basic", "principal": user, "credentials": password}
        _send(sock, 0x01, {"user_agent": "loupan-neo4j-server/1", **auth})  # HELLO
        _expect_success(sock)
        _send(sock, 0x10, "RETURN 1", {}, {})  # RUN
        _send(sock, 0x3F, {"n": -1})  # PULL
        _expect_success(sock)
        _expect_success(sock)
        _send(sock, 0x02)  # GOODBYE


# --- start / stop ------------------------------------------------------------------------------------


def _claim_port(port: int | None, avoid: int | None = None) -> int:
    """``port`` if it is free on HOST (else an error); without one, a free port other than ``avoid``."""
    while True:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((HOST, port or 0))
            except OSError as e:
                raise Neo4jServerError(f"port {port} on {HOST} is not free: {e}") from e
            chosen: int = sock.getsockname()[1]
        if port or chosen != avoid:
            return chosen


def _bytes(size: str) -> int:
    return int(size[:-1]) * 1024 ** "kmg".index(size[-1].lower()) * 1024


def _memory(heap: str | None, page_cache: str | None) -> tuple[str, str, str]:
    """Initial heap, maximum heap and page cache: the defaults, or the sizes given (``512m``, ``4g``).

    The initial heap stays at the default unless the maximum is smaller."""
    for what, size in (("heap", heap), ("page cache", page_cache)):
        if size is not None and not MEMORY_SIZE.match(size.lower()):
            raise Neo4jServerError(f"{what} size {size!r} is not a size like 512m or 4g")
    heap_max = (heap or HEAP_MAX).lower()
    heap_initial = heap_max if _bytes(heap_max) < _bytes(HEAP_INITIAL) else HEAP_INITIAL
    return heap_initial, heap_max, (page_cache or PAGE_CACHE).lower()


def _config(
    home: Path, port: int, http_port: int, memory: tuple[str, str, str] = (HEAP_INITIAL, HEAP_MAX, PAGE_CACHE)
) -> str:
    settings = {
        "server.directories.lib": home / "lib",
        "server.default_listen_address": HOST,
        "server.default_advertised_address": HOST,
        "server.bolt.listen_address": f"{HOST}:{port}",
        "server.bolt.advertised_address": f"{HOST}:{port}",
        "server.http.listen_address": f"{HOST}:{http_port}",
        "server.http.advertised_address": f"{HOST}:{http_port}",
        "server.https.enabled": "false",
        "dbms.security.auth_enabled": "true",
        "server.memory.heap.initial_size": memory[0],
        "server.memory.heap.max_size": memory[1],
        "server.memory.pagecache.size": memory[2],
        "dbms.usage_report.enabled": "false",
        # Bolt's Netty loops otherwise idle 5 s each before they stop, which makes every stop take 10 s.
        "internal.dbms.bolt.netty_server_shutdown_quiet_period": "0",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def _alive(pid: int) -> bool:
    if pid in _CHILDREN:  # poll() also reaps it
        return _CHILDREN[pid].poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_server(pid: int, data_dir: str) -> bool:
    """Whether ``pid`` is still the server of ``data_dir``, not a process that got its pid later."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return _alive(pid)
    return ENTRY_POINT.encode() in arguments and f"--home-dir={data_dir}".encode() in arguments


def _terminate(pid: int, timeout: float) -> None:
    if not _alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        say(f"Neo4j (pid {pid}) did not stop within {timeout:.0f} s of SIGTERM; sending SIGKILL")
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    _CHILDREN.pop(pid, None)


def _set_initial_password(java: str, home: Path, root: Path, password: str) -> None:
    env = {**os.environ, "NEO4J_HOME": str(root), "NEO4J_CONF": str(root / "conf")}
    command = [java, "-XX:TieredStopAtLevel=1", "-cp", f"{home / 'lib'}/*", ADMIN_TOOL,
               "dbms", "set-initial-password", password]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root, check=False)
    if result.returncode != 0:
        output = _tail(result.stdout + result.stderr).replace(password, "***")
        raise Neo4jServerError(f"neo4j-admin dbms set-initial-password failed in {root}:\n{output}")


def _wait_until_ready(process: subprocess.Popen[bytes], info: dict[str, Any], timeout: float) -> None:
    uri, log = info["uri"], Path(info["log"])
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while True:
        code = process.poll()
        if code is not None:
            raise Neo4jServerError(
                f"Neo4j exited with code {code} before it answered on {uri}. "
                f"Last lines of {log}:\n{_log_tail(log)}"
            )
        try:
            bolt_return_one(info["port"], info["user"], info["password"])
            socket.create_connection((HOST, info["http_port"]), timeout=2).close()
            return
        except BoltFailure as e:
            if e.code.startswith("Neo.ClientError.Security."):
                raise Neo4jServerError(f"Neo4j on {uri} refused the login of {info['user']}: {e}") from e
            last_error = str(e)
        except OSError as e:
            last_error = str(e) or type(e).__name__
        if time.monotonic() >= deadline:
            raise Neo4jServerError(
                f"Neo4j did not answer on {uri} within {timeout:.0f} s (last attempt: {last_error}). "
                f"Last lines of {log}:\n{_log_tail(log)}"
            )
        time.sleep(0.25)


def _launch(
    home: Path,
    java: str,
    password: str,
    jvm_options: Sequence[str],
    *,
    port: int | None = None,
    http_port: int | None = None,
    data_dir: str | Path | None = None,
    timeout: float = START_TIMEOUT,
    memory: tuple[str, str, str] = (HEAP_INITIAL, HEAP_MAX, PAGE_CACHE),
) -> dict[str, Any]:
    port = _claim_port(port)
    http_port = _claim_port(http_port, avoid=port)
    if data_dir is None:
        root = Path(tempfile.mkdtemp(prefix="loupan-neo4j-"))
    else:
        root = Path(data_dir).expanduser().resolve()
    for sub in ("conf", "data", "logs", "run", "plugins", "import"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "conf" / "neo4j.conf").write_text(_config(home, port, http_port, memory))
    if (root / "data" / "databases" / "system").exists():
        say(f"{root} already holds a database: the password it was created with stays in force")
    else:
        _set_initial_password(java, home, root, password)
    log = root / "logs" / "console.log"
    command = [java, f"-Xms{memory[0]}", f"-Xmx{memory[1]}", *JVM_FLAGS, *jvm_options,
               "-cp", f"{home / 'lib'}/*", ENTRY_POINT,
               f"--home-dir={root}", f"--config-dir={root / 'conf'}", "--console-mode"]  # fmt: skip
    with log.open("ab") as output:  # the child has its own copy of the descriptor
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
            cwd=root, start_new_session=True,
        )  # fmt: skip
    _CHILDREN[process.pid] = process
    info = {
        "uri": f"bolt://{HOST}:{port}",
        "http_uri": f"http://{HOST}:{http_port}",
        "user": USER,
        "password": password,
        "pid": process.pid,
        "log": str(log),
        "data_dir": str(root),
        "temporary_data_dir": data_dir is None,
        "port": port,
        "http_port": http_port,
        "version": home.name.removeprefix("neo4j-"),
        "heap": memory[1],
        "page_cache": memory[2],
    }
    try:
        _wait_until_ready(process, info, timeout)
    except BaseException:
        _terminate(process.pid, timeout=10)
        raise
    return info


def start(
    port: int | None = None,
    data_dir: str | Path | None = None,
    *,
    http_port: int | None = None,
    timeout: float = START_TIMEOUT,
    heap: str | None = None,
    page_cache: str | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    """Start a Neo4j server on 127.0.0.1 and return once it answers Bolt queries.

    ``data_dir`` holds the server's conf, data and logs and is kept; if it already holds a database, the
    password that database was created with stays in force. Without it a temporary directory is used,
    and ``stop`` removes it. If the server does not come up, it is killed and its directory left for the
    logs the error message names. ``heap`` (the maximum; default 1g) and ``page_cache`` (default 256m)
    are sizes like ``4g``; ``password`` defaults to ``$LOUPAN_TEST_NEO4J_PASSWORD``, else a random one.
    """
    memory = _memory(heap, page_cache)
    home = fetch()
    java, java_version = find_java()
    source = "the password" if password else "LOUPAN_TEST_NEO4J_PASSWORD"
    password = password or os.environ.get("LOUPAN_TEST_NEO4J_PASSWORD") or random_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Neo4jServerError(
            f"{source} has fewer than the {MIN_PASSWORD_LENGTH} characters Neo4j requires"
        )
    archive = _class_archive(home, java, java_version)
    options = [f"-XX:SharedArchiveFile={archive}"] if archive.is_file() else []
    options += shlex.split(os.environ.get("LOUPAN_NEO4J_JAVA_OPTS", ""))
    return _launch(
        home, java, password, options, port=port, http_port=http_port, data_dir=data_dir, timeout=timeout,
        memory=memory,
    )


def stop(info: dict[str, Any], timeout: float = STOP_TIMEOUT) -> None:
    """Stop a server ``start`` returned: SIGTERM, SIGKILL after ``timeout``; remove a temporary data dir."""
    pid, data_dir = int(info["pid"]), str(info["data_dir"])
    if _alive(pid):
        if _is_server(pid, data_dir):
            _terminate(pid, timeout)
        else:
            say(f"pid {pid} is no longer the Neo4j server of {data_dir}; leaving it alone")
    if info.get("temporary_data_dir"):
        shutil.rmtree(data_dir, ignore_errors=True)


# --- command line ------------------------------------------------------------------------------------


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise Neo4jServerError(f"cannot read the state file {path}: {e}") from e
    return state


def _write_state(path: Path, info: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.partial")
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(json.dumps(info, indent=2) + "\n")
    os.replace(partial, path)


def _running(info: dict[str, Any]) -> bool:
    return _alive(int(info["pid"])) and _is_server(int(info["pid"]), str(info["data_dir"]))


def _cmd_fetch(args: argparse.Namespace) -> int:
    print(fetch())
    return 0


def _cmd_start(args: argparse.Namespace) -> int:
    previous = _read_state(args.state)
    if previous and _running(previous):
        raise Neo4jServerError(
            f"the Neo4j server of {args.state} still runs ({previous['uri']}, pid {previous['pid']}); "
            "stop it first, or pass another --state"
        )
    if previous:
        stop(previous)  # a server that died without stop: remove its temporary directory
    fetch()
    began = time.monotonic()
    info = start(args.port, args.data_dir, http_port=args.http_port, timeout=args.timeout, heap=args.heap,
                 page_cache=args.page_cache)
    _write_state(args.state, info)
    for name in ("uri", "user", "password"):
        print(f"export LOUPAN_TEST_NEO4J_{name.upper()}={shlex.quote(str(info[name]))}")
    say(
        f"Neo4j {info['version']} answered on {info['uri']} (HTTP {info['http_uri']}) "
        f"{time.monotonic() - began:.1f} s after start; pid {info['pid']}, heap {info['heap']}, "
        f"page cache {info['page_cache']}, log {info['log']}"
    )
    return 0


def _cmd_stop(args: argparse.Namespace) -> int:
    info = _read_state(args.state)
    if info is None:
        say(f"no state file {args.state}: nothing to stop")
        return 0
    stop(info, timeout=args.timeout)
    args.state.unlink(missing_ok=True)
    say(f"stopped Neo4j at {info['uri']} (pid {info['pid']})")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    info = _read_state(args.state)
    if info is None:
        say(f"no state file {args.state}: Neo4j is not running")
        return 1
    running = _running(info)
    print(json.dumps({**info, "running": running}, indent=2))
    say(f"Neo4j at {info['uri']} is {'running' if running else 'not running'}")
    return 0 if running else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    fetch_parser = commands.add_parser("fetch", help="fetch Neo4j into the cache; print its directory")
    fetch_parser.set_defaults(run=_cmd_fetch)
    start_parser = commands.add_parser("start", help="start a server; print export lines")
    start_parser.add_argument("--port", type=int, help="Bolt port (default: a free one)")
    start_parser.add_argument("--http-port", type=int, help="HTTP port (default: a free one)")
    start_parser.add_argument(
        "--data-dir", type=Path, help="server directory, kept (default: a temporary one, removed by stop)"
    )
    start_parser.add_argument("--timeout", type=float, default=START_TIMEOUT, help="seconds to wait")
    start_parser.add_argument("--heap", help=f"maximum heap, e.g. 4g (default {HEAP_MAX}; initial {HEAP_INITIAL})")
    start_parser.add_argument("--page-cache", help=f"page cache size, e.g. 2g (default {PAGE_CACHE})")
    start_parser.set_defaults(run=_cmd_start)
    stop_parser = commands.add_parser("stop", help="stop the server of the state file")
    stop_parser.add_argument("--timeout", type=float, default=STOP_TIMEOUT, help="seconds before SIGKILL")
    stop_parser.set_defaults(run=_cmd_stop)
    status_parser = commands.add_parser("status", help="print the state file; exit 0 if the server runs")
    status_parser.set_defaults(run=_cmd_status)
    for sub in (start_parser, stop_parser, status_parser):
        sub.add_argument("--state", type=Path, default=default_state_file(), help="state file (JSON)")
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except Neo4jServerError as e:
        say(f"neo4j_server: {args.command} failed: {e}")
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
