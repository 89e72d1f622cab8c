"""Keep the variant files the answers chose, delete the rest.

Driven by _variants/manifest.json; reads the answers as data. Standard library only.
"""

import json
import shutil
import sys
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
VARIANTS = Path("_variants")


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


def main() -> None:
    if not VARIANTS.is_dir():  # already applied
        return
    manifest = json.loads((VARIANTS / "manifest.json").read_text(encoding="utf-8"))
    for destination, source in chosen_files(manifest, ANSWERS).items():
        target = Path(destination)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(VARIANTS / source, target)
    shutil.rmtree(VARIANTS)


if __name__ == "__main__":
    main()
