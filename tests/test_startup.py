"""A database the app cannot use at startup: a non-zero exit and one line saying which database.

The line names the host, port, database and user, never the password. (The local
PostgreSQL server trusts its clients and takes any password, so a wrong password is
tried on MariaDB only.)
"""

import re
import sys
from urllib.parse import quote

import pytest

from .cells import MODES, ORMS, server_address
from .conftest import Bake, require_server, run
from .server import free_port

PASSWORD = "s3cret-Pa55"  # the wrong one, where a URL has one

# (backend, URL, what the line must name, what the driver said: a pattern)
UNUSABLE = [
    ("sqlite", "sqlite:////nonexistent/dir/app.db", "/nonexistent/dir/app.db", "unable to open"),
    (
        "postgresql",
        "postgresql://app:{wrong}@127.0.0.1:{closed}/app",
        "'app' on 127.0.0.1:{closed}",
        "refused|call failed",
    ),
    ("postgresql", "postgresql://{user}@{host}:{port}/missing", "'missing' on {host}:{port}", "does not exist"),
    ("mysql", "mysql://app:{wrong}@127.0.0.1:{closed}/app", "'app' on 127.0.0.1:{closed}", "Can't connect"),
    ("mysql", "mysql://{user}@{host}:{port}/missing", "'missing' on {host}:{port}", "Unknown database"),
    ("mysql", "mysql://{user}:{wrong}@{host}:{port}/mysql", "'mysql' on {host}:{port}", "Access denied"),
]


@pytest.mark.parametrize("use_async", MODES, ids=["sync", "async"])
@pytest.mark.parametrize("orm", ORMS)
@pytest.mark.parametrize(("backend", "url", "named", "reason"), UNUSABLE, ids=lambda v: str(v)[:24])
def test_unusable_database_stops_startup_with_one_clear_line(
    bake: Bake, orm: str, use_async: bool, backend: str, url: str, named: str, reason: str
) -> None:
    fields: dict[str, object] = {"closed": free_port(), "wrong": PASSWORD}  # nothing listens on `closed`
    if "{host}" in url:
        require_server(backend)
        host, port, user, _ = server_address(backend)
        fields |= {"host": host, "port": port, "user": quote(user, safe="")}
    url, named = url.format(**fields), named.format(**fields)
    project = bake(orm=orm, use_async=use_async, database_url=url)

    result = run([sys.executable, "-m", "uvicorn", "sql_app.main:app", "--port", str(free_port())], project, 60)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    [line] = [line for line in output.splitlines() if line.startswith("RuntimeError: cannot connect to the")]
    assert named in line and re.search(reason, line), line
    assert PASSWORD not in output
