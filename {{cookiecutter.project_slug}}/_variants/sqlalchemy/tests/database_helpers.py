"""What the tests need from the database beyond the app: SQLAlchemy's table resets, and rows
read back as stored."""

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.database import engine
from {{ cookiecutter.package_name }}.models import Base, User


def stored_password_hash(email: str) -> str:
    with Session(engine) as session:
        return session.scalars(select(User.hashed_password).where(User.email == email)).one()


def empty_tables() -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def drop_tables() -> None:
    """Drop the tables and the migrations' record, so the next startup migrates afresh."""
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
