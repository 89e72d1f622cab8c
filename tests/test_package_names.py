"""The pre-gen hook refuses every package name that would shadow a module a cell's environment installs.

Computed from the template's own environment, which holds what every cell depends on: each cell's
declared dependencies (its `[project]` ones and its dependency groups), what they require in turn
(markers evaluated, extras followed), and the top-level modules each of those distributions installs.
"""

import tomllib
from importlib.metadata import Distribution, PackageNotFoundError, distribution
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from hooks import pre_gen_project

from .cells import CELLS, Cell
from .conftest import Bake, bake_placeholder

# Where markers are evaluated besides here: a requirement only they select is not installed
# here, so its modules are taken to be its name (colorama, tzdata).
OTHER_PLATFORMS = [
    {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
    {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
]


def declared_requirements(project: Path) -> list[str]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    groups = pyproject.get("dependency-groups", {}).values()
    # A group's {include-group = ...} entries name other groups, listed here anyway.
    return [
        *pyproject["project"]["dependencies"],
        *(entry for group in groups for entry in group if isinstance(entry, str)),
    ]


def marker_holds(requirement: Requirement, extra: str, platform: dict[str, str] | None = None) -> bool:
    if requirement.marker is None:
        return True
    return requirement.marker.evaluate({**default_environment(), **(platform or {}), "extra": extra})


def dependency_closure(requirements: list[str]) -> tuple[dict[str, Distribution], set[str]]:
    """The installed distributions the requirements pull in here, and the names of those only
    another platform installs."""
    installed: dict[str, Distribution] = {}
    elsewhere: set[str] = set()
    pending = [(Requirement(text), "") for text in requirements]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        requirement, extra = pending.pop()
        name = canonicalize_name(requirement.name)
        if not marker_holds(requirement, extra):
            if any(marker_holds(requirement, extra, platform) for platform in OTHER_PLATFORMS):
                elsewhere.add(name)
            continue
        if (name, frozenset(requirement.extras)) in seen:
            continue
        seen.add((name, frozenset(requirement.extras)))
        try:
            installed[name] = dist = distribution(name)
        except PackageNotFoundError:
            pytest.fail(
                f"{requirement} is not installed in the template's environment: add it to tests/requirements.txt"
            )
        for text in dist.requires or []:
            pending += [(Requirement(text), wanted) for wanted in ("", *requirement.extras)]
    return installed, elsewhere


def top_level_modules(dist: Distribution) -> set[str]:
    """What the distribution installs at the top of site-packages: packages, modules, extensions."""
    names = set((dist.read_text("top_level.txt") or "").split())
    for file in dist.files or []:
        if len(file.parts) > 1:  # a package's directory (or ../bin, x.dist-info: no identifiers)
            names.add(file.parts[0])
        elif file.suffix in {".py", ".so", ".pyd"}:  # a module, an extension module.cpython-311-....so
            names.add(file.name.split(".")[0])
    return {name.lower() for name in names if name.isidentifier() and name != "__pycache__"}


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_every_module_of_the_cells_environment_is_a_taken_name(bake: Bake, cell: Cell) -> None:
    installed, elsewhere = dependency_closure(declared_requirements(bake_placeholder(bake, cell)))
    taken = {name.lower() for name in pre_gen_project.TAKEN_NAMES}

    missing = {
        f"{module} (from {name})"
        for name, dist in installed.items()
        for module in top_level_modules(dist)
        if module not in taken
    } | {
        f"{name.replace('-', '_')} (from {name}, on another platform)"
        for name in elsewhere
        if name.replace("-", "_") not in taken
    }
    assert not missing, f"hooks/pre_gen_project.py's TAKEN_NAMES misses {sorted(missing)}"
    # Each distribution was read: every one of them installs some module.
    assert [name for name, dist in installed.items() if not top_level_modules(dist)] == []
