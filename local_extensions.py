"""The template's own Jinja filters, loaded by cookiecutter.json's `_extensions`. Standard library only
(and Jinja, which cookiecutter brings)."""

import json
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from jinja2 import Environment
from jinja2.ext import Extension

# Escapes that TOML's basic strings and Python's string literals share.
SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def string_literal(text: str) -> str:
    """`text` as a double-quoted string that TOML and Python both read back as `text`.

    Printable characters stay as they are; quotes, backslashes, newlines, returns and tabs are
    escaped, every other character is written as its code point (`\\u0000`, `\\U0001f600`).
    Jinja's `tojson` writes a character beyond U+FFFF as a surrogate pair instead, which TOML
    refuses and Python reads as two broken characters.
    """
    escaped = []
    for char in text:
        if char in SHORT_ESCAPES:
            escaped.append(SHORT_ESCAPES[char])
        elif char.isprintable():
            escaped.append(char)
        elif ord(char) > 0xFFFF:
            escaped.append(f"\\U{ord(char):08x}")
        else:
            escaped.append(f"\\u{ord(char):04x}")
    return '"' + "".join(escaped) + '"'


class StringLiteralExtension(Extension):
    """Adds the `string_literal` filter."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["string_literal"] = string_literal


# The server each backend's URL reaches when it names no port, and the user it connects as when it
# names none (the images' superusers, which compose.yaml's database services create).
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
DEFAULT_USERS = {"postgresql": "postgres", "mysql": "root"}


def database_url_parts(url: str) -> dict[str, Any]:
    """What every generated file needs to know about a database URL answer, worked out once.

    `backend` (`sqlite`, `postgresql`, `mysql`) and `driver` (the scheme as given); for SQLite the
    database `file`'s name; for a server `user` (the backend's default when the URL names none),
    `password`, `database` (all percent-decoded), `host`, `port` (the URL's, else the backend's),
    `server_port` (the backend's) and `query` (with its `?`, or empty). `public_url` is the URL
    without its password, else exactly as given: what tracked files may show.
    """
    driver = url.partition("://")[0]
    backend = driver.split("+")[0]
    if backend == "sqlite":
        return {"backend": backend, "driver": driver, "file": url.rsplit("/", 1)[1], "password": "", "public_url": url}
    parts = urlsplit(url)
    userinfo, _, address = parts.netloc.rpartition("@")
    user_raw = userinfo.partition(":")[0]
    public_netloc = f"{user_raw}@{address}" if user_raw else address
    user, password = unquote(user_raw) or DEFAULT_USERS[backend], unquote(parts.password or "")
    return {
        "backend": backend,
        "driver": driver,
        "user": user,
        "password": password,
        "host": parts.hostname,
        "port": parts.port or DEFAULT_PORTS[backend],
        "server_port": DEFAULT_PORTS[backend],
        "database": unquote(parts.path.lstrip("/")),
        "query": f"?{parts.query}" if parts.query else "",
        "public_url": urlunsplit(parts._replace(netloc=public_netloc)),
    }


def database_url_at(url: str, host: str, port: int) -> str:
    """The URL, without its password, pointed at another server (compose's service names), as the
    user it names, else as the backend's default user, which that server creates."""
    parts = urlsplit(url)
    user_raw = parts.netloc.rpartition("@")[0].partition(":")[0] or DEFAULT_USERS[parts.scheme.split("+")[0]]
    return urlunsplit(parts._replace(netloc=f"{user_raw}@{host}:{port}"))


def compose_string(text: str) -> str:
    """`text` as a value of compose.yaml: a JSON string (YAML reads JSON) with each `$` doubled,
    which compose reads back as one `$` instead of a variable to interpolate."""
    return json.dumps(text, ensure_ascii=False).replace("$", "$$")


class DatabaseUrlExtension(Extension):
    """Adds the `database_url_parts`, `database_url_at` and `compose_string` filters."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["database_url_parts"] = database_url_parts
        environment.filters["database_url_at"] = database_url_at
        environment.filters["compose_string"] = compose_string
