"""Create the missing tables, then exit: `python -m {{ cookiecutter.package_name }}.migrate`.

The deployment step that runs once before a new version starts. With it, set
MIGRATE_ON_STARTUP=false so that the app's processes leave the schema alone.
"""

from . import database, models


def main() -> None:
    try:
        database.create_tables(models.MODELS)
    finally:
        database.close_pool()


if __name__ == "__main__":
    main()
