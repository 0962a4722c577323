"""Password hashing (Argon2id, no length truncation) and strength rules."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask

from mobility.core.text import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 1024  # hashing is deliberately slow; refuse megabyte "passwords"

# Argon2id at RFC 9106's low-memory cost (about a second a hash on these machines). The test suite hashes
# hundreds of passwords and chooses "cheapest" (PASSWORD_HASH_PROFILE); a hash records its own cost, so a
# hash made at either cost verifies under both.
HASH_PROFILES = {"rfc9106_low_memory": profiles.RFC_9106_LOW_MEMORY, "cheapest": profiles.CHEAPEST}
_hasher = PasswordHasher.from_parameters(HASH_PROFILES["rfc9106_low_memory"])


def init_app(app: Flask) -> None:
    global _hasher
    _hasher = PasswordHasher.from_parameters(HASH_PROFILES[app.config["PASSWORD_HASH_PROFILE"]])
    _dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_time(password: str) -> None:
    """Spend the time a verification takes, so an unknown e-mail answers as slowly as a known one."""
    verify_password(_dummy_hash(), password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not a real password, only for timing")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("mobility.data").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def password_problem(password: str, *, email: str = "", name: str = ""):
    """Why a new password is refused (a translated message), or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)s characters.", n=MAX_LENGTH)
    folded = password.casefold()
    if folded in _common_passwords() or len(set(password)) < 4:
        return _l("This password is too common or too easy to guess. Choose another.")
    if email and folded == email.casefold() or name and folded == name.casefold():
        return _l("Do not use your e-mail address or name as your password.")
    return None
