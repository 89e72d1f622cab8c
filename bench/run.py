"""Benchmark the generated API against a lazy-loading baseline and bare in-memory routes.

Bakes the chosen cells into a temporary folder (timing each bake), gives each server
its own throwaway database, seeds it, serves it with uvicorn on 127.0.0.1, loads
`GET /users/?limit=100` and `GET /users/{id}` with wrk (or a small Python load
generator) and prints one table. Everything it starts is stopped, and every database
it creates is dropped, on success, error and Ctrl-C alike. See bench/README.md.
"""

import argparse
import contextlib
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

import dataset

BENCH = Path(__file__).resolve().parent
TEMPLATE = BENCH.parent
PACKAGE = "sql_app"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ENDPOINTS = ("list", "one")  # GET /users/?limit=100, GET /users/{random id}
TARGETS = {"list": 0.5, "one": 0.5}  # wanted fraction of the bare route's requests/s


@dataclass
class Target:
    label: str
    app: str  # uvicorn's "module:attribute"
    folder: Path  # a baked project: every app imports its `schemas`
    database_url: str | None  # None: serves from memory


@dataclass
class Server:
    port: int
    pid: int


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orm", nargs="+", default=["sqlalchemy", "peewee"])
    parser.add_argument("--strategy", nargs="+", default=["dependency", "middleware"])
    parser.add_argument("--db", nargs="+", default=["postgresql"], choices=["postgresql", "sqlite"])
    parser.add_argument("--no-naive", action="store_true", help="skip the lazy-loading baseline")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--items", type=int, default=5, help="items per user")
    parser.add_argument("--duration", type=int, default=5, help="seconds per endpoint")
    parser.add_argument("--warmup", type=int, default=1, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a database to connect to for CREATE/DROP DATABASE (loopback only)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if urlsplit(args.postgres).hostname not in LOOPBACK:
        parser.error("--postgres must point at 127.0.0.1: this benchmark stays on loopback")
    if args.loader == "auto":
        args.loader = "wrk" if shutil.which("wrk") else "python"
    return args


def bake(orm: str, strategy: str, db: str, out: Path) -> tuple[Path, float]:
    """Bake one cell with the cookiecutter CLI; returns its folder and the wall time in ms."""
    slug = f"{orm}-{strategy}-{db}"
    url = "sqlite:///./sql_app.db" if db == "sqlite" else "postgresql://u@127.0.0.1:5432/app"
    answers = [f"orm={orm}", f"session_strategy={strategy}", f"project_slug={slug}"]
    answers += [f"package_name={PACKAGE}", f"database_url={url}"]
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", TEMPLATE, *answers, "-o", out], check=True
    )
    return out / slug, (time.perf_counter() - started) * 1000


def create_database(stack: contextlib.ExitStack, admin_url: str, name: str) -> str:
    """Create an empty database, drop it when the stack closes; returns its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            # FORCE: a server that did not stop in time may still hold connections.
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    stack.callback(drop)
    return urlsplit(admin_url)._replace(path=f"/{name}").geturl()


def seed(database_url: str, users: list[dataset.User]) -> None:
    """Insert the rows with plain SQL into the tables the app created at startup."""
    rows = [(u.email, u.hashed_password, u.is_active) for u in users]
    items = [(i.title, i.description, i.owner_id) for u in users for i in u.items]
    if database_url.startswith("sqlite"):
        conn: Any = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        mark = "?"
    else:
        conn = psycopg.connect(database_url)
        mark = "%s"
    with contextlib.closing(conn), conn:  # the inner `with` commits
        cursor = conn.cursor()
        cursor.executemany(
            f"INSERT INTO users (email, hashed_password, is_active) VALUES ({mark}, {mark}, {mark})",
            rows,
        )
        cursor.executemany(
            f"INSERT INTO items (title, description, owner_id) VALUES ({mark}, {mark}, {mark})",
            items,
        )


def free_port() -> int:
    # The port may be taken again before uvicorn binds it; unlikely on a quiet machine.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def serve(target: Target, env: dict[str, str], log: Path) -> Iterator[Server]:
    """Run one uvicorn worker on a free loopback port until the block ends."""
    port = free_port()
    if target.database_url:
        env = {**env, "DATABASE_URL": target.database_url}
    command = [sys.executable, "-m", "uvicorn", target.app, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    with log.open("wb") as output:
        # Own session: a Ctrl-C reaches this script only, which then stops the server.
        server = subprocess.Popen(
            command, cwd=target.folder, env=env, stdout=output, stderr=output, start_new_session=True
        )
    try:
        # uvicorn runs the app's startup (creating the tables) before it listens.
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{target.label} did not start:\n{log.read_text()}")
            with contextlib.suppress(OSError):
                if get(port, "/openapi.json")[0] == 200:
                    break
            time.sleep(0.1)
        yield Server(port, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def load_wrk(port: int, paths: list[str], seconds: int, connections: int, folder: Path) -> Result:
    # A Lua script cycles through the paths, so /users/{id} hits every user.
    script = folder / "paths.lua"
    script.write_text(
        f"local paths = {{{', '.join(json.dumps(p) for p in paths)}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        "  return wrk.format(nil, paths[i])\n"
        "end\n"
    )
    # One wrk thread: the server, PostgreSQL and wrk share two cores.
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["--latency", "-s", str(script), f"http://127.0.0.1:{port}"]
    wrk = subprocess.run(command, capture_output=True, text=True)
    if wrk.returncode:
        sys.exit(f"wrk failed: {wrk.stderr}")
    output = wrk.stdout

    def millis(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)$", output, re.MULTILINE)
        if not match:
            sys.exit(f"cannot read wrk's output:\n{output}")
        return float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    errors = int(non_2xx[1]) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors[1]))
    return Result(float(rps[1]) if rps else 0.0, millis("50"), millis("99"), errors)


def load_python(port: int, paths: list[str], seconds: int, connections: int) -> Result:
    """The fallback without wrk: one thread per keep-alive connection.

    Its own CPU use competes with the server's, so expect lower numbers than wrk's.
    """
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for i in itertools.count(offset):
            started = time.perf_counter()
            if started >= deadline:
                break
            try:
                conn.request("GET", paths[i % len(paths)])
                response = conn.getresponse()
                response.read()
                failed += response.status != 200
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()  # http.client reconnects on the next request
                continue
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(n * 7,)) for n in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def millis(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0

    return Result(len(latencies) / elapsed, millis(0.50), millis(0.99), errors)


def normalized(body: bytes) -> Any:
    """The JSON, with users and items in id order: the tutorial's queries do not order."""
    data = json.loads(body)
    users = data if isinstance(data, list) else [data]
    for user in users:
        user["items"].sort(key=lambda item: item["id"])
    return sorted(users, key=lambda user: user["id"])


