"""Benchmark the generated API against bare in-memory routes, its drivers' floors and a peer.

Bakes the chosen cells into a temporary folder (timing each bake), gives each server
its own throwaway database, seeds it, serves it with uvicorn on 127.0.0.1, loads
`GET /users/?limit=100`, `GET /users/?limit=10` and `GET /users/{id}` with wrk (or a
small Python load generator) with one worker, then the listing and the single read
again with more workers, and prints two tables: the measurements, and each cell's
ratios to its references. Those answer with the same JSON: bare_app.py (from
memory), naive_app.py (the classic tutorial's lazy loading), floor_app.py and
floor_async_app.py (plain psycopg and plain asyncpg, no ORM: the sync and the async
cells' floors) and sqlmodel_app.py (the peer: what FastAPI's and SQLModel's docs
teach). Everything it starts is stopped, and every database it creates is dropped,
on success, error and Ctrl-C alike. Run from the repository root as
`python -m bench.run`; how to read it: the "Benchmark" section of README.md.
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
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from bench import dataset
from tests.server import Server, answers, serve

BENCH = Path(__file__).resolve().parent
NODELAY = BENCH / "nodelay"
TEMPLATE = BENCH.parent
PACKAGE = "sql_app"
DEFAULT_POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ENDPOINTS = {"list": "GET /users/?limit=100", "list10": "GET /users/?limit=10", "one": "GET /users/{id}"}
SCALED = ["list", "one"]  # the endpoints loaded again with more workers
BARE = "bare route (memory)"
BARE_ASYNC = "bare route, async def (memory)"
FLOOR = "plain psycopg, no ORM (floor)"
FLOOR_ASYNC = "plain asyncpg, no ORM (async floor)"
PEER = "SQLModel as the docs teach (peer)"
# Wanted shares of a reference's requests/s, per endpoint: the bare route's (the
# template's first goal), the driver's floor and the SQLModel peer (issue 18).
GOALS = {"bare": {"list": 0.5, "one": 0.5}, "floor": {"list": 0.5, "one": 0.6}, "peer": {"list": 1.0, "one": 1.0}}


@dataclass
class Target:
    label: str
    app: str  # uvicorn's "module:attribute"
    folder: Path  # where uvicorn starts: a baked project, or the repository root for the baselines
    database_url: str | None  # None: serves from memory
    use_async: bool = False  # compared with the `async def` bare route and the asyncpg floor


@dataclass
class Result:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float = 0.0  # the server's CPU time per request


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orm", nargs="*", default=["sqlalchemy", "peewee"], help="none: --project only")
    parser.add_argument("--strategy", nargs="+", default=["dependency", "middleware"])
    parser.add_argument("--use-async", nargs="+", choices=["no", "yes"], default=["no", "yes"])
    parser.add_argument("--db", nargs="+", default=["postgresql"], choices=["postgresql", "sqlite"])
    parser.add_argument("--project", nargs="+", type=Path, default=[], help="also serve these baked projects")
    parser.add_argument(
        "--skip", nargs="+", default=[], choices=["naive", "floor", "peer"], help="baselines to leave out"
    )
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--items", type=int, default=5, help="items per user")
    parser.add_argument("--duration", type=int, default=5, help="seconds per endpoint")
    parser.add_argument("--warmup", type=int, default=1, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure every target this many times, in turn (A B C, then C B A, ...), and report the medians",
    )
    parser.add_argument(
        "--more-workers",
        nargs="*",
        type=int,
        default=[2],
        help="also serve with this many uvicorn workers, for requests/s (none: one worker only)",
    )
    parser.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="where to CREATE/DROP DATABASE (loopback)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if urlsplit(args.postgres).hostname not in LOOPBACK:
        parser.error("--postgres must point at 127.0.0.1: this benchmark stays on loopback")
    if any(n < 2 for n in args.more_workers):
        parser.error("--more-workers: 2 or more (one worker is always measured)")
    if args.loader == "auto":
        args.loader = default_loader()
    return args


def default_loader() -> str:
    return "wrk" if shutil.which("wrk") else "python"


def exit_on_sigterm() -> None:
    # Like Ctrl-C, a SIGTERM unwinds the stacks: servers stop, databases go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def bake(orm: str, strategy: str, db: str, out: Path, use_async: str = "no") -> tuple[Path, float]:
    """Bake one cell with the cookiecutter CLI; returns its folder and the wall time in ms."""
    slug = f"{orm}-{strategy}-{db}" + ("-async" if use_async == "yes" else "")
    url = "sqlite:///./sql_app.db" if db == "sqlite" else "postgresql://u@127.0.0.1:5432/app"
    answers = [f"orm={orm}", f"session_strategy={strategy}", f"use_async={use_async}", f"project_slug={slug}"]
    answers += [f"package_name={PACKAGE}", f"database_url={url}"]
    command: list[str | Path] = [sys.executable, "-m", "cookiecutter", "--no-input", TEMPLATE, *answers, "-o", out]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return out / slug, (time.perf_counter() - started) * 1000


def create_database(stack: contextlib.ExitStack, admin_url: str, name: str) -> str:
    """Create an empty database, dropped when the stack closes; returns its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        # FORCE: a server that did not stop in time may still hold connections.
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(drop)

    stack.callback(drop)
    return urlsplit(admin_url)._replace(path=f"/{name}").geturl()


