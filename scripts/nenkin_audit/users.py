"""Dashboard users: bcrypt-hashed credentials in a file outside the repository, and the roles.

The file (default `<home>/auth/users.yaml`, or $NENKIN_AUDIT_USERS_FILE) has the layout that
streamlit-authenticator reads (`credentials.usernames.<name>.{name,password,roles}`) plus the
secret that signs the re-login cookie. It is written atomically with mode 600 in a 700 folder.
`nenkin-audit user add NAME --role ROLE` reads the password twice from standard input (never
from the command line) and refuses weak passwords."""

from __future__ import annotations

import getpass
import os
import re
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

import bcrypt
import yaml

from .errors import UserError
from .home import Home

USERS_FILE_ENV = "NENKIN_AUDIT_USERS_FILE"

#: the dashboard pages (key -> Japanese title), in menu order: the one list of pages
PAGES: dict[str, str] = {
    "filings": "届出処理状況",
    "reconciliation": "突合状況",
    "access_review": "アクセス点検",
    "review_record": "点検記録",
    "data_quality": "データ品質",
    "runs": "実行状況",
    "controls": "自己点検",
}

#: which pages each role sees (published in the README); anything else is neither shown nor routed
ROLES: dict[str, tuple[str, ...]] = {
    "manager": ("filings", "reconciliation", "data_quality", "runs", "controls"),
    "reviewer": ("access_review", "review_record", "data_quality"),
    "auditor": ("review_record", "controls"),
}

ROLE_LABELS = {"manager": "管理者", "reviewer": "点検担当", "auditor": "監査"}

NAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
MIN_PASSWORD_LENGTH = 12
_COMMON = {"password", "passw0rd", "nenkin", "kokumin", "admin", "qwerty", "letmein", "welcome"}


def users_file(home: Home) -> Path:
    env = os.environ.get(USERS_FILE_ENV)
    return Path(env).expanduser().resolve() if env else home.root / "auth" / "users.yaml"


def pages_for(roles: list[str] | tuple[str, ...] | None) -> list[str]:
    """The page keys the roles may open, in menu order."""
    allowed = {p for r in roles or () for p in ROLES.get(r, ())}
    return [p for p in PAGES if p in allowed]


def password_problem(name: str, password: str) -> str | None:
    """Why a password is too weak (None when acceptable)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"at least {MIN_PASSWORD_LENGTH} characters are needed"
    lowered = password.lower()
    if name.lower() in lowered:
        return "the password must not contain the user name"
    if any(word in lowered for word in _COMMON):
        return "the password contains a common word (password, admin, nenkin, …)"
    if len(set(password)) < 6:
        return "the password repeats too few different characters"
    classes = sum(
        bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    )
    if classes < 3 and len(password) < 20:
        return (
            "use at least three of: lower case, upper case, digits, symbols "
            "(or a passphrase of 20 characters or more)"
        )
    return None


def load(path: Path) -> dict[str, Any]:
    """The users file's content (an empty store when there is no file yet)."""
    if not path.is_file():
        return {"credentials": {"usernames": {}}, "cookie": {}}
    mode = path.stat().st_mode & 0o077
    if mode:
        raise UserError(
            f"{path} is readable by others (mode {oct(path.stat().st_mode & 0o777)}): "
            f"run `chmod 600 {path}`"
        )
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.setdefault("credentials", {}).setdefault("usernames", {})
    data.setdefault("cookie", {})
    return data


def _save(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd, tmp = tempfile.mkstemp(prefix=".users-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yaml.safe_dump(data, fh, allow_unicode=True, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cookie_secret(data: dict[str, Any]) -> str:
    return str(data.get("cookie", {}).get("key") or "")


def add_user(path: Path, name: str, role: str, password: str) -> None:
    if not NAME_RE.match(name):
        raise UserError(
            f"user name {name!r} is not allowed: 2-32 characters, lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter"
        )
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    problem = password_problem(name, password)
    if problem:
        raise UserError(f"password refused: {problem}")
    data = load(path)
    users = data["credentials"]["usernames"]
    if name in users:
        raise UserError(f"user {name!r} already exists: `nenkin-audit user remove {name}` first")
    users[name] = {
        "name": name,
        "password": bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode(),
        "roles": [role],
    }
    data["cookie"].setdefault("name", "nenkin_audit_session")
    data["cookie"].setdefault("key", secrets.token_urlsafe(32))
    _save(path, data)


def remove_user(path: Path, name: str) -> None:
    data = load(path)
    if name not in data["credentials"]["usernames"]:
        raise UserError(f"no user {name!r} in {path}")
    del data["credentials"]["usernames"][name]
    _save(path, data)


def list_users(path: Path) -> list[tuple[str, str]]:
    users = load(path)["credentials"]["usernames"]
    return [(n, ",".join(u.get("roles") or [])) for n, u in sorted(users.items())]


def read_password_twice(stdin: TextIO = sys.stdin) -> str:
    """The new password, typed twice (hidden on a terminal; two lines when piped)."""
    if stdin.isatty():
        first = getpass.getpass("password: ")
        second = getpass.getpass("password (again): ")
    else:
        first = stdin.readline().rstrip("\r\n")
        second = stdin.readline().rstrip("\r\n")
    if not first:
        raise UserError("no password given: type it twice (or pipe two lines to standard input)")
    if first != second:
        raise UserError("the two passwords differ; nothing was changed")
    return first


def main(home: Home, action: str, name: str | None, role: str | None) -> int:
    path = users_file(home)
    if action == "add":
        assert name is not None and role is not None
        add_user(path, name, role, read_password_twice())
        print(f"user {name} ({role}) added to {path}")
    elif action == "remove":
        assert name is not None
        remove_user(path, name)
        print(f"user {name} removed from {path}")
    else:
        rows = list_users(path)
        if not rows:
            print(f"no users in {path}: add one with `nenkin-audit user add NAME --role ROLE`")
        for n, r in rows:
            print(f"{n}\t{r}")
    return 0
