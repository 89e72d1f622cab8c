"""How many database connections this process holds open, as the operating system sees them:
established TCP sockets to the database server's port. The leak proofs count them, which no
pool's own books can hide."""

import contextlib
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from {{ cookiecutter.package_name }}.config import settings

SERVER_PORT = {{ (cookiecutter.database_url | database_url_parts).get("server_port") }}  # a URL's port when it names none
ESTABLISHED = "01"  # the state column of /proc/net/tcp


def open_connections() -> int:
    if sys.platform != "linux":
        pytest.skip("counting open connections reads /proc, which only Linux has")
    port = urlsplit(settings.database_url).port or SERVER_PORT
    sockets = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(FileNotFoundError):  # closed meanwhile by another thread
            handle = os.readlink(fd)
            if handle.startswith("socket:["):
                sockets.add(handle[len("socket:[") : -1])
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            count += fields[3] == ESTABLISHED and remote_port == port and fields[9] in sockets
    return count
