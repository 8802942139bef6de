"""`nenkin-audit reidentify --pid PID --reason TEXT`: turn a pseudonym back into the city's number,
for an authorised key holder, with an audit line for every attempt.

Never a dashboard feature: it needs the restricted warehouse (the mapping relations
``intermediate.int_identity__*``) AND the pseudonym key. The key proves the holder is authorised:
the number found in the mapping is re-pseudonymised with the key and must give the same pseudonym
(and the pseudonym's key id must be the key's), so a copied warehouse without the key re-identifies
nothing.

Audit log: ``<home>/logs/reidentify.log``, one JSON object per line, appended (owner-only file):
``{"at": ISO timestamp, "user": OS user, "uid": ..., "pid": the pseudonym asked for,
"kind": person|household|kiso|<domain>|null, "reason": the reason given, "outcome": found|not_found|
key_mismatch}``. The line never holds the re-identified number itself.

A subject-area pseudonym (domain kinds, e.g. the ``access_subject`` of an access case) is
``pseudonym(domain, person_pid)``: it is checked against the key, then the person pseudonym it was
made from is re-identified in turn (the log line's kind is the domain).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .errors import UserError
from .home import Home
from .keys import KEY_FILE_ENV, load_key, resolve_key_file
from .pseudonym import DOMAIN_KINDS, Pseudonymiser

#: (kind, mapping relation in the warehouse, identifier column, pseudonym column, label)
MAPPINGS = (
    (
        "person",
        "intermediate.int_identity__person_pseudonyms",
        "atena_no",
        "person_pid",
        "宛名番号",
    ),
    (
        "household",
        "intermediate.int_identity__household_pseudonyms",
        "setai_no",
        "household_pid",
        "世帯番号",
    ),
    ("kiso", "intermediate.int_identity__kiso_keys", "kiso_nenkin_no", "kiso_pid", "基礎年金番号"),
)

#: subject-area pseudonyms: (mapping relation, person pseudonym column, domain column, pseudonym)
DOMAIN_MAPPING = (
    "intermediate.int_identity__domain_pseudonyms",
    "person_pid",
    "domain",
    "domain_pid",
)

MIN_REASON_CHARS = 10


@dataclass(frozen=True)
class Reidentified:
    kind: str
    identifier: str
    label: str


def audit_log_path(home: Home) -> Path:
    return home.logs / "reidentify.log"


def _audit(home: Home, entry: dict[str, object]) -> None:
    home.logs.mkdir(parents=True, exist_ok=True)
    path = audit_log_path(home)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _lookup(home: Home, pid: str) -> tuple[str, str, str] | None:
    """(kind, identifier, label) for the pseudonym, from the restricted mapping relations."""
    if not home.warehouse.is_file():
        raise UserError(f"no warehouse at {home.warehouse}: re-identification needs the warehouse")
    try:
        con = duckdb.connect(str(home.warehouse), read_only=True)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise UserError(
            f"the warehouse {home.warehouse} is being written by a running `nenkin-audit run` "
            "(or another maintainer command); try again when it has finished"
        ) from None
    try:
        existing = {
            f"{s}.{t}"
            for s, t in con.sql(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        if not any(m[1] in existing for m in MAPPINGS):
            raise UserError(
                f"the warehouse {home.warehouse} has no pseudonym mapping yet; run "
                "`nenkin-audit run` first"
            )
        for kind, relation, id_col, pid_col, label in MAPPINGS:
            if relation not in existing:
                continue
            rows = con.execute(
                f"select {id_col} from {relation} where {pid_col} = ?", [pid]
            ).fetchall()
            if rows:
                return kind, rows[0][0], label
        relation, person_col, domain_col, domain_pid_col = DOMAIN_MAPPING
        if relation in existing:
            rows = con.execute(
                f"select {domain_col}, {person_col} from {relation} where {domain_pid_col} = ?",
                [pid],
            ).fetchall()
            if rows:
                return rows[0][0], rows[0][1], "person pseudonym"
    finally:
        con.close()
    return None


def reidentify(home: Home, pid: str, reason: str) -> Reidentified | None:
    """Look a pseudonym up; returns None when it is unknown. Every call is audited."""
    pid = pid.strip()
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON_CHARS:
        raise UserError(
            f"give the reason for re-identifying (--reason, at least {MIN_REASON_CHARS} "
            "characters, e.g. the case or request number); it is written to the audit log"
        )
    key_file = resolve_key_file(home)
    if key_file is None:
        raise UserError(
            f"re-identification needs the pseudonym key: set {KEY_FILE_ENV} to the key file"
        )
    key = load_key(key_file)
    entry: dict[str, object] = {
        "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "user": getpass.getuser(),
        "uid": os.getuid(),
        "pid": pid,
        "kind": None,
        "reason": reason,
        "key_id": key.key_id,
    }
    try:
        found = _lookup(home, pid)
    except BaseException:
        entry["outcome"] = "error"
        _audit(home, entry)
        raise
    if found is None:
        entry["outcome"] = "not_found"
        _audit(home, entry)
        return None
    kind, identifier, label = found
    entry["kind"] = kind
    if Pseudonymiser(key)(kind, identifier) != pid:
        entry["outcome"] = "key_mismatch"
        _audit(home, entry)
        raise UserError(
            f"the pseudonym {pid} was not made with the key {key.key_id} ({key_file}); "
            "re-identification needs the key the mart was built with"
        )
    if kind in DOMAIN_KINDS:
        # a subject-area pseudonym: re-identify the person pseudonym it was made from
        person = _lookup(home, identifier)
        if person is None or person[0] not in ("person", "kiso"):
            entry["outcome"] = "not_found"
            _audit(home, entry)
            return None
        if Pseudonymiser(key)(person[0], person[1]) != identifier:
            entry["outcome"] = "key_mismatch"
            _audit(home, entry)
            raise UserError(
                f"the pseudonym {pid} was not made with the key {key.key_id} ({key_file}); "
                "re-identification needs the key the mart was built with"
            )
        _, identifier, label = person
    entry["outcome"] = "found"
    _audit(home, entry)
    return Reidentified(kind=kind, identifier=identifier, label=label)


def main(home: Home, pid: str, reason: str) -> int:
    result = reidentify(home, pid, reason)
    if result is None:
        print(f"{pid}: not found in the pseudonym mappings of {home.warehouse}")
        return 1
    print(f"{result.kind} {pid}: {result.label} {result.identifier}")
    print(f"(logged in {audit_log_path(home)})")
    return 0
