"""Serve a baked project with uvicorn on a free loopback port: for the tests and the benchmark.

Standard library only, so `bench/run.py` can use it without pytest.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    url: str
    port: int
    pid: int
    log: Path

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except OSError:
        return False
    return True


@contextmanager
def serve(
    project: Path,
    *uvicorn_args: str,
    env: Mapping[str, str],
    log: Path,
    app: str = "sql_app.main:app",
    ready: Callable[[Server], bool] = lambda server: answers(f"{server.url}/openapi.json"),
    timeout: float = 60,
) -> Iterator[Server]:
    """Run `uvicorn APP` from the project folder until `ready`, yield it, always stop it.

    The server gets a session of its own, so stopping it ends its workers too and
    nothing else.
    """
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), *uvicorn_args]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=project, env=dict(env), stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(f"http://127.0.0.1:{port}", port, process.pid, log)
    try:
        deadline = time.monotonic() + timeout
        while not ready(server):
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server was not ready after {timeout} s:\n{log.read_text()}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()  # uvicorn stops its workers, then itself
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
