"""The Dockerfile's command stops gracefully on SIGTERM, as `docker stop` sends it.

The CMD is read from the Dockerfile and run as it stands, with the image's ENV, on
127.0.0.1 and a free port instead of 0.0.0.0:8000: a request in flight when SIGTERM
arrives still gets its answer, the app's shutdown runs to its end, and the process
exits well within the graceful timeout the command sets.
"""

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from .cells import Cell
from .conftest import PACKAGE, PLACEHOLDER_URLS, Bake, clean_env, dockerfile_cmd, dockerfile_env, uvicorn_options
from .server import answers, free_port

# Both ORMs, sync and async, both strategies, with the image's one worker process; and the
# supervisor of several workers (the same in every cell), which passes SIGTERM on to each.
CASES = [
    (Cell("sqlalchemy", "dependency", "sqlite"), "1"),
    (Cell("peewee", "middleware", "sqlite"), "1"),
    (Cell("sqlalchemy", "middleware", "sqlite", use_async=True), "1"),
    (Cell("peewee", "dependency", "sqlite", use_async=True), "1"),
    (Cell("sqlalchemy", "dependency", "sqlite"), "2"),
    (Cell("peewee", "middleware", "sqlite"), "2"),
]
SLOW_REQUEST_SECONDS = 1.0  # what GET /slowusers/ holds up its answer
IN_FLIGHT_SECONDS = 0.3  # how long into that request SIGTERM comes


def local_command(cmd: list[str], port: int) -> list[str]:
    """The CMD with this Python's uvicorn, on the loopback and the given port."""
    program, *arguments = cmd
    assert program == "uvicorn"
    for option, value in (("--host", "127.0.0.1"), ("--port", str(port))):
        arguments[arguments.index(option) + 1] = value
    return [sys.executable, "-m", "uvicorn", *arguments]


def slow_request(connection: http.client.HTTPConnection, outcome: dict[str, Any]) -> None:
    try:
        connection.request("GET", "/slowusers/")
        response = connection.getresponse()
        outcome["status"], outcome["body"] = response.status, response.read()
    except Exception as error:  # the test reports it
        outcome["error"] = error
    outcome["done"] = time.monotonic()


@pytest.mark.parametrize(("cell", "workers"), CASES, ids=[f"{c.id}-WEB_CONCURRENCY={w}" for c, w in CASES])
def test_sigterm_lets_the_request_in_flight_finish_then_shuts_down(
    bake: Bake, tmp_path: Path, cell: Cell, workers: str
) -> None:
    project = bake(**cell.answers(PLACEHOLDER_URLS["sqlite"]), package_name=PACKAGE)
    cmd = dockerfile_cmd(project)
    graceful = uvicorn_options(cmd[1:])["timeout_graceful_shutdown"]
    image_env = {name: value for name, value in dockerfile_env(project).items() if name != "PATH"}
    env = clean_env(**image_env | {"WEB_CONCURRENCY": workers, "DATABASE_URL": f"sqlite:///{tmp_path}/app.db"})
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            local_command(cmd, port),
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while log.read_text().count("Application startup complete") < int(workers):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert answers(f"http://127.0.0.1:{port}/health/live")

        # A connection the server has accepted (a first request on it answered), then the slow
        # request on it, and SIGTERM while that one is in flight.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/health/live")
        assert connection.getresponse().read()
        outcome: dict[str, Any] = {}
        requester = threading.Thread(target=slow_request, args=(connection, outcome))
        started = time.monotonic()
        requester.start()
        time.sleep(IN_FLIGHT_SECONDS)
        assert "done" not in outcome, outcome
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        process.wait(timeout=graceful + 10)
        exited = time.monotonic()
        requester.join(timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        connection.close()
    lines = log.read_text()

    # The request finished, answered in full, after its second.
    assert "error" not in outcome and outcome.get("status") == 200, (outcome, lines)
    assert outcome["body"].startswith(b"[")
    assert outcome["done"] - started >= SLOW_REQUEST_SECONDS
    # The process went once that was done, well within the graceful bound, and exited as
    # uvicorn does after a graceful SIGTERM: by the signal, raised again once it is done.
    assert exited - signalled < graceful, lines
    assert process.returncode in {0, -signal.SIGTERM}, (process.returncode, lines)
    # The app's shutdown ran to its end, in every worker, after the server stopped taking requests.
    assert lines.count("Application shutdown complete") == int(workers), lines
    assert lines.index("Shutting down") < lines.index("Application shutdown complete"), lines
    assert "Cancel" not in lines and "Traceback" not in lines, lines