def benchmark(args: argparse.Namespace, stack: contextlib.ExitStack, tmp: Path) -> dict[str, Any]:
    users = dataset.build(args.users, args.items)
    paths = {
        "list": ["/users/?limit=100"],
        "one": [f"/users/{u.id}" for u in users],
    }
    cells = list(itertools.product(args.orm, args.strategy, args.db))
    bakes: dict[str, float] = {}
    projects: dict[tuple[str, str, str], Path] = {}
    for cell in cells:
        projects[cell], bakes["-".join(cell)] = bake(*cell, tmp)

    folder = projects[cells[0]]  # any baked project: they share schemas.py
    targets = [Target("bare route (memory)", "bare_app:app", folder, None)]
    run_id = f"bench_{os.getpid()}"
    if not args.no_naive and "postgresql" in args.db:
        url = create_database(stack, args.postgres, f"{run_id}_naive")
        targets.append(Target("naive lazy loading (N+1)", "naive_app:app", folder, url))
    for cell in cells:
        orm, strategy, db = cell
        if db == "sqlite":
            url = f"sqlite:///{tmp / ('-'.join(cell) + '.db')}"
        else:
            url = create_database(stack, args.postgres, f"{run_id}_{orm}_{strategy}")
        targets.append(Target(f"{orm} {strategy} ({db})", f"{PACKAGE}.main:app", projects[cell], url))

    env = {
        **os.environ,
        "PYTHONPATH": str(BENCH),
        "BENCH_USERS": str(args.users),
        "BENCH_ITEMS": str(args.items),
    }
    results: dict[str, dict[str, Result]] = {}
    expected: dict[str, Any] = {}
    for target in targets:
        print(f"-- {target.label}", file=sys.stderr)
        with serve(target, env, tmp / "server.log") as server:
            port = server.port
            if target.database_url:
                seed(target.database_url, users)
            # Same answers as the bare route, or the comparison means nothing.
            for name, path in (("list", paths["list"][0]), ("one", "/users/1")):
                status, body = get(port, path)
                if status != 200:
                    sys.exit(f"{target.label}: GET {path} answered {status}: {body[:500]!r}")
                expected.setdefault(name, normalized(body))
                if normalized(body) != expected[name]:
                    sys.exit(f"{target.label}: GET {path} differs from the bare route's answer")
            results[target.label] = {}
            for name in ENDPOINTS:
                for seconds in (args.warmup, args.duration):  # the first run warms up
                    if args.loader == "wrk":
                        result = load_wrk(port, paths[name], seconds, args.connections, tmp)
                    else:
                        result = load_python(port, paths[name], seconds, args.connections)
                results[target.label][name] = result
    return {"bake_ms": bakes, "results": results}


def report(args: argparse.Namespace, outcome: dict[str, Any]) -> None:
    results: dict[str, dict[str, Result]] = outcome["results"]
    print(f"\nBake time (cookiecutter CLI, wall): {len(outcome['bake_ms'])} cells")
    for cell, ms in outcome["bake_ms"].items():
        print(f"  {cell:34} {ms:6.0f} ms")
    print(
        f"\n{args.users} users x {args.items} items, {args.loader}, {args.connections} connections,"
        f" {args.duration} s per endpoint, {os.cpu_count()} CPUs\n"
    )
    bare = next(iter(results.values()))
    head = "| target | list req/s | p50 ms | p99 ms | x bare | one req/s | p50 ms | p99 ms | x bare | errors |"
    print(head)
    print(re.sub(r"[^|]", "-", head))
    for label, by_endpoint in results.items():
        cells = [label]
        for name in ENDPOINTS:
            r = by_endpoint[name]
            ratio = r.rps / bare[name].rps if bare[name].rps else 0.0
            mark = "" if ratio >= TARGETS[name] else " (miss)"
            cells += [f"{r.rps:.0f}", f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}", f"{ratio:.2f}{mark}"]
        cells.append(str(sum(r.errors for r in by_endpoint.values())))
        print("| " + " | ".join(cells) + " |")
    print(f"\nlist = GET /users/?limit=100, one = GET /users/{{id}}; targets: x bare >= {TARGETS['list']}")


def main() -> None:
    args = parse_args()
    # SIGTERM as well as Ctrl-C unwinds the stack: servers stop, databases go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        outcome = benchmark(args, stack, tmp)
    report(args, outcome)
    if args.json:
        results = {
            label: {name: vars(r) for name, r in by_endpoint.items()}
            for label, by_endpoint in outcome["results"].items()
        }
        args.json.write_text(json.dumps({**outcome, "results": results}, indent=2))


if __name__ == "__main__":
    main()
