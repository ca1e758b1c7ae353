"""Staff accounts of the console, kept in Redis: a name and a werkzeug password hash (scrypt), nothing else."""
from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from bot.infra.store import Store

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
MIN_PASSWORD = 10
HASH_METHOD = "scrypt"
# Checked when the name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY = generate_password_hash("not a password of anyone", method=HASH_METHOD)


class AccountError(ValueError):
    """A name or password staff cannot use, said in a sentence."""


@dataclass(frozen=True)
class StaffAccounts:
    """The accounts hash of one store."""

    store: Store

    def add(self, name: str, password: str) -> bool:
        """Create the account or set its new password; True when it is new."""
        check_name(name)
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
        if password != password.strip() or "\n" in password:
            raise AccountError("the password must not start or end with a space or contain a line break")
        hashed = generate_password_hash(password, method=HASH_METHOD)
        return bool(self.store.redis.hset(self.store.keys.staff_accounts, name, hashed))

    def remove(self, name: str) -> bool:
        """Delete the account (its sessions stop working at their next request); False when there is none."""
        return bool(self.store.redis.hdel(self.store.keys.staff_accounts, name))

    def names(self) -> list[str]:
        return sorted(n.decode() for n in self.store.redis.hkeys(self.store.keys.staff_accounts))

    def stamp(self, name: str) -> str | None:
        """A short mark of the account's current password (a new password or a removal ends old sessions)."""
        hashed = self.store.redis.hget(self.store.keys.staff_accounts, name) if NAME.fullmatch(name or "") else None
        return hashed.decode()[-12:] if hashed else None

    def verify(self, name: str, password: str) -> bool:
        """True when the name exists and the password is its password."""
        hashed = self.store.redis.hget(self.store.keys.staff_accounts, name) if NAME.fullmatch(name or "") else None
        if hashed is None:
            check_password_hash(_DUMMY, password)
            return False
        return check_password_hash(hashed.decode(), password)


def check_name(name: str) -> None:
    if not NAME.fullmatch(name or ""):
        raise AccountError(f"the name {name!r} must be 1-32 letters, digits, '.', '_' or '-' (starting with a "
                           "letter or digit)")
