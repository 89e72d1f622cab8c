"""What the tests need from the database beyond the app: Peewee's query hooks and resets."""

from collections.abc import Callable

import peewee

from {{ cookiecutter.package_name }}.database import db
from {{ cookiecutter.package_name }}.models import MODELS


def listen_statements(listener: Callable[[object, str], None]) -> Callable[[], None]:
    """Call `listener(dbapi_connection, sql)` after each statement; returns a remover."""

    def on_query(event: peewee.QueryEvent) -> None:
        listener(db.connection(), event.sql)  # type: ignore[no-untyped-call]

    db.query_hooks.append(on_query)
    return lambda: db.query_hooks.remove(on_query)


def empty_tables() -> None:
    with db.connection_context():
        for model in reversed(MODELS):
            model.delete().execute()


def drop_tables() -> None:
    with db.connection_context():
        db.drop_tables(MODELS)
