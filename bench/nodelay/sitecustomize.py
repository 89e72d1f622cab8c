"""Put on PYTHONPATH by bench/run.py for servers with several workers: keeps TCP_NODELAY on.

With `--workers N` uvicorn binds the listening socket itself, with `proto` left at 0.
Accepted connections inherit it, asyncio then leaves Nagle's algorithm on, and every
keep-alive request after a connection's first waits about 40 ms for the client's
delayed ACK (Kludex/uvicorn#3149, open; one worker is not affected). That would cap
every target alike, at about 10 connections / 40 ms. This gives the socket
IPPROTO_TCP, as the proposed fix does, so that the benchmark measures the apps.
"""

import socket

from uvicorn.config import Config

bind_socket = Config.bind_socket


def bind_tcp_socket(self: Config) -> socket.socket:
    sock = bind_socket(self)
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    return sock


Config.bind_socket = bind_tcp_socket  # type: ignore[method-assign]
