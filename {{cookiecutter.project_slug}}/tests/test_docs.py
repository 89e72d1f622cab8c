"""What the API says about itself: OpenAPI names the project and its version, the error answers
it documents are the ones the routes give, and /docs and /redoc need nothing from another host."""

import re
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }} import TITLE

PROJECT = Path(__file__).resolve().parent.parent
JSON = {"content-type": "application/json"}
# Where a page names what it loads: an attribute's URL, or a path in a script's quotes.
NAMED = re.compile(r"""(?:src|href|spec-url)="([^"]*)"|'(/[^'\s]*)'""")


def test_openapi_gives_the_projects_name_and_the_distributions_version(client: TestClient) -> None:
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    # Where hatchling reads the distribution's version, as it reads it.
    version_file = PROJECT / pyproject["tool"]["hatch"]["version"]["path"]
    found = re.findall(r'^__version__ = "(.+)"$', version_file.read_text(encoding="utf-8"), re.M)

    info = client.get("/openapi.json").json()["info"]

    assert pyproject["project"]["dynamic"] == ["version"]
    assert info == {"title": TITLE, "version": found[0]}


@pytest.mark.parametrize(
    ("path", "route"), [("/users/", "/users/"), ("/users/1/items/", "/users/{user_id}/items/")]
)
def test_bodies_that_are_not_json_or_not_text_get_the_answers_documented(
    client: TestClient, path: str, route: str
) -> None:
    not_json = client.post(path, content=b'{"title": "Pen", ', headers=JSON)
    not_text = client.post(path, content=b'{"title": "P\xffn"}', headers=JSON)
    documented = client.get("/openapi.json").json()["paths"][route]["post"]["responses"]

    assert not_json.status_code == 422
    assert not_json.json()["detail"][0]["type"] == "json_invalid"
    assert "422" in documented
    assert not_text.status_code == 400
    assert not_text.json() == {"detail": "There was an error parsing the body"}
    assert "not UTF-8 text" in documented["400"]["description"]
    # A body that is not JSON is a 422 (FastAPI's "Validation Error"): no other answer claims it.
    claiming = [status for status, answer in documented.items() if "JSON" in answer["description"]]
    assert claiming == []


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_load_everything_from_the_app_itself(client: TestClient, page: str) -> None:
    html = client.get(page)
    assert html.status_code == 200
    assert "://" not in html.text  # no other host, no CDN
    named = [attribute or quoted for attribute, quoted in NAMED.findall(html.text)]
    assert any(path.endswith(".js") for path in named), html.text
    assert [path for path in named if path.startswith("//")] == []  # no host without a scheme

    for path in named:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.content, path