def seed(database_url: str, users: list[dataset.User]) -> None:
    """Insert the rows with plain SQL into the tables the app created at startup.

    Whoever creates them (create_all, Alembic migrations, Peewee's create_tables),
    the app does so before uvicorn listens, and `serve` waits for it to listen.
    """
    rows = [(u.email, u.hashed_password, u.is_active) for u in users]
    items = [(i.title, i.description, i.owner_id) for u in users for i in u.items]
    if database_url.startswith("sqlite"):
        conn: Any = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        mark = "?"
    else:
        conn = psycopg.connect(database_url)
        mark = "%s"
    values = f"VALUES ({mark}, {mark}, {mark})"
    with contextlib.closing(conn), conn:  # the inner `with` commits
        cursor = conn.cursor()
        cursor.executemany(f"INSERT INTO users (email, hashed_password, is_active) {values}", rows)
        cursor.executemany(f"INSERT INTO items (title, description, owner_id) {values}", items)


def paths_for(users: list[dataset.User]) -> dict[str, list[str]]:
    # The single-user endpoint cycles through every user, not one cached row.
    one = [f"/users/{u.id}" for u in users]
    return {"list": ["/users/?limit=100"], "list10": ["/users/?limit=10"], "one": one}


def server_env(users: int, items: int) -> dict[str, str]:
    # The sizes, for the in-memory baseline.
    return {**os.environ, "BENCH_USERS": str(users), "BENCH_ITEMS": str(items)}


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def started_workers(server: Server) -> int:
    return sum("Application startup complete" in line for line in server.lines())


@contextlib.contextmanager
def serve_target(target: Target, env: dict[str, str], log: Path, workers: int = 1) -> Iterator[Server]:
    """Run uvicorn with this many workers on a free loopback port until the block ends."""
    if target.database_url:
        env = {**env, "DATABASE_URL": target.database_url}
    if workers > 1:  # uvicorn's own listening socket, with TCP_NODELAY kept on (nodelay/sitecustomize.py)
        env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(NODELAY), env.get("PYTHONPATH")]))}
    # Each worker runs the app's startup (creating the tables) before it serves.
    args = ["--no-access-log", "--log-level", "info", "--workers", str(workers)]

    def ready(server: Server) -> bool:
        try:
            return started_workers(server) >= workers and answers(f"{server.url}/openapi.json")
        except http.client.HTTPException:  # something else took the port first
            return False

    for attempt in range(1, 4):
        stack = contextlib.ExitStack()
        try:
            server = stack.enter_context(serve(target.folder, *args, env=env, log=log, app=target.app, ready=ready))
        except RuntimeError as error:
            # The free port can be taken by another process before uvicorn binds it: try another.
            if attempt < 3 and "address already in use" in str(error).lower():
                continue
            sys.exit(f"{target.label}: {error}")
        with stack:
            yield server
        return


