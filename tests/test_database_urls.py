"""One URL answer works for both ORMs: explicit drivers and percent-escaped credentials."""

import json
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from .cells import MODES, ORMS, admin_connection, server_address, throwaway_database
from .conftest import Bake, ok, require_server, run, run_generated_suite

# Every character that needs escaping in a URL's password, and a `$` (the password reaches the app from `.env`).
AWKWARD_PASSWORD = "p@ss:w/rd%?#&=+ ;$HOME"

# How each ORM reports the credentials it will connect with.
CREDENTIALS = {
    "sqlalchemy": "u = database.engine.url; print(json.dumps([u.username, u.password, u.database]))",
    "peewee": (
        "p = database.db.connect_params; "
        "print(json.dumps([p['user'], p.get('password', p.get('passwd')), database.db.database]))"
    ),
}


@pytest.mark.parametrize("use_async", MODES, ids=["sync", "async"])
@pytest.mark.parametrize("orm", ORMS)
@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg", "mysql", "mysql+pymysql"])
def test_escaped_credentials_reach_the_driver_decoded(bake: Bake, orm: str, use_async: bool, scheme: str) -> None:
    url = f"{scheme}://{quote('us@er', safe='')}:{quote(AWKWARD_PASSWORD, safe='')}@127.0.0.1:5999/app"
    project = bake(orm=orm, use_async=use_async, database_url=url)
    snippet = f"import json; from sql_app import database; {CREDENTIALS[orm]}"

    result = run([sys.executable, "-c", snippet], cwd=project)

    ok(result)
    assert json.loads(result.stdout) == ["us@er", AWKWARD_PASSWORD, "app"]


@pytest.mark.parametrize("use_async", MODES, ids=["sync", "async"])
@pytest.mark.parametrize("orm", ORMS)
def test_mariadb_user_with_awkward_password_and_explicit_driver(
    bake: Bake, orm: str, use_async: bool, tmp_path: Path
) -> None:
    require_server("mysql")
    user = f"tpl_{uuid.uuid4().hex[:8]}"
    host, port, _, _ = server_address("mysql")
    with throwaway_database("mysql", str(tmp_path)) as admin_url, admin_connection("mysql") as conn:
        name = admin_url.rsplit("/", 1)[1]
        with conn.cursor() as cursor:
            cursor.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (AWKWARD_PASSWORD,))
            cursor.execute(f"GRANT ALL ON `{name}`.* TO '{user}'@'%'")
        try:
            url = f"mysql+pymysql://{user}:{quote(AWKWARD_PASSWORD, safe='')}@{host}:{port}/{name}"
            project = bake(orm=orm, use_async=use_async, database_url=url)
            result = run_generated_suite(project, "tests/test_users.py", "tests/test_items.py")
        finally:
            with conn.cursor() as cursor:
                cursor.execute(f"DROP USER '{user}'@'%'")
    ok(result)
