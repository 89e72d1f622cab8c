"""Bring the schema up to date, then exit: `python -m {{ cookiecutter.package_name }}.migrate`.

The deployment step that runs once before a new version starts. With it, set
MIGRATE_ON_STARTUP=false so that the app's processes leave the schema alone.
"""

import asyncio

from . import database


async def main() -> None:
    try:
        await database.upgrade_schema()
    finally:
        await database.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
