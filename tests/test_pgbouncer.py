"""PostgreSQL cells behind a transaction-mode PgBouncer (the pooler many hosted databases put
in front of PostgreSQL): their own tests pass.

Through a transaction pooler, consecutive transactions of one client may run on different
server sessions, so nothing may outlive a transaction on the server: not a prepared
statement (psycopg 3 prepares a query it has run 5 times, asyncpg prepares every query),
not a session-level advisory lock.
"""

import pytest

from .cells import CELLS, Cell
from .conftest import Bake, assert_suite_passed, run_generated_suite
from .pgbouncer import POOLER_ENV, PgBouncer

POSTGRES_CELLS = [cell for cell in CELLS if cell.backend == "postgresql"]


@pytest.mark.parametrize("cell", POSTGRES_CELLS, ids=lambda c: c.id)
def test_generated_suite_passes_through_pgbouncer(
    bake: Bake, cell: Cell, database_url: str, pgbouncer: PgBouncer
) -> None:
    """The cell's own suite, every request and every test query through the pooler."""
    project = bake(**cell.answers(pgbouncer.through(database_url)))
    assert_suite_passed(run_generated_suite(project, **POOLER_ENV))
