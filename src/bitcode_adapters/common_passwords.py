"""The passwords too common to allow, from zxcvbn's list of leaked passwords."""

from __future__ import annotations

from functools import cache

# zxcvbn ships no type hints; the list is a plain list of strings.
from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]


@cache
def load_common_passwords() -> frozenset[str]:
    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])
