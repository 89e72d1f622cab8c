"""Keep the variant files the answers chose, delete the rest; put the database password in `.env`.

Driven by _variants/manifest.json; reads the answers as data. Standard library only.
"""

import json
import os
import shutil
import sys
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
# From the database URL (local_extensions.database_url_parts): its password, percent-decoded
# (empty if none), and its backend, which manifest rules may name like an answer.
URL = json.loads(r"""{{ (cookiecutter.database_url | database_url_parts) | tojson }}""")
VARIANTS = Path("_variants")
ENV_FILE = Path(".env")
ENV_HEADER = (
    "# The database password, which the tracked files leave out; git ignores this file.\n"
    "# In single quotes, which compose and the app (python-dotenv) read alike.\n"
)


def chosen_files(manifest: dict, answers: dict) -> dict[str, str]:
    """Destination -> variant file, for every rule whose answers all match."""
    chosen: dict[str, str] = {}
    for rule in manifest["rules"]:
        if all(answers.get(key) == value for key, value in rule["when"].items()):
            for destination, source in rule["files"].items():
                destination = destination.format(package=answers["package_name"])
                if destination in chosen:
                    sys.exit(f"manifest: two rules choose {destination}")
                chosen[destination] = source
    return chosen


def env_text(existing: str, password: str) -> str:
    """`.env`'s text with DATABASE_PASSWORD set, unless the URL had no password or it is set already.

    The pre-gen hook refused the passwords single quotes cannot carry alike for both readers.
    """
    if not password or any(line.startswith("DATABASE_PASSWORD=") for line in existing.splitlines()):
        return existing
    if existing and not existing.endswith("\n"):
        existing += "\n"
    return existing + (ENV_HEADER if not existing else "") + f"DATABASE_PASSWORD='{password}'\n"


def write_env_file(password: str) -> None:
    existing = ENV_FILE.read_text(encoding="utf-8") if ENV_FILE.exists() else ""
    text = env_text(existing, password)
    if text != existing:
        ENV_FILE.write_text(text, encoding="utf-8")
        os.chmod(ENV_FILE, 0o600)  # a secret: for its owner only


def main() -> None:
    write_env_file(URL["password"])
    if not VARIANTS.is_dir():  # already applied
        return
    manifest = json.loads((VARIANTS / "manifest.json").read_text(encoding="utf-8"))
    for destination, source in chosen_files(manifest, ANSWERS | {"backend": URL["backend"]}).items():
        target = Path(destination)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(VARIANTS / source, target)
    shutil.rmtree(VARIANTS)


if __name__ == "__main__":
    main()
