"""API keys with roles, from the environment; only hashes are ever configured.

``LOUPAN_API_KEYS`` holds comma-separated ``name:role:sha256hex`` entries (``loupan apikey NAME
ROLE`` makes a key and prints its entry). Roles nest: admin ⊃ editor ⊃ reader. Callers send
``Authorization: Bearer <key>``. Without a key a caller is anonymous, and may read only when
``LOUPAN_ANONYMOUS_READ`` is on (the default in development, off in production).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from loupan.errors import ConfigError, Forbidden

ROLES = ("reader", "editor", "admin")


def grants(role: str) -> frozenset[str]:
    """The roles a role includes: editor → {reader, editor}."""
    return frozenset(ROLES[: ROLES.index(role) + 1])


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return "lp_" + secrets.token_urlsafe(24)


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    roles: frozenset[str]


ANONYMOUS_NONE = Principal("anonymous", frozenset())
ANONYMOUS_READER = Principal("anonymous", grants("reader"))


class KeyRing:
    def __init__(self, spec: str, anonymous_read: bool) -> None:
        self.anonymous = ANONYMOUS_READER if anonymous_read else ANONYMOUS_NONE
        self._by_hash: dict[str, Principal] = {}
        for entry in filter(None, (e.strip() for e in spec.split(","))):
            parts = entry.split(":")
            if len(parts) != 3 or parts[1] not in ROLES or len(parts[2]) != 64:
                raise ConfigError(f"LOUPAN_API_KEYS entry {parts[0]!r} should read name:role:sha256hex with role "
                                  f"one of {', '.join(ROLES)}; `loupan apikey NAME ROLE` prints one")
            name, role, digest = parts
            self._by_hash[digest.lower()] = Principal(name, grants(role))

    def __len__(self) -> int:
        return len(self._by_hash)

    def identify(self, authorization: str | None) -> Principal:
        if not authorization:
            return self.anonymous
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Forbidden("the Authorization header should read 'Bearer <key>'")
        digest = hash_key(key.strip())
        for known, principal in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return principal
        raise Forbidden("unknown API key; ask an admin for one (`loupan apikey NAME ROLE`)")
