"""Keep the variant files the answers chose, delete the rest; put the database password in `.env`.

Driven by _variants/manifest.json; reads the answers as data. Standard library only. Cookiecutter
renders the answers into the `__main__` block alone, so the functions import and test as they are.
"""

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

ENV_HEADER = (
    "# The database password, which the tracked files leave out; git ignores this file.\n"
    "# In single quotes, which compose and the app (python-dotenv) read alike.\n"
)


def matches(value: Any, answer: Any) -> bool:
    """Whether a rule's value matches the answer: equal to it, or a list holding it."""
    return answer in value if isinstance(value, list) else answer == value


def chosen_files(manifest: dict[str, Any], answers: dict[str, Any]) -> dict[str, str]:
    """Destination -> variant file, for every rule whose answers all match."""
    chosen: dict[str, str] = {}
    for rule in manifest["rules"]:
        if all(matches(value, answers.get(key)) for key, value in rule["when"].items()):
            for destination, source in rule["files"].items():
                destination = destination.format(package=answers["package_name"])
                if destination in chosen:
                    sys.exit(f"manifest: two rules choose {destination}")
                chosen[destination] = source
    return chosen


def apply_variants(project: Path, answers: dict[str, Any]) -> None:
    """Move the chosen variant files of `project/_variants` to their places, then delete the folder."""
    variants = project / "_variants"
    if not variants.is_dir():  # already applied
        return
    manifest = json.loads((variants / "manifest.json").read_text(encoding="utf-8"))
    for destination, source in chosen_files(manifest, answers).items():
        target = project / destination
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(variants / source, target)
    shutil.rmtree(variants)


def env_text(existing: str, password: str) -> str:
    """`.env`'s text with DATABASE_PASSWORD set, unless the URL had no password or it is set already.

    The pre-gen hook refused the passwords single quotes cannot carry alike for both readers.
    """
    if not password or any(line.startswith("DATABASE_PASSWORD=") for line in existing.splitlines()):
        return existing
    if existing and not existing.endswith("\n"):
        existing += "\n"
    return existing + (ENV_HEADER if not existing else "") + f"DATABASE_PASSWORD='{password}'\n"


def write_env_file(project: Path, password: str) -> None:
    env_file = project / ".env"
    existing = env_file.read_text(encoding="utf-8") if env_file.exists() else ""
    text = env_text(existing, password)
    if text != existing:
        env_file.write_text(text, encoding="utf-8")
        os.chmod(env_file, 0o600)  # a secret: for its owner only


def main(project: Path, answers: dict[str, Any], url: dict[str, Any]) -> None:
    """`url` is what local_extensions.database_url_parts makes of the URL answer: the rules may
    name its `backend` like an answer."""
    write_env_file(project, url["password"])
    apply_variants(project, answers | {"backend": url["backend"]})


if __name__ == "__main__":
    main(
        Path.cwd(),
        json.loads(r"""{{ cookiecutter | tojson }}"""),
        json.loads(r"""{{ (cookiecutter.database_url | database_url_parts) | tojson }}"""),
    )
