"""The rules for emails, usernames, passwords and profiles.

Passwords follow NIST SP 800-63B: at least 8 characters, no composition rules, no
truncation, and a refusal of the most common ones. An upper bound exists only to
keep hashing cheap for the server; it is far beyond any passphrase.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

from bitcode_core.errors import InvalidInput, WeakPassword

PASSWORD_MIN = 8
PASSWORD_MAX = 1024
USERNAME = re.compile(r"[a-z0-9](?:[a-z0-9_.-]{1,30}[a-z0-9])")
# The common, unquoted form (RFC 5321 dot-atoms, an LDH domain with a letter TLD):
# no quotes, brackets, IP literals or control characters that a mail header
# could be tricked with.
EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
EMAIL_LOCAL_MAX = 64
COUNTRY = re.compile(r"[A-Z]{2}")
DISPLAY_NAME_MAX = 64
BIO_MAX = 500


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local = email.split("@", 1)[0]
    if len(email) > 254 or len(local) > EMAIL_LOCAL_MAX or not EMAIL.fullmatch(email):
        raise InvalidInput("not a valid email address", field="email")
    return email


def normalise_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise InvalidInput(
            "usernames are 3 to 32 letters, digits, '_', '.' or '-', "
            "starting and ending with a letter or digit",
            field="username",
        )
    return username


def check_password(
    password: str,
    common: Container[str],
    *,
    email: str = "",
    username: str = "",
    field: str = "password",
) -> None:
    length = len(unicodedata.normalize("NFC", password))
    if length < PASSWORD_MIN:
        raise WeakPassword(
            f"passwords need at least {PASSWORD_MIN} characters", field=field
        )
    if length > PASSWORD_MAX:
        raise WeakPassword(
            f"passwords can have at most {PASSWORD_MAX} characters", field=field
        )
    lowered = password.lower()
    if lowered in common:
        raise WeakPassword("this password is too common; choose another", field=field)
    if lowered in {email.lower(), username.lower(), email.lower().split("@")[0]}:
        raise WeakPassword("the password cannot be your email or username", field=field)


def check_display_name(name: str) -> str:
    name = name.strip()
    if len(name) > DISPLAY_NAME_MAX or any(
        unicodedata.category(c) == "Cc" for c in name
    ):
        raise InvalidInput(
            f"display names are at most {DISPLAY_NAME_MAX} printable characters",
            field="display_name",
        )
    return name


def check_bio(bio: str) -> str:
    controls = (c for c in bio if c not in "\n\t")
    if len(bio) > BIO_MAX or any(unicodedata.category(c) == "Cc" for c in controls):
        raise InvalidInput(
            f"a bio is at most {BIO_MAX} printable characters", field="bio"
        )
    return bio


def check_country(country: str | None) -> str | None:
    if country is None or country == "":
        return None
    country = country.strip().upper()
    if not COUNTRY.fullmatch(country):
        raise InvalidInput(
            "country is a two-letter ISO 3166-1 code, such as 'FR'", field="country"
        )
    return country


USERNAME_MAX = 32
_NOT_USERNAME = re.compile(r"[^a-z0-9_.-]+")
_FALLBACK_USERNAME = "player"


def username_from_profile(name: str, email: str) -> str:
    """A valid username suggested by a provider's profile: its name, else the
    email's local part, folded to ASCII; ``player`` when neither gives one."""
    for source in (name, email.split("@", 1)[0]):
        folded = unicodedata.normalize("NFKD", source).encode("ascii", "ignore")
        slug = _NOT_USERNAME.sub("-", folded.decode().lower())
        slug = _trim_to_alnum(slug[:USERNAME_MAX])
        if USERNAME.fullmatch(slug):
            return slug
    return _FALLBACK_USERNAME


def username_with_suffix(base: str, suffix: str) -> str:
    """``base`` with ``-suffix``, cut so the result stays a valid username;
    ``suffix`` is letters and digits."""
    head = _trim_to_alnum(base[: USERNAME_MAX - len(suffix) - 1])
    return f"{head or _FALLBACK_USERNAME[0]}-{suffix}"


def _trim_to_alnum(text: str) -> str:
    return text.strip("_.-")
