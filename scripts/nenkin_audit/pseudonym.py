"""Keyed pseudonyms (HMAC-SHA256) of the city's identifiers.

``pseudonym(kind, value)`` = ``<key_id>:<hex>`` where ``<hex>`` is the first 20 hex digits
(80 bits) of HMAC-SHA256(key, ``"<kind>:<value>"``) — for example ``demo-3fa2c1:9b0d...``.

- kinds: ``person`` (宛名番号), ``household`` (世帯番号), ``kiso`` (基礎年金番号, an internal key
  for pension records whose person has no 宛名番号 in the warehouse). The kind is part of the
  HMAC input, so one number gets unrelated pseudonyms as a person and as a household.
- The value is hashed exactly as given (staging has normalised it: 10 digits).
- 80 bits keep the chance of any collision among 1.4 million persons below 1e-12, and the
  mapping models test uniqueness anyway.
- The key id prefix says which key made the pseudonym; pseudonyms from different keys never
  compare equal by accident. Rotating the key rebuilds every pseudonym.
- Without the key a pseudonym cannot be computed or reversed; re-identification goes through
  the restricted mapping (`nenkin-audit reidentify`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from .keys import PseudonymKey

KINDS = ("person", "household", "kiso")
HEX_DIGITS = 20


class Pseudonymiser:
    """Computes pseudonyms for one key. The HMAC state after the key (and after ``kind:``) is
    prepared once and copied per value, which is what makes the SQL function fast."""

    def __init__(self, key: PseudonymKey) -> None:
        self.key_id = key.key_id
        base = hmac.new(key.secret, digestmod=hashlib.sha256)
        self._by_kind: dict[str, hmac.HMAC] = {}
        for kind in KINDS:
            h = base.copy()
            h.update(f"{kind}:".encode())
            self._by_kind[kind] = h
        self._prefix = f"{key.key_id}:"

    def _state(self, kind: str) -> hmac.HMAC:
        try:
            return self._by_kind[kind]
        except KeyError:
            raise ValueError(
                f"unknown pseudonym kind {kind!r}; use one of {', '.join(KINDS)}"
            ) from None

    def __call__(self, kind: str, value: str) -> str:
        h = self._state(kind).copy()
        h.update(value.encode("utf-8"))
        return self._prefix + h.hexdigest()[:HEX_DIGITS]

    def many(self, kinds: Iterable[str | None], values: Iterable[str | None]) -> list[str | None]:
        """Vectorised form (null in, null out); used by the SQL function on Arrow batches."""
        out: list[str | None] = []
        append = out.append
        prefix = self._prefix
        last_kind: str | None = None
        state: hmac.HMAC | None = None
        for kind, value in zip(kinds, values, strict=True):
            if kind is None or value is None:
                append(None)
                continue
            if kind != last_kind:
                state = self._state(kind)
                last_kind = kind
            h = state.copy()  # type: ignore[union-attr]
            h.update(value.encode("utf-8"))
            append(prefix + h.hexdigest()[:HEX_DIGITS])
        return out
