"""Which Judge0 language id runs each of BitCode's languages on one server."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase

from bitcode_core.languages import Language

MULTI_FILE_PROGRAM = "Multi-file program"
_NUMBER = re.compile(r"\d+")


def offered_languages(listing: object) -> dict[int, str]:
    """``GET /languages`` as id -> name, skipping malformed entries."""
    if not isinstance(listing, list):
        return {}
    offered: dict[int, str] = {}
    for entry in listing:
        if isinstance(entry, Mapping):
            language_id, name = entry.get("id"), entry.get("name")
            if isinstance(language_id, int) and isinstance(name, str):
                offered[language_id] = name
    return offered


def match_languages(
    languages: Iterable[Language], offered: Mapping[int, str]
) -> dict[str, int]:
    """Language key -> Judge0 id. A pinned ``judge0_id`` wins when the server
    lists it under a name that fits ``judge0_name`` (or no pattern is given);
    otherwise the newest version whose name fits the pattern. A language with
    neither, or that nothing fits, is absent: the server cannot run it."""
    ids: dict[str, int] = {}
    for language in languages:
        pattern, pinned = language.judge0_name, language.judge0_id
        name = offered.get(pinned) if pinned is not None else None
        if pinned is not None and name is not None and _fits(name, pattern):
            ids[language.key] = pinned
            continue
        if not pattern:
            continue
        fits = [(_version(n), i) for i, n in offered.items() if fnmatchcase(n, pattern)]
        if fits:
            ids[language.key] = max(fits)[1]
    return ids


def _fits(name: str, pattern: str) -> bool:
    return not pattern or fnmatchcase(name, pattern)


def multi_file_id(offered: Mapping[int, str]) -> int | None:
    return next((i for i, n in offered.items() if n == MULTI_FILE_PROGRAM), None)


def _version(name: str) -> tuple[int, ...]:
    """``Python (3.11.2)`` -> (3, 11, 2): the numbers in the parentheses."""
    inside = name[name.find("(") :] if "(" in name else name
    return tuple(int(n) for n in _NUMBER.findall(inside))
