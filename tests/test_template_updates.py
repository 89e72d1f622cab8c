"""The generated README's cruft commands work as written, from an async MySQL cell's environment.

That environment holds aiomysql, which installs a top-level `examples` package; cruft 2.16 imports
`examples` when it can and, installed next to it, crashes at start. The README runs cruft with uvx,
in an environment of its own. (Needs PyPI, as uvx does, the first time.)
"""

import os
import re
import shlex
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from .cells import Cell
from .conftest import TEMPLATE, Bake, bake_placeholder, clean_env, ok, run

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def readme_cruft_commands(project: Path) -> list[str]:
    section = (project / "README.md").read_text(encoding="utf-8").split("\n## Template updates\n")[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, section
    return block.group(1).strip().splitlines()


def test_readme_cruft_commands_run_beside_the_async_mysql_environment(bake: Bake) -> None:
    project = bake_placeholder(bake, Cell("peewee", "dependency", "mysql", use_async=True))
    # The project's environment (this one, activated) has aiomysql's `examples`.
    assert "aiomysql" in packages_distributions().get("examples", [])
    environment = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": sys.prefix,
        **GIT_IDENTITY,
    }
    for git in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "baked"]):
        ok(run(["git", *git], cwd=project, **GIT_IDENTITY))
    template_version = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=TEMPLATE, capture_output=True, text=True, check=True
    ).stdout.strip()

    commands = readme_cruft_commands(project)
    assert len(commands) == 2 and "cruft link " in commands[0] and commands[1].endswith("cruft update"), commands
    for command in commands:
        command = command.replace("<template-url>", shlex.quote(str(TEMPLATE)))
        command = command.replace("<template-version>", template_version)
        result = subprocess.run(
            ["sh", "-c", command], cwd=project, env=clean_env(**environment), stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0 and "Traceback" not in result.stderr, (
            f"{command}:\n{result.stdout}{result.stderr}"
        )
        if " link " in command:
            # `update` needs the link committed, as a user would.
            assert (project / ".cruft.json").exists()
            for git in (["add", ".cruft.json"], ["commit", "-q", "-m", "cruft link"]):
                ok(run(["git", *git], cwd=project, **GIT_IDENTITY))
    assert "up to date" in result.stdout
