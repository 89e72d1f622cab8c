"""A FastAPI service that stores users and their items in a SQL database."""

# The project's name and version, which the API gives as its title and version (`/openapi.json`,
# `/docs`). The distribution's version is this one too: pyproject.toml reads it from here.
TITLE = {{ cookiecutter.project_name | string_literal }}
__version__ = "0.1.0"