def load_wrk(port: int, paths: list[str], seconds: int, connections: int, tmp: Path) -> Result:
    script = tmp / "paths.lua"  # cycles through the paths, one per request
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
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)[ \t]*$", output, re.MULTILINE)
        if not match:
            sys.exit(f"cannot read wrk's output:\n{output}")
        return float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]

    requests = re.search(r"(\d+) requests in", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = sum(
        int(n)
        for line in re.findall(r"(?:Non-2xx or 3xx responses|Socket errors): (.*)", output)
        for n in re.findall(r"\d+", line)
    )
    if not (requests and rps):
        sys.exit(f"cannot read wrk's output:\n{output}")
    return Result(int(requests[1]), float(rps[1]), millis("50"), millis("99"), errors)


def load_python(port: int, paths: list[str], seconds: int, connections: int) -> Result:
    """The fallback without wrk: one thread per keep-alive connection.

    It shares the GIL among its threads and the CPUs with the server, so it
    measures lower than wrk; compare rows of one run, not runs of two loaders.
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
    # Daemons, so that a Ctrl-C does not wait for them to reach the deadline.
    workers = [threading.Thread(target=worker, args=(n * 7,), daemon=True) for n in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def millis(q: float) -> float:
        return latencies[int(q * (len(latencies) - 1))] * 1000 if latencies else 0.0

    return Result(len(latencies), len(latencies) / elapsed, millis(0.50), millis(0.99), errors)


def load(loader: str, port: int, paths: list[str], seconds: int, connections: int, tmp: Path) -> Result:
    if loader == "wrk":
        return load_wrk(port, paths, seconds, connections, tmp)
    return load_python(port, paths, seconds, connections)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its live descendants (Linux): uvicorn's workers."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        children = [
            int(c) for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()
        ]
    except FileNotFoundError:  # it ended in between
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(child) for child in children)


def normalized(body: bytes) -> str:
    """The JSON, with users and items in id order: the tutorial's queries do not order.

    Re-encoded with the keys in the order they came, so that a different field
    order counts as a different answer too.
    """
    data = json.loads(body)
    users = data if isinstance(data, list) else [data]
    for user in users:
        user["items"].sort(key=lambda item: item["id"])
    return json.dumps(sorted(users, key=lambda user: user["id"]))


def difference(expected: str, got: str) -> str:
    if json.loads(expected) == json.loads(got):
        return "the same fields and values, in another order"
    return f"expected {expected[:200]}..., got {got[:200]}..."


def project_is_async(folder: Path) -> bool:
    """A baked project's recorded `use_async` answer (no answer: sync)."""
    recorded = folder / ".cookiecutter.json"
    answers = json.loads(recorded.read_text()) if recorded.exists() else {}
    return str(answers.get("use_async", "no")).lower() in {"yes", "true"}


def make_targets(
    args: argparse.Namespace, stack: contextlib.ExitStack, tmp: Path
) -> tuple[list[Target], dict[str, float]]:
    """Bake the cells; a database for each server; returns the targets and bake times.

    Baselines first, the sync bare route at their head (the answers every other
    target must give); the async bare route and floor only when an async target is there.
    """
    cells = list(itertools.product(args.orm, args.strategy, args.db, args.use_async))
    bakes: dict[str, float] = {}
    projects: list[tuple[str, Path, str, bool]] = []  # label, folder, database, async
    for orm, strategy, db, use_async in cells:
        folder, milliseconds = bake(orm, strategy, db, tmp, use_async)
        bakes[folder.name] = milliseconds
        kind = " async" if use_async == "yes" else ""
        projects.append((f"{orm} {strategy}{kind} ({db})", folder, db, use_async == "yes"))
    for path in args.project:
        folder = path.resolve()
        projects.append((f"{folder.name} (postgresql)", folder, "postgresql", project_is_async(folder)))
    any_async = any(is_async for *_, is_async in projects)

    def database(db: str, name: str) -> str:
        name = re.sub(r"\W", "_", name.lower())
        if db == "sqlite":
            return f"sqlite:///{tmp / name}.db"
        return create_database(stack, args.postgres, f"bench_{os.getpid()}_{name}")

    def baseline(label: str, module: str, use_async: bool = False) -> Target:
        url = database("postgresql", module) if module != "bare_app" else None
        attribute = "async_app" if module == "bare_app" and use_async else "app"
        return Target(label, f"bench.{module}:{attribute}", TEMPLATE, url, use_async)

    targets = [baseline(BARE, "bare_app")]
    if any_async:
        targets.append(baseline(BARE_ASYNC, "bare_app", use_async=True))
    if "naive" not in args.skip:
        targets.append(baseline("naive lazy loading (N+1)", "naive_app"))
    if "floor" not in args.skip:
        targets.append(baseline(FLOOR, "floor_app"))
        if any_async:
            targets.append(baseline(FLOOR_ASYNC, "floor_async_app", use_async=True))
    if "peer" not in args.skip:
        targets.append(baseline(PEER, "sqlmodel_app"))
    for n, (label, folder, db, is_async) in enumerate(projects):
        url = database(db, f"{n}_{folder.name}")
        targets.append(Target(label, f"{PACKAGE}.main:app", folder, url, is_async))
    return targets, bakes


@dataclass
class Measured:
    one_worker: dict[str, Result]  # per endpoint
    more_workers: dict[int, dict[str, Result]]  # per worker count, per endpoint in SCALED


def check_answers(target: Target, port: int, paths: dict[str, list[str]], expected: dict[str, str]) -> None:
    """The same answers as the bare route's, or the comparison means nothing."""
    for name in ENDPOINTS:
        path = paths[name][0]
        status, body = get(port, path)
        if status != 200:
            sys.exit(f"{target.label}: GET {path} answered {status}: {body[:300]!r}")
        got = normalized(body)
        if expected.setdefault(name, got) != got:
            why = difference(expected[name], got)
            sys.exit(f"{target.label}: GET {path} differs from the bare route's answer: {why}")


def measure_round(
    args: argparse.Namespace, targets: list[Target], tmp: Path, expected: dict[str, str], seeded: set[str]
) -> dict[str, Measured]:
    """Every target once: one worker for all endpoints, then more workers for SCALED."""
    users = dataset.build(args.users, args.items)
    paths = paths_for(users)
    env = server_env(args.users, args.items)
    results: dict[str, Measured] = {}

    def loaded(server: Server, name: str) -> Result:
        load(args.loader, server.port, paths[name], args.warmup, args.connections, tmp)
        # CPU time per request moves less with other load on the machine than req/s.
        cpu = cpu_seconds(server.pid)
        result = load(args.loader, server.port, paths[name], args.duration, args.connections, tmp)
        result.cpu_ms = (cpu_seconds(server.pid) - cpu) * 1000 / max(result.requests, 1)
        return result

    for target in targets:
        print(f"-- {target.label}", file=sys.stderr)
        measured = results[target.label] = Measured({}, {})
        with serve_target(target, env, tmp / "server.log") as server:
            if target.database_url and target.label not in seeded:
                seed(target.database_url, users)
                seeded.add(target.label)
            check_answers(target, server.port, paths, expected)
            measured.one_worker = {name: loaded(server, name) for name in ENDPOINTS}
        for workers in args.more_workers:
            with serve_target(target, env, tmp / "server.log", workers) as server:
                measured.more_workers[workers] = {name: loaded(server, name) for name in SCALED}
    return results


def median_result(results: list[Result]) -> Result:
    """The median of each measure over the rounds; the errors of all of them."""
    if len(results) == 1:
        return results[0]
    return Result(
        requests=sum(r.requests for r in results),
        rps=statistics.median(r.rps for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
        cpu_ms=statistics.median(r.cpu_ms for r in results),
    )


def measure(args: argparse.Namespace, targets: list[Target], tmp: Path) -> dict[str, Measured]:
    """All rounds, every other one in reverse order, so that no target always runs first or last.

    The sync bare route runs first of all: the answers every other target must give.
    """
    expected: dict[str, str] = {}
    seeded: set[str] = set()
    rounds = [
        measure_round(args, targets if n % 2 == 0 else targets[::-1], tmp, expected, seeded) for n in range(args.rounds)
    ]
    return {
        t.label: Measured(
            {name: median_result([r[t.label].one_worker[name] for r in rounds]) for name in ENDPOINTS},
            {
                n: {name: median_result([r[t.label].more_workers[n][name] for r in rounds]) for name in SCALED}
                for n in args.more_workers
            },
        )
        for t in targets
    }


def reference_of(target: Target, kind: str) -> str:
    if kind == "bare":
        return BARE_ASYNC if target.use_async else BARE
    if kind == "floor":
        return FLOOR_ASYNC if target.use_async else FLOOR
    return PEER


def ratio(result: Result, reference: Result) -> float:
    return result.rps / reference.rps if reference.rps else 0.0


def ratios(target: Target, results: dict[str, Measured], name: str) -> list[str]:
    """Against the bare route, the floor and the peer: requests/s, then CPU time, as shares."""
    cells = []
    mine = results[target.label].one_worker[name]
    for kind, goals in GOALS.items():
        reference = results.get(reference_of(target, kind))
        if reference is None or reference_of(target, kind) == target.label:
            cells.append("-")
            continue
        theirs = reference.one_worker[name]
        share = ratio(mine, theirs)
        cpu_share = theirs.cpu_ms / mine.cpu_ms if mine.cpu_ms else 0.0
        miss = "" if share >= goals[name] else " miss"
        cells.append(f"{share:.2f} ({cpu_share:.2f}){miss}")
    return cells


def table(head: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(head) + " |")
    print("|---" * len(head) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def report(
    args: argparse.Namespace,
    targets: list[Target],
    bakes: dict[str, float],
    results: dict[str, Measured],
    loads: tuple[float, float],
) -> None:
    if bakes:
        print("\nBake time (cookiecutter CLI, wall clock, interpreter start included; goal < 1000 ms):")
    for cell, ms in bakes.items():
        print(f"  {cell:34} {ms:5.0f} ms")
    print(
        f"\n{args.users} users x {args.items} items; loader {args.loader}, {args.connections}"
        f" connections, {args.duration} s per endpoint; {os.cpu_count()} CPUs;"
        f" load average {loads[0]:.1f} at the start, {loads[1]:.1f} at the end\n"
    )
    more = args.more_workers
    head = ["target"]
    for name in ENDPOINTS:
        head += [f"{name} req/s", *(f"x{n} workers" for n in (more if name in SCALED else [])), "p99 ms", "CPU ms/req"]
    rows = []
    for target in targets:
        measured = results[target.label]
        row = [target.label]
        for name in ENDPOINTS:
            r = measured.one_worker[name]
            scaled = [f"{measured.more_workers[n][name].rps:.0f}" for n in (more if name in SCALED else [])]
            row += [f"{r.rps:.0f}", *scaled, f"{r.p99_ms:.1f}", f"{r.cpu_ms:.2f}"]
        errors = [r.errors for r in measured.one_worker.values()]
        errors += [r.errors for by_name in measured.more_workers.values() for r in by_name.values()]
        rows.append([*row, str(sum(errors))])
    table([*head, "errors"], rows)
    print("\n" + "; ".join(f"{k} = {v}" for k, v in ENDPOINTS.items()) + ".")
    print("req/s, p99 and CPU with one worker; xN workers: req/s with N, TCP_NODELAY restored (Kludex/uvicorn#3149).")
    print("CPU ms/req: the server process's CPU time per request (PostgreSQL's not included).\n")

    head = ["target"] + [f"{name} x {kind}" for name in SCALED for kind in GOALS]
    compared = [t for t in targets if t.label not in {BARE, BARE_ASYNC}]
    table(head, [[t.label, *(c for name in SCALED for c in ratios(t, results, name))] for t in compared])
    print("\nShares of a reference, one worker: requests/s, and in parentheses the reference's CPU ms per")
    print("request over the target's (steadier under other load). x bare: against the bare route of the")
    print("target's kind (def or async def); x floor: against its driver's floor, psycopg for sync targets,")
    print("asyncpg for async ones; x peer: against the SQLModel app.")
    goals = "; ".join(f"x {kind} >= {g['list']} (list), {g['one']} (one)" for kind, g in GOALS.items())
    print(f"Goals: {goals}. miss: short of it in requests/s.")
    if args.rounds > 1:
        print(f"Medians of {args.rounds} rounds.")
    if max(loads) > (os.cpu_count() or 1):
        print(f"Load average up to {max(loads):.1f}: other work competed for the CPUs; req/s are low and noisy.")
    if args.json:
        data = {
            target.label: {
                "one_worker": {k: asdict(r) for k, r in results[target.label].one_worker.items()},
                "more_workers": {
                    n: {k: asdict(r) for k, r in by_name.items()}
                    for n, by_name in results[target.label].more_workers.items()
                },
                "references": {kind: reference_of(target, kind) for kind in GOALS},
            }
            for target in targets
        }
        args.json.write_text(json.dumps({"bake_ms": bakes, "load_average": loads, "results": data}, indent=2))


def main() -> None:
    args = parse_args()
    exit_on_sigterm()
    started_load = os.getloadavg()[0]
    try:
        with contextlib.ExitStack() as stack:  # closes last-in first: servers, databases, files
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
            targets, bakes = make_targets(args, stack, tmp)
            results = measure(args, targets, tmp)
    except KeyboardInterrupt:
        sys.exit("interrupted: servers stopped, databases dropped")
    report(args, targets, bakes, results, (started_load, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
