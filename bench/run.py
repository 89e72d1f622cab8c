"""Benchmark the generated API against bare in-memory routes and two baselines.

Bakes the chosen cells into a temporary folder (timing each bake), gives each server
its own throwaway database, seeds it, serves it with uvicorn on 127.0.0.1, loads
`GET /users/?limit=100` and `GET /users/{id}` with wrk (or a small Python load
generator) and prints one table. Baselines, all answering through the classic
tutorial's response schemas (tutorial_schemas.py, `email: str`) with the same
JSON: bare_app.py (from memory, what the ratios are taken against), naive_app.py
(the tutorial's lazy loading) and floor_app.py (plain psycopg, no ORM).
Everything it starts is stopped, and every database it creates is dropped, on
success, error and Ctrl-C alike. How to run it and read it: the "Benchmark"
section of the top-level README.md.
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

import dataset
import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the template's tests/ helpers
from tests.server import Server, serve

BENCH = Path(__file__).resolve().parent
TEMPLATE = BENCH.parent
PACKAGE = "sql_app"
DEFAULT_POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ENDPOINTS = {"list": "GET /users/?limit=100", "one": "GET /users/{id}"}
GOAL = 0.5  # wanted share of the bare route's requests/s, for both endpoints
BARE = "bare route (memory)"
BARE_ASYNC = "bare route, async def (memory)"


@dataclass
class Target:
    label: str
    app: str  # uvicorn's "module:attribute"
    folder: Path  # where uvicorn starts: a baked project, or bench/ for the baselines
    database_url: str | None  # None: serves from memory
    use_async: bool = False  # compared with the `async def` bare route


@dataclass
class Result:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float = 0.0  # the server's CPU time per request


def async_choices() -> list[str]:
    """The template's `use_async` answers, or [] while it has no such question."""
    answers = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    choices = answers.get("use_async", [])
    return [str(c) for c in choices] if isinstance(choices, list) else ["no", "yes"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orm", nargs="*", default=["sqlalchemy", "peewee"], help="none: --project only")
    parser.add_argument("--strategy", nargs="+", default=["dependency", "middleware"])
    supported = async_choices()
    parser.add_argument(
        "--use-async",
        nargs="+",
        choices=["no", "yes"],
        default=[c for c in ["no", "yes"] if c in supported] or ["no"],
        help="the cells' use_async answers (default: every one the template offers; sync only without the question)",
    )
    parser.add_argument("--db", nargs="+", default=["postgresql"], choices=["postgresql", "sqlite"])
    parser.add_argument("--project", nargs="+", type=Path, default=[], help="also serve these baked projects")
    parser.add_argument("--skip", nargs="+", default=[], choices=["naive", "floor"], help="baselines to leave out")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--items", type=int, default=5, help="items per user")
    parser.add_argument("--duration", type=int, default=5, help="seconds per endpoint")
    parser.add_argument("--warmup", type=int, default=1, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="where to CREATE/DROP DATABASE (loopback)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if args.use_async != ["no"] and not supported:
        parser.error("--use-async yes: this template's cookiecutter.json has no use_async question yet")
    unknown = set(args.use_async) - set(supported) if supported else set()
    if unknown:
        parser.error(f"--use-async: cookiecutter.json offers {supported}, not {sorted(unknown)}")
    if urlsplit(args.postgres).hostname not in LOOPBACK:
        parser.error("--postgres must point at 127.0.0.1: this benchmark stays on loopback")
    if args.loader == "auto":
        args.loader = default_loader()
    return args


def default_loader() -> str:
    return "wrk" if shutil.which("wrk") else "python"


def exit_on_sigterm() -> None:
    # Like Ctrl-C, a SIGTERM unwinds the stacks: servers stop, databases go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def bake(orm: str, strategy: str, db: str, out: Path, use_async: str | None = None) -> tuple[Path, float]:
    """Bake one cell with the cookiecutter CLI; returns its folder and the wall time in ms.

    `use_async` None: no answer given (a template without the question, or its default).
    """
    slug = f"{orm}-{strategy}-{db}" + ("-async" if use_async == "yes" else "")
    url = "sqlite:///./sql_app.db" if db == "sqlite" else "postgresql://u@127.0.0.1:5432/app"
    answers = [f"orm={orm}", f"session_strategy={strategy}", f"project_slug={slug}"]
    answers += [f"package_name={PACKAGE}", f"database_url={url}"]
    if use_async is not None:
        answers.append(f"use_async={use_async}")
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
    return {"list": ["/users/?limit=100"], "one": [f"/users/{u.id}" for u in users]}


def server_env(users: int, items: int) -> dict[str, str]:
    # bench/ on the path for the baseline apps; the sizes for the in-memory one.
    env = {"PYTHONPATH": str(BENCH), "BENCH_USERS": str(users), "BENCH_ITEMS": str(items)}
    return {**os.environ, **env}


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def serve_target(target: Target, env: dict[str, str], log: Path) -> Iterator[Server]:
    """Run one uvicorn worker on a free loopback port until the block ends."""
    if target.database_url:
        env = {**env, "DATABASE_URL": target.database_url}
    # uvicorn runs the app's startup (creating the tables) before it listens.
    try:
        with serve(target.folder, "--no-access-log", "--log-level", "warning", env=env, log=log, app=target.app) as s:
            yield s
    except RuntimeError as error:
        sys.exit(f"{target.label}: {error}")


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
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    target must give); the `async def` bare route only when an async target is there.
    """
    # The use_async answer is passed only when the template asks the question.
    answers: list[str | None] = list(args.use_async) if async_choices() else [None]
    cells = list(itertools.product(args.orm, args.strategy, args.db, answers))
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

    def database(db: str, name: str) -> str:
        name = re.sub(r"\W", "_", name.lower())
        if db == "sqlite":
            return f"sqlite:///{tmp / name}.db"
        return create_database(stack, args.postgres, f"bench_{os.getpid()}_{name}")

    targets = [Target(BARE, "bare_app:app", BENCH, None)]
    if any(is_async for *_, is_async in projects):
        targets.append(Target(BARE_ASYNC, "bare_app:async_app", BENCH, None, use_async=True))
    if "naive" not in args.skip:
        url = database("postgresql", "naive")
        targets.append(Target("naive lazy loading (N+1)", "naive_app:app", BENCH, url))
    if "floor" not in args.skip:
        url = database("postgresql", "floor")
        targets.append(Target("plain psycopg, no ORM (floor)", "floor_app:app", BENCH, url))
    for n, (label, folder, db, is_async) in enumerate(projects):
        url = database(db, f"{n}_{folder.name}")
        targets.append(Target(label, f"{PACKAGE}.main:app", folder, url, is_async))
    return targets, bakes


def measure(args: argparse.Namespace, targets: list[Target], tmp: Path) -> dict[str, dict[str, Result]]:
    users = dataset.build(args.users, args.items)
    paths = paths_for(users)
    results: dict[str, dict[str, Result]] = {}
    expected: dict[str, str] = {}
    for target in targets:
        print(f"-- {target.label}", file=sys.stderr)
        with serve_target(target, server_env(args.users, args.items), tmp / "server.log") as server:
            if target.database_url:
                seed(target.database_url, users)
            # The same answers as the bare route's, or the comparison means nothing.
            for name in ENDPOINTS:
                path = paths[name][0]
                status, body = get(server.port, path)
                if status != 200:
                    sys.exit(f"{target.label}: GET {path} answered {status}: {body[:300]!r}")
                got = normalized(body)
                if expected.setdefault(name, got) != got:
                    why = difference(expected[name], got)
                    sys.exit(f"{target.label}: GET {path} differs from the bare route's answer: {why}")
            results[target.label] = {}
            for name in ENDPOINTS:
                load(args.loader, server.port, paths[name], args.warmup, args.connections, tmp)
                # CPU time per request moves less with other load on the machine than req/s.
                cpu = cpu_seconds(server.pid)
                result = load(args.loader, server.port, paths[name], args.duration, args.connections, tmp)
                result.cpu_ms = (cpu_seconds(server.pid) - cpu) * 1000 / max(result.requests, 1)
                results[target.label][name] = result
    return results


def report(
    args: argparse.Namespace, targets: list[Target], bakes: dict[str, float], results: dict[str, dict[str, Result]]
) -> None:
    if bakes:
        print("\nBake time (cookiecutter CLI, wall clock, interpreter start included; goal < 1000 ms):")
    for cell, ms in bakes.items():
        print(f"  {cell:34} {ms:5.0f} ms")
    print(
        f"\n{args.users} users x {args.items} items; loader {args.loader}, {args.connections}"
        f" connections, {args.duration} s per endpoint; {os.cpu_count()} CPUs; one uvicorn worker\n"
    )
    head = ["target"]
    for name in ENDPOINTS:
        head += [f"{name} req/s", "p50 ms", "p99 ms", "CPU ms/req", "x bare"]
    print("| " + " | ".join([*head, "errors"]) + " |")
    print("|---" * (len(head) + 1) + "|")
    compared_to = {t.label: BARE_ASYNC if t.use_async else BARE for t in targets}
    for label, by_endpoint in results.items():
        row = [label]
        bare = results[compared_to[label]]
        for name in ENDPOINTS:
            r = by_endpoint[name]
            ratio = r.rps / bare[name].rps if bare[name].rps else 0.0
            miss = "" if ratio >= GOAL else " (miss)"
            row += [f"{r.rps:.0f}", f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}", f"{r.cpu_ms:.2f}", f"{ratio:.2f}{miss}"]
        row.append(str(sum(r.errors for r in by_endpoint.values())))
        print("| " + " | ".join(row) + " |")
    print("\n" + "; ".join(f"{k} = {v}" for k, v in ENDPOINTS.items()) + f"; goal: x bare >= {GOAL}.")
    print("CPU ms/req: the server process's CPU time per request (PostgreSQL's not included).")
    if BARE_ASYNC in results:
        print(f"x bare: async targets against the {BARE_ASYNC!r} row, the others against {BARE!r}.")
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print(f"Load average {load:.1f}: other work competed for the CPUs; req/s are low and noisy.")
    if args.json:
        data = {label: {k: asdict(r) for k, r in rs.items()} for label, rs in results.items()}
        args.json.write_text(json.dumps({"bake_ms": bakes, "results": data, "compared_to": compared_to}, indent=2))


def main() -> None:
    args = parse_args()
    exit_on_sigterm()
    try:
        with contextlib.ExitStack() as stack:  # closes last-in first: servers, databases, files
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
            targets, bakes = make_targets(args, stack, tmp)
            results = measure(args, targets, tmp)
    except KeyboardInterrupt:
        sys.exit("interrupted: servers stopped, databases dropped")
    report(args, targets, bakes, results)


if __name__ == "__main__":
    main()
