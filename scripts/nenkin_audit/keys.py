"""The pseudonym key: where it comes from, its file format, and the demo key.

Where the key comes from (first match wins):
1. the file named by the environment variable ``NENKIN_AUDIT_KEY_FILE`` (production: a file
   outside the home, readable by the service account only);
2. the home's ``keys/pseudonym.key`` (the demo creates one there with `ensure_demo_key`).

Key file format: one line ``<key_id>:<hex key>`` (a trailing newline is allowed, nothing else):

- ``key_id``: 1-16 characters ``[a-z0-9-]``, starting with a letter or digit. It travels with
  every pseudonym (the pseudonym's prefix, and the ``key_id`` column of the restricted mappings)
  so that a mart built with another key is recognisable.
- ``hex key``: at least 32 bytes (64 hex digits) of secret random material.

The file must be readable by its owner only (mode 0600 or 0400): a key readable by the group or
by others is refused. `nenkin-audit key new --out FILE` writes a fresh key (`new_key_file`).
Rotation: a new key file with a new key id, a full rebuild with it (every pseudonym changes),
then `nenkin-audit key rotate-reviews` re-keys the pseudonyms kept in review decisions
(rekey_reviews.py; README "Keys and their rotation").
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError
from .home import Home

KEY_FILE_ENV = "NENKIN_AUDIT_KEY_FILE"
KEY_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,15}$")
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class PseudonymKey:
    """A loaded key. ``repr`` never shows the secret."""

    key_id: str
    secret: bytes

    def __repr__(self) -> str:
        return f"PseudonymKey(key_id={self.key_id!r}, secret=<{len(self.secret)} bytes>)"


def resolve_key_file(home: Home) -> Path | None:
    """The key file to use for this home: $NENKIN_AUDIT_KEY_FILE, else the home's
    keys/pseudonym.key when it exists, else None (no key configured)."""
    env = os.environ.get(KEY_FILE_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return home.default_key_file if home.default_key_file.is_file() else None


def check_permissions(path: Path) -> None:
    """Refuse a key that anybody but this account could read or swap: the file must be a
    regular file owned by this account and accessible to its owner only, and its folder must
    belong to this account (or root) and be writable by nobody else (else another user could
    replace the key and silently re-key the mart)."""
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise UserError(f"pseudonym key {path} is not a regular file")
    if st.st_uid != os.geteuid():
        raise UserError(
            f"pseudonym key {path} belongs to uid {st.st_uid}, not to this account (uid "
            f"{os.geteuid()}); the key must be owned by the account that runs nenkin-audit"
        )
    if st.st_mode & 0o077:
        raise UserError(
            f"pseudonym key {path} is accessible to group or others "
            f"(mode {stat.S_IMODE(st.st_mode):04o}); make it owner-only with `chmod 600 {path}`"
        )
    folder = path.parent
    fst = os.stat(folder)
    if fst.st_uid not in (os.geteuid(), 0):
        raise UserError(
            f"the folder {folder} of the pseudonym key belongs to uid {fst.st_uid}: it must "
            "belong to this account (or root), so that nobody else can replace the key"
        )
    if fst.st_mode & 0o022:
        raise UserError(
            f"the folder {folder} of the pseudonym key is writable by group or others (mode "
            f"{stat.S_IMODE(fst.st_mode):04o}): anybody could replace the key. Move the key "
            f"to a folder only this account can write to, or `chmod go-w {folder}`"
        )


def parse_key(text: str, source: str) -> PseudonymKey:
    """Parse the one-line ``<key_id>:<hex key>`` format; errors never echo the key material."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) != 1 or ":" not in lines[0]:
        raise UserError(
            f"pseudonym key {source} is not in the format `<key_id>:<hex key>` (one line)"
        )
    key_id, _, hex_key = lines[0].strip().partition(":")
    if not KEY_ID_RE.match(key_id):
        raise UserError(
            f"pseudonym key {source}: the key id must be 1-16 characters a-z, 0-9 or '-', "
            "starting with a letter or digit"
        )
    try:
        secret = bytes.fromhex(hex_key)
    except ValueError:
        raise UserError(f"pseudonym key {source}: the key after ':' is not hexadecimal") from None
    if len(secret) < MIN_KEY_BYTES:
        raise UserError(
            f"pseudonym key {source}: the key has {len(secret)} bytes, at least {MIN_KEY_BYTES} "
            "are required (64 hex digits)"
        )
    return PseudonymKey(key_id=key_id, secret=secret)


def load_key(path: Path | str) -> PseudonymKey:
    """Read and validate a key file (existence, owner-only permissions, format)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise UserError(
            f"pseudonym key file {p} does not exist; set {KEY_FILE_ENV} to the key file, "
            "or run `nenkin-audit demo` to create a demo key in the home"
        )
    check_permissions(p)
    return parse_key(p.read_text(encoding="ascii", errors="replace"), str(p))


def write_key(path: Path, key_id: str, secret: bytes) -> Path:
    """Write a key file in the documented format, created owner-only (0600) from the start."""
    if not KEY_ID_RE.match(key_id):
        raise UserError(f"invalid key id {key_id!r}")
    if len(secret) < MIN_KEY_BYTES:
        raise UserError(f"a pseudonym key needs at least {MIN_KEY_BYTES} bytes")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, f"{key_id}:{secret.hex()}\n".encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def ensure_demo_key(home: Home, *, announce: bool = True) -> Path:
    """The home's demo key (keys/pseudonym.key): created from os.urandom when missing.

    Says where the key is when it creates one. An existing key is kept (and checked), so that
    pseudonyms stay the same across demo runs."""
    home.ensure()
    path = home.default_key_file
    if path.exists():
        load_key(path)
        return path
    key_id = "demo-" + os.urandom(3).hex()
    write_key(path, key_id, os.urandom(MIN_KEY_BYTES))
    if announce:
        print(
            f"created a demo pseudonym key {path} (key id {key_id}); production keys belong "
            f"outside the home, named by {KEY_FILE_ENV}"
        )
    return path


def default_key_id() -> str:
    """`k<YYYYMMDD>-<4 hex>`: the day the key was made, and enough randomness to tell apart two
    keys made the same day."""
    import datetime as dt

    return f"k{dt.date.today():%Y%m%d}-{os.urandom(2).hex()}"


def new_key_file(path: Path, *, key_id: str | None = None, force: bool = False) -> str:
    """Write a fresh key (os.urandom) to `path`, owner-only from its first byte; returns its key
    id. An existing file is kept unless `force` (then replaced atomically: a reader sees the old
    key or the new one, never half a file). The key itself is never printed or returned."""
    path = Path(path).expanduser()
    key_id = key_id or default_key_id()
    if not KEY_ID_RE.match(key_id):
        raise UserError(
            f"invalid key id {key_id!r}: 1-16 characters a-z, 0-9 or '-', starting with a "
            "letter or digit"
        )
    if os.path.lexists(path) and not force:
        raise UserError(
            f"{path} already exists; refusing to overwrite a key (pseudonyms made with it would "
            "be lost). Choose another --out, or pass --force to replace it"
        )
    if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
        raise UserError(f"{path} exists and is not a regular file; refusing to replace it")
    if not path.parent.is_dir():
        raise UserError(f"the folder {path.parent} does not exist; create it (mode 0700) first")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    write_key(tmp, key_id, os.urandom(MIN_KEY_BYTES))
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return key_id
