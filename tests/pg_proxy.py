"""A pass-through TCP proxy in front of PostgreSQL that records what each client sends.

Point an app's DATABASE_URL at it (`proxy.url(database_url)`) and it relays every byte
both ways, reading the frontend messages as they pass: the SQL of each simple query
('Q') and of each executed portal ('P' parse, 'B' bind, 'E' execute), and every
message after which the client waits for the server: 'S' sync, 'Q' query and 'F'
function call, each answered by one ReadyForQuery, and 'H' flush (asyncpg prepares a
statement with Parse, Describe, Flush, and waits for the description before binding).
No server setting is needed and nothing is mocked: the app talks to the real server.
A test asks what ran between two moments:

    mark = proxy.mark()
    ...requests...
    traffic = proxy.since(mark)  # after proxy.settle()
    traffic.statements, traffic.round_trips, traffic.connections

A client's SSLRequest or GSSENCRequest is answered 'N' (no encryption) by the proxy
itself, so the traffic stays readable; clients that prefer TLS (the default of libpq
and asyncpg) go on in plain text, clients that require it fail. Standard library
only, so the benchmark can use it without pytest.
"""

import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlsplit

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
WAITS = {b"S", b"Q", b"F"}  # messages the server answers with ReadyForQuery
CONNECTION = "connection"  # the kind of the record a new client connection leaves

# A simple query may hold several statements: split at semicolons outside quotes,
# dollar quotes and comments.
TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|(\$\w*\$).*?\1|--[^\n]*|/\*.*?\*/|;", re.DOTALL)


def split_statements(query: str) -> list[str]:
    statements, start = [], 0
    for token in TOKENS.finditer(query):
        if token.group() == ";":
            statements.append(query[start : token.start()])
            start = token.end()
    statements.append(query[start:])
    return [s.strip() for s in statements if s.strip()]


@dataclass(frozen=True)
class Record:
    connection: int  # the proxy's number for the client connection, from 1
    kind: str  # "query", "execute", "sync", "flush", "call", or CONNECTION for a new connection
    sql: str = ""


@dataclass
class Traffic:
    """What the clients sent in a window of time."""

    records: list[Record]

    @property
    def statements(self) -> list[str]:
        """The SQL statements run, in order: one per Execute, each of a simple query's.

        An empty one (`;`, as some pings send) counts too: the server answers it.
        """
        out: list[str] = []
        for record in self.records:
            if record.kind == "execute":
                out.append(record.sql)
            elif record.kind == "query":
                out += split_statements(record.sql) or [record.sql]
            elif record.kind == "call":
                out.append("(function call)")
        return out

    @property
    def round_trips(self) -> int:
        """Messages after which the client waits for the server's answer."""
        return sum(record.kind in {"sync", "flush", "query", "call"} for record in self.records)

    @property
    def connections(self) -> int:
        """Client connections opened."""
        return sum(record.kind == CONNECTION for record in self.records)

    def describe(self) -> str:
        counts = f"{len(self.statements)} statements, {self.round_trips} round trips"
        lines = [f"{counts}, {self.connections} new connections"]
        lines += [f"  #{r.connection} {r.kind} {shorter(r.sql)}".rstrip() for r in self.records]
        return "\n".join(lines)


def shorter(sql: str, most: int = 160) -> str:
    """The SQL on one line, cut to `most` characters."""
    line = " ".join(sql.split())
    return line if len(line) <= most else line[: most - 3] + "..."


def cstring(body: bytes, start: int) -> tuple[str, int]:
    end = body.index(b"\0", start)
    return body[start:end].decode(errors="replace"), end + 1


@dataclass
class Session:
    """One client connection: the names it prepared and bound, and its unanswered messages."""

    number: int
    prepared: dict[str, str] = field(default_factory=dict)  # statement name -> SQL
    portals: dict[str, str] = field(default_factory=dict)  # portal name -> SQL
    parsed: str = ""  # the SQL of the last Parse, which a Flush may be waiting to see described
    waiting: int = 0  # messages sent that wait for a ReadyForQuery not yet seen


class Proxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.records: list[Record] = []
        self.sessions: dict[int, Session] = {}
        self.last_activity = time.monotonic()
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = int(self.listener.getsockname()[1])
        self.sockets: list[socket.socket] = []
        self.stopping = threading.Event()
        self.acceptor = threading.Thread(target=self.accept, daemon=True)

    def url(self, database_url: str) -> str:
        """The database URL with its host and port replaced by the proxy's."""
        parts = urlsplit(database_url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return parts._replace(netloc=netloc).geturl()

    def mark(self) -> int:
        with self.lock:
            return len(self.records)

    def since(self, mark: int) -> Traffic:
        with self.lock:
            return Traffic(self.records[mark:])

    def settle(self, quiet: float = 0.25, timeout: float = 10) -> None:
        """Wait until every message has had its answer and nothing passed for `quiet` seconds.

        After a response the app may still be talking to the database (a dependency's
        cleanup runs after the response is sent); this waits for that too.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                idle = time.monotonic() - self.last_activity
                answered = all(s.waiting == 0 for s in self.sessions.values())
            if answered and idle >= quiet:
                return
            time.sleep(quiet / 5)
        raise TimeoutError(f"the database traffic did not settle in {timeout} s")

    def record(self, session: Session, kind: str, sql: str = "") -> None:
        with self.lock:
            self.records.append(Record(session.number, kind, sql))

    def touch(self) -> None:
        with self.lock:
            self.last_activity = time.monotonic()

    def accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            threading.Thread(target=self.relay, args=(client,), daemon=True).start()

    def relay(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.upstream)
        except OSError:
            client.close()
            return
        with self.lock:
            self.sockets += [client, server]
            number = len(self.sessions) + 1
            session = self.sessions[number] = Session(number)
        try:
            if not self.start(client, server, session):
                return
            answers = partial(self.read_answer, session)
            answering = threading.Thread(target=self.pump, args=(server, client, answers), daemon=True)
            answering.start()
            self.pump(client, server, partial(self.read_message, session))
            answering.join()
        finally:
            for sock in (client, server):
                sock.close()
            with self.lock:
                session.waiting = 0  # a closed connection waits for nothing

    def start(self, client: socket.socket, server: socket.socket, session: Session) -> bool:
        """Relay the untyped startup packet, answering encryption requests with 'N'."""
        while True:
            header = receive(client, 8)
            if header is None:
                return False
            length, code = struct.unpack("!ii", header)
            rest = receive(client, length - 8)
            if rest is None:
                return False
            if code in (SSL_REQUEST, GSSENC_REQUEST):
                client.sendall(b"N")
                continue
            server.sendall(header + rest)
            if code != CANCEL_REQUEST:
                self.record(session, CONNECTION)
                self.touch()
                return True
            return False  # a cancel request goes on a connection of its own, then ends

    def pump(self, source: socket.socket, sink: socket.socket, read: Callable[[bytes, bytes], None]) -> None:
        """Relay one direction, each complete message read before it is passed on.

        Read first, so that a message waiting for an answer is counted before the
        server can answer it, and an answer before the client can send the next.
        """
        buffer = bytearray()
        while chunk := recv(source):
            buffer += chunk
            while len(buffer) >= 5:
                length = struct.unpack_from("!i", buffer, 1)[0]
                if len(buffer) < 1 + length:
                    break
                kind, body = bytes(buffer[:1]), bytes(buffer[5 : 1 + length])
                del buffer[: 1 + length]
                read(kind, body)
            self.touch()
            try:
                sink.sendall(chunk)
            except OSError:
                break
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def read_message(self, session: Session, kind: bytes, body: bytes) -> None:
        if kind in WAITS:
            with self.lock:
                session.waiting += 1
        if kind == b"Q":
            self.record(session, "query", cstring(body, 0)[0])
        elif kind == b"P":
            name, after = cstring(body, 0)
            session.prepared[name] = session.parsed = cstring(body, after)[0]
        elif kind == b"B":
            portal, after = cstring(body, 0)
            session.portals[portal] = session.prepared.get(cstring(body, after)[0], "?")
        elif kind == b"E":
            self.record(session, "execute", session.portals.get(cstring(body, 0)[0], "?"))
        elif kind == b"S":
            self.record(session, "sync")
        elif kind == b"H":
            self.record(session, "flush", session.parsed)
        elif kind == b"F":
            self.record(session, "call")

    def read_answer(self, session: Session, kind: bytes, _: bytes) -> None:
        if kind == b"Z":  # ReadyForQuery
            with self.lock:
                session.waiting = max(session.waiting - 1, 0)

    def close(self) -> None:
        self.stopping.set()
        self.listener.close()
        with self.lock:
            sockets = list(self.sockets)
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def recv(sock: socket.socket, size: int = 65536) -> bytes:
    try:
        return sock.recv(size)
    except OSError:
        return b""


def receive(sock: socket.socket, size: int) -> bytes | None:
    """Exactly `size` bytes, or None at the end of the stream."""
    data = b""
    while len(data) < size:
        chunk = recv(sock, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


@contextmanager
def counting_proxy(database_url: str) -> Iterator[Proxy]:
    """A proxy in front of the server the PostgreSQL URL names, for the duration of the block."""
    parts = urlsplit(database_url)
    proxy = Proxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    proxy.acceptor.start()
    try:
        yield proxy
    finally:
        proxy.close()
