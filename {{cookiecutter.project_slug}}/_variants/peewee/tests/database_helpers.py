"""What the tests need from the database beyond the app: Peewee's table resets, and rows read
back as stored."""

from {{ cookiecutter.package_name }}.database import db
from {{ cookiecutter.package_name }}.models import MODELS, User


def stored_password_hash(email: str) -> str:
    with db.connection_context():
        hashed: str = User.get(User.email == email).hashed_password
    return hashed


def empty_tables() -> None:
    with db.connection_context():
        for model in reversed(MODELS):
            model.delete().execute()


def drop_tables() -> None:
    with db.connection_context():
        db.drop_tables(MODELS)
