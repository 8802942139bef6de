"""Keyed pseudonyms (HMAC-SHA256) of the city's identifiers.

``pseudonym(kind, value)`` = ``<key_id>:<hex>`` where ``<hex>`` is the first 20 hex digits
(80 bits) of HMAC-SHA256(key, ``"<kind>:<value>"``) — for example ``demo-3fa2c1:9b0d...``.

- kinds: ``person`` (宛名番号), ``household`` (世帯番号), ``kiso`` (基礎年金番号, an internal key
  for pension records whose person has no 宛名番号 in the warehouse). The kind is part of the
  HMAC input, so one number gets unrelated pseudonyms as a person and as a household.
- subject-area domains (``DOMAIN_KINDS``): the pseudonym of a person's person pseudonym in a
  domain (``insured``, ``fuka``, ``exemption``, ``income``, ``access_subject``); each public
  area carries its own, so areas cannot be joined on the person.
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
from collections.abc import Iterable
from typing import Any

from .keys import PseudonymKey

#: Subject-area domains: a person's pseudonym in one public area is ``pseudonym(domain,
#: person_pid)``, unrelated to their pseudonym in any other area, so published areas cannot be
#: joined (the dbt macro ``pseudonym_domains()`` lists which public models use which domain).
DOMAIN_KINDS = ("insured", "fuka", "exemption", "income", "access_subject")
KINDS = ("person", "household", "kiso", *DOMAIN_KINDS)
HEX_DIGITS = 20
_BLOCK = 64  # SHA-256 block size in bytes


class Pseudonymiser:
    """Computes pseudonyms for one key.

    HMAC-SHA256 (RFC 2104) is H((K ^ opad) || H((K ^ ipad) || message)); the two hash states
    after the padded key — and the inner one after ``kind:`` — are prepared once and copied per
    value, which makes the SQL function about 1.6 times faster than a `hmac` object per value.
    The tests check the result against `hmac.new`."""

    def __init__(self, key: PseudonymKey) -> None:
        self.key_id = key.key_id
        secret = key.secret
        if len(secret) > _BLOCK:
            secret = hashlib.sha256(secret).digest()
        padded = secret.ljust(_BLOCK, b"\0")
        inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
        self._inner_by_kind: dict[str, Any] = {}
        for kind in KINDS:
            h = inner.copy()
            h.update(f"{kind}:".encode())
            self._inner_by_kind[kind] = h
        self._prefix = f"{key.key_id}:"

    def _inner(self, kind: str) -> Any:
        try:
            return self._inner_by_kind[kind]
        except KeyError:
            raise ValueError(
                f"unknown pseudonym kind {kind!r}; use one of {', '.join(KINDS)}"
            ) from None

    def __call__(self, kind: str, value: str) -> str:
        return self.many([kind], [value])[0]  # type: ignore[return-value]

    def many(self, kinds: Iterable[str | None], values: Iterable[str | None]) -> list[str | None]:
        """Vectorised form (null in, null out); used by the SQL function on Arrow batches."""
        out: list[str | None] = []
        append = out.append
        prefix = self._prefix
        outer_copy = self._outer.copy
        last_kind: str | None = None
        inner_copy = None
        for kind, value in zip(kinds, values, strict=True):
            if kind is None or value is None:
                append(None)
                continue
            if kind != last_kind:
                inner_copy = self._inner(kind).copy
                last_kind = kind
            inner = inner_copy()  # type: ignore[misc]
            inner.update(value.encode("utf-8"))
            outer = outer_copy()
            outer.update(inner.digest())
            append(prefix + outer.hexdigest()[:HEX_DIGITS])
        return out
