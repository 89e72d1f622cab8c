"""The template's own Jinja filter, loaded by cookiecutter.json's `_extensions`. Standard library only
(and Jinja, which cookiecutter brings)."""

from jinja2 import Environment
from jinja2.ext import Extension

# Escapes that TOML's basic strings and Python's string literals share.
SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def string_literal(text: str) -> str:
    """`text` as a double-quoted string that TOML and Python both read back as `text`.

    Printable characters stay as they are; quotes, backslashes, newlines, returns and tabs are
    escaped, every other character is written as its code point (`\\u0000`, `\\U0001f600`).
    Jinja's `tojson` writes a character beyond U+FFFF as a surrogate pair instead, which TOML
    refuses and Python reads as two broken characters.
    """
    escaped = []
    for char in text:
        if char in SHORT_ESCAPES:
            escaped.append(SHORT_ESCAPES[char])
        elif char.isprintable():
            escaped.append(char)
        elif ord(char) > 0xFFFF:
            escaped.append(f"\\U{ord(char):08x}")
        else:
            escaped.append(f"\\u{ord(char):04x}")
    return '"' + "".join(escaped) + '"'


class StringLiteralExtension(Extension):
    """Adds the `string_literal` filter."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["string_literal"] = string_literal
