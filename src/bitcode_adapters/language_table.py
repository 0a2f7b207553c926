"""Read a language table from a TOML file; the default one ships with BitCode."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from bitcode_core.errors import InvalidQuestion
from bitcode_core.languages import LanguageTable

_DEFAULT = "languages.toml"


def load_language_table(path: Path | None = None) -> LanguageTable:
    """The languages in ``path``, or BitCode's default table without one.

    Every error names the file it came from.
    """
    if path is None:
        source = resources.files("bitcode_adapters").joinpath(_DEFAULT)
        origin = f"the default language table ({_DEFAULT})"
    else:
        source = path
        origin = str(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidQuestion(f"{origin}: cannot read it ({error})") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidQuestion(f"{origin}: not valid TOML ({error})") from error
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise InvalidQuestion(f"{origin}: [{key}] must be a table of settings")
    try:
        return LanguageTable.from_mapping(data)
    except InvalidQuestion as error:
        raise InvalidQuestion(f"{origin}: {error.message}") from error
