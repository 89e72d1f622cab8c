"""Schemathesis fuzzes every cell's API, served by uvicorn, from its own OpenAPI schema.

Wanted: no server error, no status code the schema does not document, no response
that breaks its schema. /slowusers/ is left out: it is /users/ plus a deliberate
one-second sleep. Schemathesis's coverage phase is off: on Python 3.11 it crashes
inside Hypothesis before sending anything.
"""

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .cells import CELLS, Cell
from .conftest import Bake, clean_env, run

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(project: Path) -> Iterator[str]:
    """Run the project with uvicorn on a free loopback port until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "sql_app.main:app", "--port", str(port), "--log-level", "warning"]
    log = project / "server.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(command, cwd=project, env=clean_env(), stdout=log_file, stderr=log_file)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/openapi.json", timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start: {log.read_text()}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_fuzzing_finds_nothing(bake: Bake, cell: Cell, database_url: str) -> None:
    project = bake(**cell.answers(database_url))
    with serve(project) as base:
        result = run(
            [
                sys.executable, "-m", "schemathesis.cli", "run", f"{base}/openapi.json",
                "--checks", CHECKS, "--phases", "examples,fuzzing,stateful",
                "--exclude-path", "/slowusers/", "--max-examples", "40", "--workers", "2",
                "--seed", "20261122", "--no-color",
            ],
            cwd=project,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
