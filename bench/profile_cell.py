"""Where does one generated cell spend its time under load? Samples it with py-spy.

Serves one cell the way bench/run.py does, loads one endpoint and meanwhile samples
the server with `py-spy record --gil --native`: only the thread holding the GIL,
which is what bounds a single worker's requests/s, with C frames so that garbage
collection shows. Prints the share of samples per category and keeps the raw
stacks (`--out`, for flamegraph.pl or speedscope). Needs py-spy from PyPI; root or
ptrace rights to attach. Sampling slows the server down; read shares, not req/s.
"""

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench import dataset, run

# A sample counts where its innermost recognisable frame is (its leaf, C frames
# included), except for these, which win wherever they appear in the stack: a
# collection triggered by any allocation, a statement sent to check a pooled
# connection, and Peewee's statement building (all of peewee is one file).
ANYWHERE = [
    ("garbage collection", ["gc_collect"]),
    ("connection + session handling", ["/pool/", "Session.close", "Database.connect", "Database.close"]),
    ("SQL: build, send, fetch rows", ["Database.execute ("]),
]
LEAF = [
    ("freeing objects", ["_dealloc", "Py_DECREF"]),
    ("Pydantic validation + JSON", ["pydantic", "email_validator"]),
    ("SQL: build, send, fetch rows", ["psycopg", "sqlite3", "sqlalchemy/engine/", "sqlalchemy/sql/"]),
    ("ORM object building", ["sqlalchemy/orm/", "peewee.py"]),
    ("session middleware / dependency", ["sql_app/database.py", "sql_app/deps.py"]),
    ("app code (routes, crud)", ["sql_app/", "_app.py"]),
    ("FastAPI / Starlette", ["fastapi/", "starlette/"]),
    ("thread pool hand-offs", ["anyio/", "threading.py", "concurrent/"]),
    ("HTTP server + event loop", ["uvicorn/", "h11/", "asyncio", "selectors.py"]),
]


def category(stack: str) -> str:
    for name, marks in ANYWHERE:
        if any(mark in stack for mark in marks):
            return name
    for frame in reversed(stack.split(";")):
        for name, marks in LEAF:
            if any(mark in frame for mark in marks):
                return name
    return "other"


def categorize(raw: Path) -> Counter[str]:
    shares: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        shares[category(stack)] += int(count)
    return shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orm", default="sqlalchemy", choices=["sqlalchemy", "peewee"])
    parser.add_argument("--strategy", default="dependency", choices=["dependency", "middleware"])
    parser.add_argument("--use-async", default="no", choices=["no", "yes"])
    parser.add_argument("--project", type=Path, help="profile this baked (maybe edited) project")
    parser.add_argument("--endpoint", default="list", choices=["list", "one"])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir(), "bench-profile.txt"), help="raw stacks")
    parser.add_argument("--postgres", default=run.DEFAULT_POSTGRES)
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or Path(sys.executable).with_name("py-spy")
    if not Path(py_spy).exists():
        sys.exit("py-spy not found: pip install py-spy")
    users = dataset.build()
    paths = run.paths_for(users)[args.endpoint]
    loader = run.default_loader()
    connections = 10  # as bench/run.py's default

    run.exit_on_sigterm()
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        folder = args.project or run.bake(args.orm, args.strategy, "postgresql", tmp, args.use_async)[0]
        url = run.create_database(stack, args.postgres, f"bench_{os.getpid()}_profile")
        target = run.Target(folder.name, f"{run.PACKAGE}.main:app", folder.resolve(), url)
        with run.serve_target(target, run.server_env(len(users), dataset.ITEMS), tmp / "log") as server:
            run.seed(url, users)
            run.load(loader, server.port, paths, 2, connections, tmp)  # warm up
            # Load a little longer than py-spy samples, so that it never sees an idle server.
            load = (loader, server.port, paths, args.seconds + 2, connections, tmp)
            background = threading.Thread(target=run.load, args=load, daemon=True)
            background.start()
            time.sleep(1)
            record = [py_spy, "record", "--pid", str(server.pid), "--gil", "--native", "--format", "raw"]
            record += ["--rate", str(args.rate), "--duration", str(args.seconds), "-o", str(args.out)]
            spy = subprocess.run(record, capture_output=True, text=True)
            if spy.returncode:
                sys.exit(f"py-spy failed (it needs root or ptrace rights):\n{spy.stderr}")
            background.join()
    shares = categorize(args.out)
    total = sum(shares.values())
    print(f"{folder.name}, {args.endpoint}: {total} samples while holding the GIL (raw: {args.out})")
    for name, count in shares.most_common():
        print(f"  {100 * count / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
