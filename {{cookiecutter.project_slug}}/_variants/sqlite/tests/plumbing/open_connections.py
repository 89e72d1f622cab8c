"""How many database connections this process holds open, as the operating system sees them:
a SQLite connection is an open handle on the database file. The leak proofs count them, which
no pool's own books can hide."""

import contextlib
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from {{ cookiecutter.package_name }}.config import settings


def database_file() -> Path:
    return Path(urlsplit(settings.database_url).path[1:]).resolve()


def open_connections() -> int:
    if sys.platform != "linux":
        pytest.skip("counting open connections reads /proc, which only Linux has")
    handles = []
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(FileNotFoundError):  # closed meanwhile by another thread
            handles.append(os.readlink(fd))
    return handles.count(str(database_file()))
