"""Template answers baked through cookiecutter: refused ones leave nothing behind, hostile-but-valid
ones bake clean projects.

Two declarative tables, in the style of cookiecutter-django's UNSUPPORTED_COMBINATIONS.
"""

import html
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import unquote

import pytest

from .conftest import TEMPLATE, Bake, answers_id, clean_env, ok, run

# Refusals baked through cookiecutter, for what only a full run shows: cookiecutter's own refusal of a
# choice, and for each answer the hook checks, a one-line message and nothing left on disk. Every
# clause of the hook has its row in test_hooks.py.
REFUSED_ANSWERS = [
    ({"orm": "django"}, "orm", "provided for choice"),
    ({"session_strategy": "global"}, "session_strategy", "provided for choice"),
    ({"project_slug": ""}, "project_slug", "it is empty"),  # names the output folder: it needs -f to get there
    ({"project_slug": "nested/dir"}, "project_slug", "not a path"),  # cookiecutter makes its parent first
    ({"package_name": "fastapi"}, "package_name", "shadow a module"),
    ({"database_url": "postgresql://app:pa%22ss@localhost/app"}, "database_url", "PgBouncer"),
]

# Answers that look dangerous but are valid: they must give correct projects.
HOSTILE_BUT_VALID = [
    {"project_name": 'Robert"); import os; os.system("touch pwned") #'},
    {"project_name": "'''Triple''' \"\"\"quotes\"\"\" and {braces}"},
    {"project_name": "Back\\slash \\n and a\nnewline\tand tab"},
    {"project_name": "Ünïcødé ☃ 名前 <b>&amp;</b>"},
    {"project_name": "Party 🎉 beyond U+FFFF, and a DEL: \x7f"},
    {"project_name": "x", "project_slug": "my.project_2", "package_name": "my_app2"},
    {"database_url": "postgresql+psycopg://us%40er:p%40ss%2Fw%3Ard%25@db.example.com:6543/app"},
    {"database_url": "mysql+pymysql://app:secret@127.0.0.1/app?charset=utf8mb4"},
    {"database_url": "sqlite:////var/lib/app/data.db"},
]


def markdown_text(text: str) -> str:
    """How the README must show text: on one line, Markdown characters escaped (HTML ones too)."""
    text = text.replace("\r", " ").replace("\n", " ").replace("\\", "\\\\")
    for char in "*_`[]#":
        text = text.replace(char, "\\" + char)
    return text


@pytest.mark.parametrize(("answers", "named", "reason"), REFUSED_ANSWERS, ids=answers_id)
def test_refused_answer_fails_clearly_and_leaves_nothing(
    tmp_path: Path, answers: dict[str, str], named: str, reason: str
) -> None:
    output = tmp_path / "out"
    output.mkdir()
    args = [f"{key}={value}" for key, value in answers.items()]
    # -f: a slug naming a folder that exists ("", ".", "..") reaches the hook instead of stopping cookiecutter.
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "-f", str(TEMPLATE), *args, "-o", str(output)]
    result = run(command, cwd=tmp_path)

    assert result.returncode != 0
    message = result.stderr + result.stdout
    assert named in message
    refusal = [line for line in message.splitlines() if "is refused" in line or "provided for choice" in line]
    assert len(refusal) == 1, message
    value = next(iter(answers.values()))
    assert repr(value) in refusal[0] or value in refusal[0], refusal[0]
    assert reason in refusal[0], refusal[0]
    # Only empty directories may remain: cookiecutter creates a nested slug's parent before any hook runs.
    assert [p for p in output.rglob("*") if not p.is_dir()] == []
    assert [p for p in output.rglob("*") if p.is_dir() and any(p.iterdir())] == []


@pytest.mark.parametrize("answers", HOSTILE_BUT_VALID, ids=answers_id)
def test_hostile_but_valid_answers_bake_correct_projects(bake: Bake, answers: dict[str, str], tmp_path: Path) -> None:
    project = bake(**answers)
    package = answers.get("package_name", "sql_app")

    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == project.name  # the distribution is named after the project
    if "project_name" in answers:
        assert pyproject["project"]["description"] == answers["project_name"]
        heading = (project / "README.md").read_text(encoding="utf-8").splitlines()[0]
        assert "<" not in heading and ">" not in heading
        assert html.unescape(heading) == "# " + markdown_text(answers["project_name"])
        recorded = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
        assert recorded["project_name"] == answers["project_name"]
    for source in project.rglob("*.py"):
        compile(source.read_text(encoding="utf-8"), str(source), "exec")
    assert not list(tmp_path.rglob("pwned")) and not Path("pwned").exists()
    if "database_url" in answers:
        # The project carries the URL as given, less its password, as its default; `.env` the password,
        # which the package puts back.
        without_password = re.sub(r"(://[^:@/]*):[^@/]*@", r"\1@", answers["database_url"])
        assert f'"{without_password}"' in (project / package / "config.py").read_text()
        code = f"from {package}.config import settings; print(settings.database_url)"
        read = run([sys.executable, "-c", code], cwd=project)
        assert unquote(read.stdout.strip()) == unquote(answers["database_url"]), read.stderr

    lint = run([sys.executable, "-m", "ruff", "check", "."], cwd=project)
    ok(lint)
    # The API gives the project's name as its title, exactly (ascii() shows a surrogate for what it is).
    described = f"import {package}.main as m; print(ascii([m.app.title, m.app.version]))"
    imported = subprocess.run(
        [sys.executable, "-c", described],
        cwd=project, env=clean_env(), capture_output=True, text=True,
    )  # fmt: skip
    ok(imported)
    assert imported.stdout.strip() == ascii([answers.get("project_name", "SQL App"), "0.1.0"])
