"""The oracle's row rules for the extracts reconciliation needs (todokede, jps_kekka,
nenkin_kihon): value formats (docs/raw-interface.md §2) and code sets, read from the code seeds
(seeds/codes/*.csv) rather than restated; a row that breaks a rule is dropped, as staging
quarantines it."""

from __future__ import annotations

import datetime as dt
import unicodedata

from nenkin_audit.formats import (
    EraDateError,
    era_to_date,
    kojin_no_is_valid,
    normalise_kiso_nenkin_no,
)
from nenkin_audit.project import code_set

TYPES = set(code_set("code_todokede_shubetsu"))
OFFICES = set(code_set("code_offices"))
SHUBETSU = set(code_set("code_hihokensha_shubetsu"))
MENJO = set(code_set("code_menjo_shurui"))
KBN = set(code_set("code_nenkin_kbn"))
KEKKA = set(code_set("code_jps_kekka"))
CHANGE_TYPES = set(code_set("code_change_type"))
TORISAGE = {"0", "1"}  # inline code set of todokede (docs/raw-interface.md §3.8)


def _nfkc(v: str) -> str:
    return unicodedata.normalize("NFKC", v).strip()


def _era(v: str) -> dt.date | None:
    v = _nfkc(v)
    return era_to_date(v) if v else None


def _ts(v: str) -> dt.datetime:
    return dt.datetime.strptime(v, "%Y-%m-%d %H:%M:%S")


def _kiso(v: str) -> str | None:
    v = _nfkc(v)
    if not v:
        return None
    k = normalise_kiso_nenkin_no(v)
    if k is None:
        raise ValueError("kiso")
    return k


def _kojin(v: str) -> str | None:
    v = _nfkc(v)
    if not v:
        return None
    if not kojin_no_is_valid(v):
        raise ValueError("kojin")
    return v


def _code(v: str, allowed: set[str], *, empty_ok: bool = True) -> str | None:
    if v == "" and empty_ok:
        return None
    if v not in allowed:
        raise ValueError("code")
    return v


def parse_todokede(r: dict) -> dict:
    if r["change_type"] not in CHANGE_TYPES:
        raise ValueError("change_type")
    return {
        "uketsuke_no": r["uketsuke_no"],
        "uketsuke_date": _era(r["uketsuke_date"]),
        "office_code": _code(r["office_code"], OFFICES, empty_ok=False),
        "type": _code(r["todokede_shubetsu"], TYPES, empty_ok=False),
        "atena_no": r["atena_no"],
        "kojin": _kojin(r["kojin_no"]),
        "kiso": _kiso(r["kiso_nenkin_no"]),
        "taisho": _era(r["taisho_date"]),
        "shubetsu_after": _code(r["shubetsu_after"], SHUBETSU),
        "menjo_shurui": _code(r["menjo_shurui"], MENJO),
        "nenkin_kbn": _code(r["nenkin_kbn"], KBN),
        "shintatsu": _era(r["shintatsu_date"]),
        "torisage": _code(r["torisage"], TORISAGE, empty_ok=False),
        "ct": r["change_type"],
        "changed_at": _ts(r["changed_at"]),
    }


def parse_jps(r: dict) -> dict:
    return {
        "list_id": r["list_id"],
        "list_date": _era(r["list_date"]),
        "row_no": int(r["row_no"]),
        "kiso": _kiso(r["kiso_nenkin_no"]),
        "kojin": _kojin(r["kojin_no"]),
        "type": _code(r["todokede_shubetsu"], TYPES, empty_ok=False),
        "taisho": _era(r["taisho_date"]),
        "kekka": _code(r["kekka"], KEKKA, empty_ok=False),
        "kekka_date": _era(r["kekka_date"]),
        "shubetsu_after": _code(r["shubetsu_after"], SHUBETSU),
        "menjo_shurui": _code(r["menjo_shurui"], MENJO),
        "_order": (r["_date"], r["_seq"]),
    }


def parse_kihon(r: dict) -> dict:
    if r["change_type"] not in CHANGE_TYPES:
        raise ValueError("change_type")
    k = _kiso(r["kiso_nenkin_no"])
    if k is None:
        raise ValueError("kiso")
    return {
        "atena_no": r["atena_no"],
        "kojin": _kojin(r["kojin_no"]),
        "kiso": k,
        "ct": r["change_type"],
        "changed_at": _ts(r["changed_at"]),
    }


def valid(rows: list[dict], parse) -> list[dict]:
    out = []
    for r in rows:
        try:
            out.append(parse(r))
        except (ValueError, EraDateError):
            continue
    return out
