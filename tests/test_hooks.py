"""The hooks' functions, called directly: the manifest's rules, `.env`, and every refusal of the
pre-gen hook. test_answers.py bakes through cookiecutter for what only a full run shows (nothing
left on disk, cookiecutter's own refusals, hostile answers that must bake).

A row per clause of hooks/pre_gen_project.py: removing any one clause makes its row fail.
"""

import json
import stat
from importlib.metadata import PackageNotFoundError
from pathlib import Path
from typing import Any

import pytest

from hooks import post_gen_project, pre_gen_project
from local_extensions import database_url_parts

from .cells import CELLS
from .conftest import TEMPLATE, answers_id

MANIFEST = json.loads((TEMPLATE / "{{cookiecutter.project_slug}}" / "_variants" / "manifest.json").read_text())
VALID = {"project_slug": "my-app", "package_name": "my_app", "database_url": "sqlite:///./app.db"}

# (answers, the answer the message must name, words of the reason it must give).
REFUSED_ANSWERS = [
    # project_slug, `not slug.strip()`: empty or blank.
    ({"project_slug": ""}, "project_slug", "it is empty"),
    ({"project_slug": "   "}, "project_slug", "it is empty"),
    # project_slug, a path: each of "/", "\", ".", ".." alone and inside.
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


@pytest.mark.parametrize(("answers", "named", "reason"), REFUSED_ANSWERS, ids=answers_id)
def test_refused_answer_exits_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, answers: dict[str, str], named: str, reason: str
) -> None:
    monkeypatch.setattr(pre_gen_project, "version", lambda _: "2.7.0")
    with pytest.raises(SystemExit) as refused:
        pre_gen_project.main(VALID | answers)

    [line] = str(refused.value.code).splitlines()
    value = answers[named]
    assert line.startswith(f"ERROR: {named}={value!r} is refused: ")
    assert reason in line and "Example: " in line


def test_valid_answers_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pre_gen_project, "version", lambda _: "2.7.0")
    for url in ("sqlite:////var/lib/app.db", "postgresql+psycopg://u:p%40ss@db:6543/app", "mysql://root@db/app"):
        pre_gen_project.main(VALID | {"database_url": url})


@pytest.mark.parametrize(("found", "refused"), [("2.6.0", True), ("2.7.0", False), ("3.0.1", False), (None, False)])
def test_cookiecutter_older_than_2_7_is_refused(
    monkeypatch: pytest.MonkeyPatch, found: str | None, refused: bool
) -> None:
    def version(name: str) -> str:
        assert name == "cookiecutter"
        if found is None:  # the hook run some other way: nothing to check
            raise PackageNotFoundError(name)
        return found

    monkeypatch.setattr(pre_gen_project, "version", version)
    if refused:
        with pytest.raises(SystemExit, match=f"cookiecutter {found} is too old"):
            pre_gen_project.check_cookiecutter_version()
    else:
        pre_gen_project.check_cookiecutter_version()


def rule(when: dict[str, Any], **files: str) -> dict[str, Any]:
    return {"when": when, "files": files}


def test_a_rule_applies_when_all_its_answers_match() -> None:
    manifest = {
        "rules": [
            rule({"orm": "peewee"}, a="peewee/a.py"),
            rule({"orm": "peewee", "use_async": True}, b="peewee-async/b.py"),
            rule({"orm": "sqlalchemy"}, c="sqlalchemy/c.py"),
            rule({"backend": "sqlite"}, d="sqlite/d.py"),
            rule({"backend": ["postgresql", "mysql"]}, f="server/f.py"),
            rule({"orm": ["sqlalchemy", "peewee"], "backend": ["sqlite"]}, g="any/g.py"),
            rule({}, **{"{package}/e.py": "all/e.py"}),
        ]
    }
    answers = {"orm": "peewee", "use_async": False, "backend": "sqlite", "package_name": "shop"}
    assert post_gen_project.chosen_files(manifest, answers) == {
        "a": "peewee/a.py",
        "d": "sqlite/d.py",
        "shop/e.py": "all/e.py",
        "g": "any/g.py",
    }


def test_two_rules_choosing_one_destination_stop_the_generation() -> None:
    manifest = {"rules": [rule({}, **{"{package}/x.py": "one/x.py"}), rule({}, **{"app/x.py": "two/x.py"})]}
    with pytest.raises(SystemExit, match=r"two rules choose app/x\.py"):
        post_gen_project.chosen_files(manifest, {"package_name": "app"})


def cell_answers(cell: Any) -> dict[str, Any]:
    url = {"sqlite": "sqlite:///./app.db", "postgresql": "postgresql://db/app", "mysql": "mysql://db/app"}[cell.backend]
    answers = cell.answers(url) | {"package_name": "app"}
    return answers | {"backend": database_url_parts(url)["backend"]}


def test_the_manifest_gives_every_cell_each_file_once_and_uses_every_variant() -> None:
    variants = TEMPLATE / "{{cookiecutter.project_slug}}" / "_variants"
    used: set[str] = set()
    for cell in CELLS:
        chosen = post_gen_project.chosen_files(MANIFEST, cell_answers(cell))
        assert all((variants / source).is_file() for source in chosen.values()), cell.id
        used |= set(chosen.values())
    files = {str(path.relative_to(variants)) for path in variants.rglob("*") if path.is_file()}
    assert files - {"manifest.json"} == used


def test_apply_variants_moves_the_chosen_files_and_deletes_the_rest(tmp_path: Path) -> None:
    variants = tmp_path / "_variants"
    for name in ("peewee/models.py", "sqlalchemy/models.py"):
        (variants / name).parent.mkdir(parents=True, exist_ok=True)
        (variants / name).write_text(name)
    manifest = {
        "rules": [rule({"orm": orm}, **{"{package}/models.py": f"{orm}/models.py"}) for orm in ("peewee", "sqlalchemy")]
    }
    (variants / "manifest.json").write_text(json.dumps(manifest))

    post_gen_project.apply_variants(tmp_path, {"orm": "peewee", "package_name": "shop"})
    post_gen_project.apply_variants(tmp_path, {"orm": "sqlalchemy", "package_name": "shop"})  # again: a no-op

    assert [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()] == ["shop/models.py"]
    assert (tmp_path / "shop" / "models.py").read_text() == "peewee/models.py"


@pytest.mark.parametrize(
    ("existing", "password", "expected"),
    [
        ("", "", ""),  # no password, no file
        ("", "s3cret", post_gen_project.ENV_HEADER + "DATABASE_PASSWORD='s3cret'\n"),
        ("DATABASE_POOL_SIZE=3", "s3cret", "DATABASE_POOL_SIZE=3\nDATABASE_PASSWORD='s3cret'\n"),
        ("DATABASE_PASSWORD='mine'\n", "s3cret", "DATABASE_PASSWORD='mine'\n"),  # the user's own stays
    ],
)
def test_env_text_adds_the_password_once(existing: str, password: str, expected: str) -> None:
    assert post_gen_project.env_text(existing, password) == expected


def test_env_file_is_for_its_owner_only(tmp_path: Path) -> None:
    post_gen_project.write_env_file(tmp_path, "s3cret")
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600
    post_gen_project.write_env_file(tmp_path, "")
    assert (tmp_path / ".env").read_text().endswith("DATABASE_PASSWORD='s3cret'\n")
