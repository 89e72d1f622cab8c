"""A real PgBouncer in transaction mode in front of the test PostgreSQL server.

Each test gets a PgBouncer of its own on a free loopback port (so pytest-xdist's
workers never share one), which it can stop and start again on the same port.
Its pool is small and hands its idle server sessions out in turn, so one client's
consecutive transactions run on different sessions, and a session runs many clients'
transactions: whatever a client leaves on a server session (a prepared statement, a
session lock) is missing from its next transaction and turns up under another client.
"""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg

from .cells import POSTGRES_URL, server_address
from .server import free_port

# Debian installs it in /usr/sbin, which is not on every user's PATH.
PGBOUNCER = shutil.which("pgbouncer", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/local/sbin")
# PgBouncer refuses to run as root: as root, it runs as this user (the PostgreSQL server's).
RUN_AS = "postgres"
# The projects' setting for a transaction pooler, in every process that goes through one.
POOLER_ENV = {"DATABASE_POOLER": "pgbouncer"}
DEFAULT_POOL_SIZE = 10  # server connections per database: fewer than the clients of a test
WARM = 3  # server sessions opened to a database before its tests use it
QUERY_TIMEOUT = 20  # seconds: no query of the tests runs that long

CONFIG = """\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
; TCP only: no socket file that another PgBouncer (a system one) could also want
unix_socket_dir =
auth_type = trust
auth_file = {auth_file}
pool_mode = transaction
max_client_conn = 1000
default_pool_size = {pool_size}
; Idle server sessions handed out in turn, not the last one used first: consecutive
; transactions of one client land on different ones
server_round_robin = 1
; A query waiting on a lock held by a session no client owns any more (a session lock
; released on another server session) fails the test in seconds instead of hanging it
query_timeout = {query_timeout}
; Startup parameters PgBouncer does not track, which drivers send
ignore_startup_parameters = extra_float_digits,options
log_connections = 0
log_disconnections = 0
"""


def pgbouncer_problem() -> str | None:
    """Why no PgBouncer can run here, or None when one can."""
    if PGBOUNCER is None:
        return "pgbouncer is not installed (Debian: apt-get install pgbouncer)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(RUN_AS)
        except KeyError:
            return f"pgbouncer refuses to run as root, and there is no user {RUN_AS!r} to run it as"
    return None


def quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


class PgBouncer:
    """One PgBouncer process on a fixed port, in front of the test PostgreSQL server."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.log = directory / "pgbouncer.log"
        self.process: subprocess.Popen[bytes] | None = None
        host, port, user, password = server_address("postgresql")
        self.probe_url = urlunsplit(
            urlsplit(POSTGRES_URL)._replace(netloc=f"{quote(user, safe='')}@127.0.0.1:{self.port}")
        )
        auth_file = directory / "userlist.txt"
        # Trust lets any listed user in, whatever password it gives; PgBouncer logs into
        # the server with the password listed here.
        auth_file.write_text(f"{quoted(user)} {quoted(password)}\n")
        self.config = directory / "pgbouncer.ini"
        self.config.write_text(
            CONFIG.format(
                host=host,
                port=port,
                listen_port=self.port,
                auth_file=auth_file,
                pool_size=DEFAULT_POOL_SIZE,
                query_timeout=QUERY_TIMEOUT,
            )
        )
        if os.geteuid() == 0:
            # Its files are private to the user it runs as.
            account = pwd.getpwnam(RUN_AS)
            for path in (directory, auth_file, self.config):
                os.chown(path, account.pw_uid, account.pw_gid)

    def through(self, url: str) -> str:
        """The same database URL (user, password, database name) through this PgBouncer,
        which first opens several server sessions to that database.

        PgBouncer opens server sessions only as clients need them at once. With several
        already open, a client's consecutive transactions each take the next one.
        """
        parts = urlsplit(url)
        credentials, at, _ = parts.netloc.rpartition("@")
        pooled = urlunsplit(parts._replace(netloc=f"{credentials}{at}127.0.0.1:{self.port}"))
        with ExitStack() as stack:
            clients = [stack.enter_context(psycopg.connect(pooled, prepare_threshold=None)) for _ in range(WARM)]
            for client in clients:
                client.execute("SELECT 1")  # in a transaction: each holds a server session
            for client in clients:
                client.commit()
        return pooled

    def start(self, timeout: float = 10) -> None:
        """Start it on its port, and wait until a query goes through it."""
        assert self.process is None, "already running"
        command = [str(PGBOUNCER), *(["-u", RUN_AS] if os.geteuid() == 0 else []), str(self.config)]
        with self.log.open("a") as output:  # not a daemon: it logs to its stderr
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"pgbouncer did not come up on port {self.port}:\n{self.log.read_text()}")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            with psycopg.connect(self.probe_url, autocommit=True, connect_timeout=1, prepare_threshold=None) as probe:
                probe.execute("SELECT 1")
        except psycopg.OperationalError:
            return False
        return True

    def stop(self) -> None:
        """Stop it at once: clients and server connections are dropped, the port is free."""
        if self.process is None:
            return
        process, self.process = self.process, None
        process.send_signal(signal.SIGCONT)  # in case it is paused
        process.terminate()  # SIGTERM: PgBouncer's immediate shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def pause(self) -> None:
        """Freeze it (SIGSTOP): connections to it stay open, nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@contextmanager
def running_pgbouncer() -> Iterator[PgBouncer]:
    """A started PgBouncer, stopped and its files removed afterwards."""
    # Not under pytest's tmp_path: its folders are private to this user, and PgBouncer
    # may run as another one.
    directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    bouncer = PgBouncer(directory)
    try:
        bouncer.start()
        yield bouncer
    finally:
        bouncer.stop()
        shutil.rmtree(directory, ignore_errors=True)
