"""dbt-duckdb plugin: registers the keyed pseudonym functions on every DuckDB connection.

Profile (profiles.yml)::

    plugins:
      - module: nenkin_audit.dbt_pseudonym
        config:
          key_file: "{{ env_var('NENKIN_AUDIT_KEY_FILE', '') }}"

SQL functions:

- ``pseudonym(kind varchar, value varchar) -> varchar``: see `nenkin_audit.pseudonym`
  (null in, null out);
- ``pseudonym_key_id() -> varchar``: the id of the key in use.

The key is read from the key file in Python, at connection time: it never passes through dbt's
Jinja rendering, compiled SQL, ``target/`` or logs. Without a usable key the functions are still
registered, and calling one fails with the reason (so models that do not pseudonymise, e.g.
staging, build without a key, and models that do fail loudly instead of writing nulls).
"""

from __future__ import annotations

from typing import Any, NoReturn

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb.sqltypes import VARCHAR

from .errors import UserError
from .keys import KEY_FILE_ENV, load_key
from .pseudonym import Pseudonymiser

NO_KEY = (
    f"no key file configured. Set {KEY_FILE_ENV} to an owner-only key file (one line "
    "`<key_id>:<hex key>`), or run `nenkin-audit demo` once to create the home's demo key"
)


class MissingKeyError(UserError):
    """The SQL pseudonym function was called without a usable key."""


def register_functions(conn: Any, pseudonymiser: Pseudonymiser | None, problem: str = "") -> None:
    """Register ``pseudonym`` and ``pseudonym_key_id`` on a DuckDB connection.

    With ``pseudonymiser`` None, both functions raise `MissingKeyError` with ``problem``."""

    def fail() -> NoReturn:
        raise MissingKeyError(f"the pseudonym key is not available: {problem or NO_KEY}")

    if pseudonymiser is None:

        def pseudonym_batch(kinds: pa.Array, values: pa.Array) -> pa.Array:
            fail()

        def key_id() -> str:
            fail()

    else:
        p = pseudonymiser

        def pseudonym_batch(kinds: pa.Array, values: pa.Array) -> pa.Array:
            return pa.array(p.many(kinds.to_pylist(), values.to_pylist()), pa.string())

        def key_id() -> str:
            return p.key_id

    conn.create_function("pseudonym", pseudonym_batch, [VARCHAR, VARCHAR], VARCHAR, type="arrow")
    conn.create_function("pseudonym_key_id", key_id, [], VARCHAR)


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._pseudonymiser: Pseudonymiser | None = None
        self._problem = ""
        key_file = str(plugin_config.get("key_file") or "").strip()
        if not key_file:
            self._problem = NO_KEY
            return
        try:
            self._pseudonymiser = Pseudonymiser(load_key(key_file))
        except UserError as exc:
            self._problem = str(exc)

    def configure_connection(self, conn: Any) -> None:
        register_functions(conn, self._pseudonymiser, self._problem)
