"""Staff accounts (agents and editors): argon2 hashes, signed sessions, lockout.

Accounts come from ``ASSISTANT_STAFF_USERS`` and/or the file
``ASSISTANT_STAFF_USERS_FILE``, one ``name:role:hash`` per line (or separated by
spaces), the hash made by ``assistant users hash``. Roles: ``agent`` (hand-off
inbox), ``editor`` (``/admin``), ``admin`` (both). No account configured means
the inbox and the console are switched off.

Sessions are an HMAC-signed cookie (no server-side state, so any replica
accepts it) carrying the name, role, expiry and the CSRF token of the session.
Failed logins are counted in the database, so a lockout holds across replicas
and restarts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from assistant.db.models import LoginFailure, utcnow
from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant.db import Database
    from assistant.settings import Settings

ROLES = {"agent": {"agent"}, "editor": {"editor"}, "admin": {"agent", "editor"}}
_hasher = PasswordHasher()
#: verified against when the name is unknown, so both cases take the same time
_DUMMY_HASH = _hasher.hash(secrets.token_hex(8))


@lru_cache(maxsize=1)
def _process_secret() -> bytes:
    return secrets.token_bytes(32)


def secret_key(settings: Settings) -> bytes:
    """``ASSISTANT_SECRET_KEY`` (shared by replicas), else a random key for this process."""
    value = settings.secret_key
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value or "")
    if text:
        return hashlib.sha256(text.encode()).digest()
    return _process_secret()


def keyed_hash(key: bytes, value: str) -> str:
    """A client address made unlinkable without the key (it is never stored in clear)."""
    return hmac.new(key, b"client:" + value.encode(), hashlib.sha256).hexdigest()[:32]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str

    def can(self, area: str) -> bool:
        return role_can(self.role, area)


def role_can(role: str, area: str) -> bool:
    """Whether ``role`` opens ``area``: ``agent`` (inbox) or ``editor`` (console)."""
    return area in ROLES.get(role, set())


def parse_users(text: str) -> dict[str, User]:
    users: dict[str, User] = {}
    for raw in text.replace("\n", " ").split():
        if raw.startswith("#"):
            continue
        name, sep, rest = raw.partition(":")
        role, sep2, password_hash = rest.partition(":")
        if not (sep and sep2 and name and password_hash.startswith("$argon2")):
            raise ConfigError(
                f"staff account {name or raw[:12]!r}: expected 'name:role:argon2-hash' "
                "(make the hash with `assistant users hash`)"
            )
        if role not in ROLES:
            raise ConfigError(f"staff account {name!r}: role must be one of {sorted(ROLES)}")
        users[name] = User(name, role, password_hash)
    return users


def load_users(settings: Settings) -> dict[str, User]:
    """Accounts of the environment, then of the file (the file wins on a shared name)."""
    raw = settings.staff_users  # a SecretStr: `assistant config` does not print the hashes
    users = parse_users(raw.get_secret_value() if hasattr(raw, "get_secret_value") else raw or "")
    if settings.staff_users_file:
        lines = settings.staff_users_file.read_text(encoding="utf-8").splitlines()
        users.update(parse_users("\n".join(ln for ln in lines if not ln.lstrip().startswith("#"))))
    return users


class Accounts:
    """Login checks with a lockout kept in the database."""

    def __init__(self, users: dict[str, User], db: Database, settings: Settings) -> None:
        self.users = users
        self.db = db
        self.max_failures = settings.login_max_failures
        self.lockout = timedelta(minutes=settings.login_lockout_minutes)

    @property
    def enabled(self) -> bool:
        return bool(self.users)

    def locked(self, name: str) -> bool:
        with self.db.session() as s:
            row = s.get(LoginFailure, name[:64])
            return bool(row and row.locked_until and row.locked_until > utcnow())

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches and the account is not locked; else None."""
        name = (name or "").strip()[:64]
        if self.locked(name):
            _verify(_DUMMY_HASH, password)
            return None
        user = self.users.get(name)
        if user is not None and _verify(user.password_hash, password):
            with self.db.session() as s:
                row = s.get(LoginFailure, name)
                if row is not None:
                    s.delete(row)
            return user
        if user is None:
            _verify(_DUMMY_HASH, password)
        self._failed(name)
        return None

    def _failed(self, name: str) -> None:
        now = utcnow()
        with self.db.session() as s:
            row = s.get(LoginFailure, name, with_for_update=True)
            if row is None:
                row = LoginFailure(username=name, failures=0, last_failure=now)
                s.add(row)
            if row.locked_until and row.locked_until <= now:
                row.failures, row.locked_until = 0, None
            row.failures += 1
            row.last_failure = now
            if row.failures >= self.max_failures:
                row.locked_until = now + self.lockout


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


# -- signed values (session cookie) -------------------------------------------------
def sign(key: bytes, payload: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
    mac = hmac.new(key, body, hashlib.sha256).digest()
    return body.decode() + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def unsign(key: bytes, token: str | None) -> dict[str, Any] | None:
    """The payload of a token signed with ``key`` and not expired (``exp``), else None."""
    if not token or "." not in token:
        return None
    body, _, mac = token.rpartition(".")
    expected = base64.urlsafe_b64encode(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected.decode().rstrip("="), mac):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return None
    if not isinstance(payload, dict) or float(payload.get("exp", 0)) < time.time():
        return None
    return payload
