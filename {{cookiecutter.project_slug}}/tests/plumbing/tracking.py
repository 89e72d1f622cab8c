"""A record of what each request does with database connections: take one, run SQL on it, give it
back. The ORM's hooks (`orm_hooks.py`) report to it; the plumbing proofs ask it who shared or kept
a connection."""

import itertools
import threading
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

from starlette.types import ASGIApp, Receive, Scope, Send

current_request: ContextVar[int | None] = ContextVar("current_request", default=None)


Kind = Literal["take", "run", "give back"]


@dataclass
class Event:
    """A connection taken from the pool (or opened), a statement run on it, or its return."""

    kind: Kind
    request: int | None  # None: outside any request (startup, the tests' own queries)
    connection: object
    sql: str = ""


@dataclass
class RequestTracker:
    """An ASGI wrapper that numbers requests and records, in order, what each does
    with connections: take one, run SQL on it, give it back."""

    app: ASGIApp
    events: list[Event] = field(default_factory=list)
    last_request: int | None = None
    ids: "itertools.count[int]" = field(default_factory=itertools.count)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = self.last_request = next(self.ids)
        token = current_request.set(request)
        try:
            await self.app(scope, receive, send)
        finally:
            current_request.reset(token)

    def record(self, kind: Kind, connection: object, sql: str = "") -> None:
        with self.lock:
            self.events.append(Event(kind, current_request.get(), connection, sql))

    def statements_of_last_request(self) -> list[str]:
        """The SQL of the request that started last, even if it ran none."""
        return [e.sql for e in self.events if e.kind == "run" and e.request == self.last_request]

    def shared_connections(self) -> list[tuple[int | None, int]]:
        """Pairs (holder, other): the other request ran SQL on a connection that the
        holder had taken and not given back yet."""
        holders: dict[int, int | None] = {}
        clashes = set()
        for event in self.events:
            key = id(event.connection)  # events keep their connections alive: ids stay unique
            if event.kind == "take":
                holders[key] = event.request
            elif event.kind == "give back":
                holders.pop(key, None)
            elif event.request is not None:
                # A connection taken before the tracker listened: its first user holds it.
                holder = holders.setdefault(key, event.request)
                if holder != event.request:
                    clashes.add((holder, event.request))
        return sorted(clashes, key=str)

    def connections_not_given_back(self) -> list[int | None]:
        """Who holds a connection now: requests, or None for the tests' own code."""
        held: dict[int, int | None] = {}
        for event in self.events:
            if event.kind == "take":
                held[id(event.connection)] = event.request
            elif event.kind == "give back":
                held.pop(id(event.connection), None)
        return sorted(held.values(), key=str)
