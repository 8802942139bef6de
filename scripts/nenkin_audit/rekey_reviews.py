"""`nenkin-audit key rotate-reviews --old-key FILE --new-key FILE`: after a key rotation and the
full rebuild with the new key, rewrite the pseudonyms kept in review decisions
(`<home>/reviews.duckdb`, the reviewers' notes) from the old key to the new one.

The review store holds pseudonyms only. The way from an old pseudonym to the new one goes
through the city's number, and that number is never written anywhere: the restricted mapping
relations of the rebuilt warehouse (`intermediate.int_identity__*`, see reidentify.py) give
each number with its NEW pseudonym; the old key, held in memory only, gives the number's OLD
pseudonym; an old pseudonym found in the reviews is replaced by the new one of the same number.
Subject-area pseudonyms (`pseudonym(domain, person_pid)`) follow their person's.

It is the one operation that changes stored decisions, and it changes nothing but pseudonym
tokens of the old key inside their text, in one transaction; a `rekeys` table in the review
store records when, from which key id to which, and how many tokens (never the mapping). An
old pseudonym whose number is no longer in the warehouse is left as it is and counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from .errors import UserError
from .home import Home
from .keys import PseudonymKey, load_key
from .pseudonym import DOMAIN_KINDS, HEX_DIGITS, Pseudonymiser
from .reidentify import MAPPINGS

#: the decision columns that may hold pseudonyms (free text a reviewer wrote, and the case id)
TEXT_COLUMNS = ("case_id", "reason")

_REKEYS_DDL = """
create table if not exists rekeys (
    rekeyed_at timestamp not null,
    old_key_id varchar not null,
    new_key_id varchar not null,
    decisions_changed bigint not null,
    pseudonyms_rekeyed bigint not null,
    pseudonyms_not_found bigint not null
)
"""


@dataclass(frozen=True)
class Rekeyed:
    decisions_changed: int
    pseudonyms_rekeyed: int
    pseudonyms_not_found: int


def _token_re(key_id: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![0-9a-z-]){re.escape(key_id)}:[0-9a-f]{{{HEX_DIGITS}}}(?![0-9a-f])")


def _old_to_new(
    warehouse: Path, old: PseudonymKey, new: PseudonymKey, wanted: set[str]
) -> dict[str, str]:
    """Old pseudonym → new pseudonym for the `wanted` old pseudonyms, through the rebuilt
    warehouse's mappings. The numbers stay in this function's memory."""
    old_p, new_p = Pseudonymiser(old), Pseudonymiser(new)
    out: dict[str, str] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for kind, relation, id_col, pid_col, _label in MAPPINGS:
            for ids, pids in _batches(con, f"select {id_col}, {pid_col} from {relation}"):
                _check_rebuilt(pids, new.key_id)
                for old_pid, new_pid in zip(old_p.many([kind] * len(ids), ids), pids, strict=True):
                    if old_pid in wanted:
                        out[old_pid] = new_pid
            if kind == "person":
                _domains(con, old_p, new_p, wanted, out)
    finally:
        con.close()
    return out


def _domains(
    con: duckdb.DuckDBPyConnection,
    old_p: Pseudonymiser,
    new_p: Pseudonymiser,
    wanted: set[str],
    out: dict[str, str],
) -> None:
    """Subject-area pseudonyms: pseudonym(domain, person pseudonym), old and new."""
    _kind, person_relation, id_col, pid_col, _label = MAPPINGS[0]
    query = f"select {id_col}, {pid_col} from {person_relation}"
    for ids, new_pids in _batches(con, query):
        old_pids = old_p.many(["person"] * len(ids), ids)
        for domain in DOMAIN_KINDS:
            kinds = [domain] * len(ids)
            for o, n in zip(old_p.many(kinds, old_pids), new_p.many(kinds, new_pids), strict=True):
                if o in wanted:
                    out[o] = n  # type: ignore[assignment]


def _batches(con: duckdb.DuckDBPyConnection, query: str) -> Iterator[tuple[list, list]]:
    try:
        cur = con.execute(query)
    except duckdb.CatalogException:
        raise UserError(
            "the warehouse has no pseudonym mappings (intermediate.int_identity__*): run the "
            "full rebuild with the new key (`nenkin-audit run --full-refresh`) first"
        ) from None
    while rows := cur.fetchmany(100_000):
        yield [r[0] for r in rows], [r[1] for r in rows]


def _check_rebuilt(pids: list, new_key_id: str) -> None:
    sample = next((p for p in pids if p), None)
    if sample is not None and not str(sample).startswith(f"{new_key_id}:"):
        raise UserError(
            f"the warehouse's pseudonyms are not made with the new key (key id {new_key_id}); "
            "rebuild with the new key first (NENKIN_AUDIT_KEY_FILE=<new key> nenkin-audit run "
            "--full-refresh), then re-key the reviews"
        )


def rotate_reviews(home: Home, old_key_file: Path, new_key_file: Path) -> Rekeyed:
    old, new = load_key(old_key_file), load_key(new_key_file)
    if old.key_id == new.key_id:
        raise UserError(
            f"both keys have the key id {old.key_id!r}; a new key needs a new key id "
            "(`nenkin-audit key new` makes one)"
        )
    if not home.reviews.is_file():
        return Rekeyed(0, 0, 0)
    if not home.warehouse.is_file():
        raise UserError(f"no warehouse at {home.warehouse}: rebuild with the new key first")
    token = _token_re(old.key_id)
    con = duckdb.connect(str(home.reviews))
    try:
        cols = ", ".join(TEXT_COLUMNS)
        rows = con.execute(f"select decision_id, {cols} from decisions").fetchall()
        wanted = {t for row in rows for text in row[1:] if text for t in token.findall(text)}
        mapping = _old_to_new(home.warehouse, old, new, wanted) if wanted else {}
        changed = 0
        con.execute("begin")
        try:
            for decision_id, *texts in rows:
                new_texts = [
                    token.sub(lambda m: mapping.get(m.group(0), m.group(0)), t) if t else t
                    for t in texts
                ]
                if new_texts != texts:
                    sets = ", ".join(f"{c} = ?" for c in TEXT_COLUMNS)
                    con.execute(
                        f"update decisions set {sets} where decision_id = ?",
                        [*new_texts, decision_id],
                    )
                    changed += 1
            result = Rekeyed(changed, len(wanted & mapping.keys()), len(wanted - mapping.keys()))
            con.execute(_REKEYS_DDL)
            con.execute(
                "insert into rekeys values (?, ?, ?, ?, ?, ?)",
                [
                    datetime.now().replace(microsecond=0),
                    old.key_id,
                    new.key_id,
                    result.decisions_changed,
                    result.pseudonyms_rekeyed,
                    result.pseudonyms_not_found,
                ],
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("checkpoint")
    finally:
        con.close()
    return result


def main(home: Home, old_key_file: Path, new_key_file: Path) -> int:
    r = rotate_reviews(home, old_key_file, new_key_file)
    print(
        f"re-keyed review decisions in {home.reviews}: {r.decisions_changed} decision(s) "
        f"changed, {r.pseudonyms_rekeyed} pseudonym(s) re-keyed, {r.pseudonyms_not_found} "
        "not found in the warehouse (left as they were)"
    )
    return 0
