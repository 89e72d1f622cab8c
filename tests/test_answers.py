"""Template answers: refused ones leave nothing behind, hostile-but-valid ones bake clean projects.

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

from .conftest import TEMPLATE, Bake, clean_env, run

# (answers, the answer the message must name, words of the reason it must give).
# One row per clause of hooks/pre_gen_project.py: removing any one clause makes its row fail.
REFUSED_ANSWERS = [
    # Choices: cookiecutter itself refuses a value outside the list.
    ({"orm": "django"}, "orm", "provided for choice"),
    ({"session_strategy": "global"}, "session_strategy", "provided for choice"),
    # project_slug, `not slug.strip()`: empty or blank ("" names the output folder: it needs -f to get there).
    ({"project_slug": ""}, "project_slug", "it is empty"),
    ({"project_slug": "   "}, "project_slug", "it is empty"),
    # project_slug, a path: each of "/", "\", "." (-f again), ".." alone and inside.
    ({"project_slug": "nested/dir"}, "project_slug", "not a path"),
    ({"project_slug": "back\\slash"}, "project_slug", "not a path"),
    ({"project_slug": "."}, "project_slug", "not a path"),
    ({"project_slug": ".."}, "project_slug", "not a path"),
    ({"project_slug": "up..and..out"}, "project_slug", "not a path"),
    # project_slug: edge spaces, then control characters.
    ({"project_slug": " my-app "}, "project_slug", "edge spaces"),
    ({"project_slug": "tab\tinside"}, "project_slug", "control characters"),
    # project_slug, DISTRIBUTION_NAME: a space inside, an edge that is not a letter or digit.
    ({"project_slug": "my app"}, "project_slug", "names the distribution too"),
    ({"project_slug": "app-"}, "project_slug", "names the distribution too"),
    # package_name: not an identifier, then an identifier but not ASCII.
    ({"package_name": "1app"}, "package_name", "Python identifier"),
    ({"package_name": "my-app"}, "package_name", "Python identifier"),
    ({"package_name": "pädagogik"}, "package_name", "Python identifier"),
    # package_name: a keyword, then a soft keyword.
    ({"package_name": "class"}, "package_name", "Python keyword"),
    ({"package_name": "match"}, "package_name", "Python keyword"),
    # package_name, TAKEN_NAMES: standard library, dependencies, the project's own modules, in any case.
    ({"package_name": "test"}, "package_name", "shadow a module"),
    ({"package_name": "json"}, "package_name", "shadow a module"),
    ({"package_name": "fastapi"}, "package_name", "shadow a module"),
    ({"package_name": "peewee"}, "package_name", "shadow a module"),
    ({"package_name": "sqlalchemy"}, "package_name", "shadow a module"),
    ({"package_name": "migrations"}, "package_name", "shadow a module"),
    ({"package_name": "anyio"}, "package_name", "shadow a module"),  # a dependency's dependency
    ({"package_name": "examples"}, "package_name", "shadow a module"),  # a stray package of aiomysql's
    ({"package_name": "FastAPI"}, "package_name", "shadow a module"),
    # database_url, UNSAFE_URL_CHARS: one row per alternative (whitespace, " ' \ ` { } < >).
    ({"database_url": "mysql://app@localhost/my app"}, "database_url", "percent-encode"),
    ({"database_url": 'postgresql://app:pa"ss@localhost/app'}, "database_url", "percent-encode"),
    ({"database_url": "postgresql://app:pa'ss@localhost/app"}, "database_url", "percent-encode"),
    ({"database_url": "sqlite:///C:\\app.db"}, "database_url", "percent-encode"),
    ({"database_url": "postgresql://app:pa`ss@localhost/app"}, "database_url", "percent-encode"),
    ({"database_url": "sqlite:///./app{.db"}, "database_url", "percent-encode"),
    ({"database_url": "sqlite:///./app}.db"}, "database_url", "percent-encode"),
    ({"database_url": "sqlite:///./app<.db"}, "database_url", "percent-encode"),
    ({"database_url": "sqlite:///./app>.db"}, "database_url", "percent-encode"),
    # database_url: not printable, yet not whitespace either.
    ({"database_url": "sqlite:///./app\x1b.db"}, "database_url", "percent-encode"),
    # database_url, the password `.env` holds in single quotes (a ', \ or ${, or a control character
    # would read differently in compose and python-dotenv), and a " PgBouncer's list of users cannot take.
    ({"database_url": "mysql://app:pa%27ss@localhost/app"}, "database_url", "compose and the app alike"),
    ({"database_url": "mysql://app:pa%5Css@localhost/app"}, "database_url", "compose and the app alike"),
    ({"database_url": "mysql://app:pa%24%7BHOME%7D@localhost/app"}, "database_url", "compose and the app alike"),
    ({"database_url": "mysql://app:pa%0Ass@localhost/app"}, "database_url", "compose and the app alike"),
    ({"database_url": "postgresql://app:pa%22ss@localhost/app"}, "database_url", "PgBouncer"),
    # database_url: no "://".
    ({"database_url": "sqlite:app.db"}, "database_url", "not a URL"),
    # database_url, SQLite: two slashes, no file, in memory, a query string.
    ({"database_url": "sqlite://relative.db"}, "database_url", "three slashes"),
    ({"database_url": "sqlite:///"}, "database_url", "three slashes"),
    ({"database_url": "sqlite:///:memory:"}, "database_url", "three slashes"),
    ({"database_url": "sqlite:///./app.db?mode=memory"}, "database_url", "three slashes"),
    # database_url: a scheme outside SERVER_SCHEMES.
    ({"database_url": "oracle://scott@localhost/orcl"}, "database_url", "is not supported"),
    ({"database_url": "postgres://app@localhost/app"}, "database_url", "is not supported"),
    ({"database_url": "postgresql+psycopg2://app@localhost/app"}, "database_url", "is not supported"),
    # database_url, server: a port that is not a number, no host, no database, a nested database path.
    ({"database_url": "postgresql://app@localhost:port/app"}, "database_url", "port is not a number"),
    ({"database_url": "mysql:///app"}, "database_url", "names no host"),
    ({"database_url": "postgresql://app@localhost:5432"}, "database_url", "names no database"),
    ({"database_url": "postgresql://app@localhost:5432/app/extra"}, "database_url", "names no database"),
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


def answers_id(answers: dict[str, str]) -> str:
    return json.dumps(answers, ensure_ascii=True)[:60]


@pytest.mark.parametrize(
    ("answers", "named", "reason"), REFUSED_ANSWERS, ids=lambda a: answers_id(a) if isinstance(a, dict) else ""
)
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
    assert lint.returncode == 0, lint.stdout
    # The API gives the project's name as its title, exactly (ascii() shows a surrogate for what it is).
    described = f"import {package}.main as m; print(ascii([m.app.title, m.app.version]))"
    imported = subprocess.run(
        [sys.executable, "-c", described],
        cwd=project, env=clean_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == ascii([answers.get("project_name", "SQL App"), "0.1.0"])


def test_cookiecutter_older_than_2_7_is_refused(tmp_path: Path) -> None:
    old = tmp_path / "site" / "cookiecutter-2.6.0.dist-info"
    old.mkdir(parents=True)
    (old / "METADATA").write_text("Metadata-Version: 2.1\nName: cookiecutter\nVersion: 2.6.0\n")
    answers = {"project_slug": "app", "package_name": "app", "database_url": "sqlite:///./app.db"}
    hook = (TEMPLATE / "hooks" / "pre_gen_project.py").read_text()
    rendered = tmp_path / "pre_gen_project.py"
    rendered.write_text(hook.replace("{{ cookiecutter | tojson }}", json.dumps(answers)))

    refused = run([sys.executable, str(rendered)], cwd=tmp_path, PYTHONPATH=str(old.parent))
    accepted = run([sys.executable, str(rendered)], cwd=tmp_path)

    assert refused.returncode == 1
    assert "cookiecutter 2.6.0 is too old" in refused.stderr
    assert accepted.returncode == 0, accepted.stderr
