"""The synthetic city generator: exact raw-interface files, deterministic output, ground truth that
agrees with the rules (read back with Python's csv module and the independent oracle of
tests/oracle/, never with the project's loader)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from nenkin_audit import menjo_rules
from nenkin_audit.formats import (
    EraDateError,
    date_to_era,
    era_to_date,
    kojin_no_is_valid,
    normalise_kiso_nenkin_no,
)
from nenkin_audit.generate import generate_city
from nenkin_audit.generate.calendar import START, Calendar, is_working_day
from nenkin_audit.generate.eras import era, iso
from nenkin_audit.generate.filings import MAX_SHIFT, WINDOW
from nenkin_audit.generate.misuse import SCENARIOS as MISUSE_SCENARIOS
from nenkin_audit.generate.vocab import (
    FEMALE_GIVEN,
    FOREIGN,
    HENREI_RIYU,
    MALE_GIVEN,
    OUTSIDE_PLACES,
    SHINDANSHO_TEXTS,
    SURNAMES,
    TOKKI_TEXTS,
    WARDS,
)
from nenkin_audit.spec import EXTRACTS, FILE_NAME_RE

from .oracle import files as oracle_files
from .oracle import reconcile as oracle

ERA_COLUMNS = {
    "birth_date",
    "shojo_date",
    "uketsuke_date",
    "taisho_date",
    "shintatsu_date",
    "list_date",
    "kekka_date",
    "shutoku_date",
    "soshitsu_date",
    "kanyu_date",
    "dattai_date",
    "shinsei_date",
    "kikan_from",
    "kikan_to",
    "sofu_date",
    "seikyu_date",
    "shuryo_date",
    "homen_shometsu_date",
}
ISO_DATE_COLUMNS = {"snapshot_date", "valid_from", "valid_to", "effective_date"}
TIMESTAMP_COLUMNS = {"changed_at", "accessed_at", "sent_at"}


# ------------------------------------------------------------------------------ fixtures
def _make(root: Path, name: str, **kw) -> tuple[Path, Path]:
    inbox = root / name
    generate_city(inbox, progress=None, **kw)
    return inbox, root / f"{name}_truth"


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, Path]:
    return _make(tmp_path_factory.mktemp("gen"), "inbox", persons=3000, days=40, seed=3)


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> tuple[Path, Path]:
    return _make(
        tmp_path_factory.mktemp("gen"),
        "inbox",
        persons=3000,
        days=40,
        seed=5,
        misuse=True,
        bad_input=True,
    )


def _records(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """header, records, physical start line of each record (Python csv, not the loader)."""
    data = path.read_bytes()
    text = data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("cp932")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    lines, line = [], 2
    for r in rows[1:-1]:
        lines.append(line)
        line += 1 + sum(v.count("\n") for v in r)
    return rows[0], rows[1:-1], lines


def _truth(truth: Path, name: str) -> list[dict[str, str]]:
    with open(truth / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _loaded_files(inbox: Path, truth: Path) -> list[Path]:
    skip = {
        r["file_name"] for r in _truth(truth, "bad_files.csv") if r["expected_status"] != "loaded"
    }
    return sorted(p for p in inbox.iterdir() if p.name not in skip)


def _rows(inbox: Path, truth: Path, extract: str) -> list[dict[str, str]]:
    out = []
    for p in _loaded_files(inbox, truth):
        m = FILE_NAME_RE.match(p.name)
        if m and m["extract"] == extract:
            header, recs, lines = _records(p)
            for r, ln in zip(recs, lines, strict=True):
                out.append({**dict(zip(header, r, strict=True)), "_file": p.name, "_line": ln})
    return out


# ------------------------------------------------------------------------------ formats
def test_vectorised_era_dates_agree_with_formats() -> None:
    rng = np.random.default_rng(0)
    days = np.datetime64("1873-01-01") + rng.integers(0, 60_000, 5000).astype("timedelta64[D]")
    edges = np.array(
        [
            "1912-07-29",
            "1912-07-30",
            "1926-12-24",
            "1926-12-25",
            "1989-01-07",
            "1989-01-08",
            "2019-04-30",
            "2019-05-01",
            "2026-04-01",
        ],
        dtype="datetime64[D]",
    )
    days = np.concatenate([days, edges])
    got = era(days).to_list()
    want = [date_to_era(d) for d in days.astype(dt.date)]
    assert got == want
    assert iso(days).to_list() == [str(d) for d in days]
    assert era(np.array(["NaT"], dtype="datetime64[D]")).to_list() == [None]


def test_vocabulary_is_cp932() -> None:
    words = [w for pair in SURNAMES + MALE_GIVEN + FEMALE_GIVEN for w in pair]
    words += [
        w
        for f in FOREIGN
        for part in f[1:]
        for item in part
        for w in (item if isinstance(item, tuple) else (item,))
    ]
    words += [w for ward in WARDS for w in (ward[1], *ward[3])]
    words += list(OUTSIDE_PLACES + TOKKI_TEXTS + SHINDANSHO_TEXTS + HENREI_RIYU)
    for w in words:
        w.encode("cp932")  # raises when a character is outside CP932


def test_calendar_skips_weekends_and_holidays() -> None:
    cal = Calendar.build(245)
    assert cal.activity[0] == START
    assert len(cal.activity) == 245
    assert all(is_working_day(d) for d in cal.activity)
    assert dt.date(2026, 4, 29) not in cal.activity  # 昭和の日
    assert dt.date(2026, 5, 6) not in cal.activity  # 振替休日
    assert dt.date(2026, 12, 30) not in cal.activity  # 年末年始
    assert all(d.weekday() < 5 for d in cal.work)
    assert cal.calendar[0] == dt.date(2026, 3, 31) and cal.calendar[-1] == cal.end


def test_same_arguments_give_the_same_bytes(tmp_path) -> None:
    a, ta = _make(
        tmp_path / "a", "inbox", persons=1200, days=12, seed=11, misuse=True, bad_input=True
    )
    b, tb = _make(
        tmp_path / "b", "inbox", persons=1200, days=12, seed=11, misuse=True, bad_input=True
    )
    for x, y in ((a, b), (ta, tb)):
        names = sorted(p.name for p in x.iterdir())
        assert names == sorted(p.name for p in y.iterdir())
        for n in names:
            assert (x / n).read_bytes() == (y / n).read_bytes(), n
    c, _ = _make(tmp_path / "c", "inbox", persons=1200, days=12, seed=12)
    assert (a / "atena_20260331_001.csv").read_bytes() != (
        c / "atena_20260331_001.csv"
    ).read_bytes()


def test_generating_into_a_folder_of_another_city_is_refused(tmp_path) -> None:
    from nenkin_audit.errors import UserError

    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.csv").write_text("x")
    with pytest.raises(UserError, match="not empty"):
        generate_city(tmp_path / "other", persons=1000, days=5, progress=None)
    inbox, _ = _make(tmp_path, "inbox", persons=1000, days=5, seed=1)
    before = {p.name: p.read_bytes() for p in inbox.iterdir()}
    generate_city(inbox, persons=1000, days=5, seed=1, progress=None)  # the same city again
    assert {p.name: p.read_bytes() for p in inbox.iterdir()} == before
    with pytest.raises(UserError, match="not empty"):
        generate_city(inbox, persons=1000, days=5, seed=2, progress=None)


# ------------------------------------------------------------------------------ file rules
def test_every_file_follows_the_raw_interface(clean) -> None:
    inbox, truth = clean
    manifest = json.loads((truth / "manifest.json").read_text(encoding="utf-8"))
    files = sorted(inbox.iterdir())
    assert {p.name for p in files} == set(manifest["files"])
    seen_extracts = set()
    for p in files:
        m = FILE_NAME_RE.match(p.name)
        assert m, p.name
        data = p.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        assert data.endswith(b"\r\n")
        assert b"\n" not in data.replace(b"\r\n", b"") or m["extract"] in ("nenkin_kihon", "saitei")
        header, recs, _ = _records(p)
        assert header == list(EXTRACTS[m["extract"]].columns), p.name
        trailer = data.decode("cp932").rstrip("\r\n").rsplit("\r\n", 1)[-1]
        assert trailer == f"TRAILER,{len(recs)}", p.name
        assert all(len(r) == len(header) for r in recs), p.name
        assert manifest["files"][p.name] == {"extract": m["extract"], "rows": len(recs)}
        seen_extracts.add(m["extract"])
    assert seen_extracts == set(EXTRACTS), "every extract is delivered"


def test_change_files_start_with_a_full_set_and_later_hold_changes(clean) -> None:
    inbox, _ = clean
    for extract, spec in EXTRACTS.items():
        if spec.kind != "change":
            continue
        first = inbox / f"{extract}_20260331_001.csv"
        header, recs, _ = _records(first)
        ct = header.index("change_type")
        assert {r[ct] for r in recs} == {"I"}, extract
        keys = [tuple(r[header.index(k)] for k in spec.key) for r in recs]
        assert len(keys) == len(set(keys)), extract
    later = Counter()
    for p in inbox.glob("atena_2026*"):
        if p.name.startswith("atena_20260331"):
            continue
        header, recs, _ = _records(p)
        later.update(r[header.index("change_type")] for r in recs)
    assert later["I"] and later["U"] and later["D"], later


def test_out_of_order_changes_exist(clean) -> None:
    """Some U rows carry a changed_at older than a change of the same key in an earlier file."""
    inbox, truth = clean
    for extract in ("atena", "todokede"):
        key = EXTRACTS[extract].key
        newest_delivered: dict[tuple, str] = {}
        late = 0
        files = sorted(p for p in _loaded_files(inbox, truth) if p.name.startswith(extract + "_"))
        for p in files:
            header, recs, _ = _records(p)
            ix = [header.index(k) for k in key]
            ca = header.index("changed_at")
            for r in recs:
                k = tuple(r[i] for i in ix)
                if k in newest_delivered and r[ca] < newest_delivered[k]:
                    late += 1
                newest_delivered[k] = max(newest_delivered.get(k, ""), r[ca])
        assert late > 0, extract


def test_values_have_the_raw_interface_formats(clean) -> None:
    inbox, truth = clean
    kojin_seen: list[str] = []
    for p in _loaded_files(inbox, truth):
        extract = FILE_NAME_RE.match(p.name)["extract"]
        header, recs, _ = _records(p)
        for r in recs:
            for col, v in zip(header, r, strict=True):
                if not v:
                    continue
                if col in ERA_COLUMNS:
                    d = era_to_date(v)  # raises for an impossible date
                    assert date_to_era(d) == unicodedata.normalize("NFKC", v)
                elif col in ISO_DATE_COLUMNS:
                    dt.date.fromisoformat(v)
                elif col in TIMESTAMP_COLUMNS:
                    dt.datetime.strptime(v, "%Y-%m-%d %H:%M:%S")
                elif col == "kojin_no":
                    assert kojin_no_is_valid(v), (p.name, v)
                elif col == "kiso_nenkin_no":
                    assert normalise_kiso_nenkin_no(v), (p.name, v)
                elif col in (
                    "atena_no",
                    "setai_no",
                    "setainushi_atena_no",
                    "staff_atena_no",
                    "seikyusha_atena_no",
                ):
                    assert re.fullmatch(r"\d{10}", v), (p.name, col, v)
            if extract == "atena" and p.name.endswith("20260331_001.csv"):
                k = r[header.index("kojin_no")]
                if k:
                    kojin_seen.append(k)
    assert len(kojin_seen) == len(set(kojin_seen)), "個人番号 are unique"


def test_city_has_households_names_and_wards(clean) -> None:
    inbox, truth = clean
    atena = [r for r in _rows(inbox, truth, "atena") if r["_file"].endswith("20260331_001.csv")]
    zoku = Counter(r["zokugara"] for r in atena)
    assert {"世帯主", "妻", "子"} <= set(zoku)
    assert all("\u3000" in r["shimei"] and "\u3000" in r["shimei_kana"] for r in atena)
    wards = {r["ward_code"] for r in atena if r["jumin_kbn"] == "1"}
    assert {w[0] for w in WARDS} <= wards
    juto = [r for r in atena if r["jumin_kbn"] == "2"]
    assert juto and all(r["ward_code"] == "" for r in juto)
    assert any(r["kojin_no"] == "" for r in juto)
    assert any(r["shori_teishi"] == "1" for r in atena)
    assert any(r["shojo_jiyu"] == "01" for r in atena)
    heads = {r["atena_no"] for r in atena if r["zokugara"] == "世帯主"}
    members = [r for r in atena if r["jumin_kbn"] == "1" and r["shojo_date"] == ""]
    assert all(r["setainushi_atena_no"] in heads for r in members)
    assert any("," in r["address"] or '"' in r["address"] for r in atena)
    ages = [(START - era_to_date(r["birth_date"])).days // 365 for r in atena]
    assert min(ages) < 5 and max(ages) > 90


def test_staff_snapshots_follow_personnel_transfers(clean) -> None:
    inbox, truth = clean
    staff = _rows(inbox, truth, "staff")
    days = sorted({r["snapshot_date"] for r in staff})
    cal_days = (dt.date.fromisoformat(days[-1]) - dt.date.fromisoformat(days[0])).days + 1
    assert len(days) == cal_days, "a snapshot for each calendar day"
    by = {(r["snapshot_date"], r["staff_id"]): r for r in staff}
    jinji = _rows(inbox, truth, "jinji_ido")
    kinds = Counter(r["ido_type"] for r in jinji)
    assert {"1", "2", "3", "4"} <= set(kinds)
    for r in jinji:
        e = r["effective_date"]
        if r["ido_type"] == "2" and r["from_dept"] and e in days:
            assert by[(e, r["staff_id"])]["dept_code"] == r["to_dept"], r
        if r["ido_type"] == "1" and e in days:
            assert (e, r["staff_id"]) in by
    # retired staff: the account is suspended some days after the retirement
    for r in jinji:
        if r["ido_type"] == "4":
            later = [
                by[(d, r["staff_id"])]
                for d in days
                if d > r["effective_date"] and (d, r["staff_id"]) in by
            ]
            assert (
                later and later[0]["account_status"] == "1" and later[-1]["account_status"] == "9"
            )
    assert {r["role"] for r in staff} == {"1", "2", "3", "4"}
    assert all(r["contractor_code"] for r in staff if r["role"] == "4")
    assert re.fullmatch(r"S\d{5}", staff[0]["staff_id"])
    terminals = _rows(inbox, truth, "terminal")
    assert all(re.fullmatch(r"T\d{4}", t["terminal_id"]) for t in terminals)


# ------------------------------------------------------------------------------ truth
def test_reconciliation_truth_agrees_with_section_f(clean, full) -> None:
    for inbox, truth in (clean, full):
        got = oracle.reconcile(inbox)
        want = oracle.read_truth(truth / "reconciliation.csv")
        assert Counter(got) == Counter(want)


def test_every_reconciliation_status_occurs(clean) -> None:
    _, truth = clean
    rows = _truth(truth, "reconciliation.csv")
    statuses = Counter(r["status"] for r in rows)
    assert set(statuses) == {
        "matched",
        "mismatched",
        "returned",
        "pending",
        "not_forwarded",
        "withdrawn",
        "unmatched_result",
        "duplicate_result",
    }
    assert any(r["mismatch_fields"] == "taisho_date" for r in rows)
    # a JPS target date moved beyond the window (up to a year) is still that filing's result
    far = [int(r["taisho_date_shift_days"]) for r in rows if r["taisho_date_shift_days"]]
    assert any(abs(d) > WINDOW for d in far) and max(abs(d) for d in far) <= MAX_SHIFT
    assert all(
        (r["taisho_date_shift_days"] != "") == (r["status"] in ("matched", "mismatched"))
        for r in rows
    )
    assert all(
        ("taisho_date" in r["mismatch_fields"]) == (r["taisho_date_shift_days"] != "0")
        for r in rows
        if r["status"] in ("matched", "mismatched")
    )
    assert any(r["status"] == "pending" and r["list_id"] for r in rows), "a 保留 row carried"
    assert all(bool(r["mismatch_fields"]) == (r["status"] == "mismatched") for r in rows)


def test_truth_refers_to_delivered_records(full) -> None:
    inbox, truth = full
    todokede = {r["uketsuke_no"] for r in _rows(inbox, truth, "todokede")}
    jps = {(r["list_id"], r["row_no"]) for r in _rows(inbox, truth, "jps_kekka")}
    for r in _truth(truth, "reconciliation.csv"):
        if r["uketsuke_no"]:
            assert r["uketsuke_no"] in todokede
        if r["list_id"]:
            assert (r["list_id"], r["row_no"]) in jps
    rec = {r["uketsuke_no"] for r in _truth(truth, "reconciliation.csv")}
    assert {r["uketsuke_no"] for r in _truth(truth, "exemption_checks.csv")} <= rec
    logs = {r["log_id"]: r for r in _rows(inbox, truth, "access_log")}
    misuse = _truth(truth, "misuse.csv")
    assert misuse
    for m in misuse:
        assert logs[m["log_id"]]["staff_id"] == m["staff_id"]
    assert len({m["log_id"] for m in misuse}) == len(misuse)


def test_exemption_decisions_follow_the_income_rule(clean) -> None:
    inbox, truth = clean
    shotoku = {(r["atena_no"], int(r["nendo"])): r for r in _rows(inbox, truth, "shotoku")}
    filings = {r["uketsuke_no"]: r for r in _rows(inbox, truth, "todokede")}
    checks = _truth(truth, "exemption_checks.csv")
    assert {c["expect_disagreement"] for c in checks} == {"true", "false"}
    for c in checks:
        f = filings[c["uketsuke_no"]]
        nendo = menjo_rules.exemption_nendo(era_to_date(f["taisho_date"]))
        assert int(c["nendo"]) == nendo
        inc = {
            k: int(v)
            for k, v in shotoku[(f["atena_no"], nendo)].items()
            if isinstance(v, str) and v.isdigit() and k != "nendo"
        }
        if f["todokede_shubetsu"] == "32":
            allowed = menjo_rules.allowed_shurui(inc, nendo) or ""
            want = "5" if not allowed else ("4" if allowed <= c["applied_shurui"] else "6")
        elif f["todokede_shubetsu"] == "33":
            allowed = "06" if menjo_rules.student_allowed(inc, nendo) else ""
            want = "4" if allowed else "5"
        else:
            allowed = "07" if menjo_rules.yuyo_allowed(inc, nendo) else ""
            want = "4" if allowed else "5"
        assert c["allowed_shurui"] == allowed
        assert (c["jps_kekka"] != want) == (c["expect_disagreement"] == "true"), c


def test_persons_truth_lists_identifying_values(clean) -> None:
    inbox, truth = clean
    kinds: dict[str, set[str]] = {}
    for r in _truth(truth, "persons.csv"):
        kinds.setdefault(r["kind"], set()).add(r["value"])
    assert set(kinds) == {
        "kojin_no",
        "kiso_nenkin_no",
        "atena_no",
        "setai_no",
        "shimei",
        "shimei_kana",
        "address",
        "tel",
        "birth_date_era",
        "birth_date_iso",
    }
    for r in _rows(inbox, truth, "atena"):
        assert r["atena_no"] in kinds["atena_no"]
        assert r["address"] in kinds["address"]
        assert not r["kojin_no"] or r["kojin_no"] in kinds["kojin_no"]
    for r in _rows(inbox, truth, "nenkin_kihon"):
        assert normalise_kiso_nenkin_no(r["kiso_nenkin_no"]) in kinds["kiso_nenkin_no"]
        assert not r["tel"] or r["tel"] in kinds["tel"]


# ------------------------------------------------------------------------------ bad input
def _valid(code: str, column: str, value: str) -> bool:
    """Whether a value passes the rule its reason code names."""
    v = unicodedata.normalize("NFKC", value).strip()
    try:
        if code == "invalid_era_date":
            era_to_date(v)
        elif code == "invalid_iso_date":
            dt.date.fromisoformat(v)
        elif code == "invalid_timestamp":
            dt.datetime.strptime(v, "%Y-%m-%d %H:%M:%S")
        elif code == "invalid_kojin_no":
            return kojin_no_is_valid(v)
        elif code == "invalid_kiso_nenkin_no":
            return normalise_kiso_nenkin_no(v) is not None
        elif code == "invalid_number":
            return v.isdigit()
        elif code == "invalid_id":
            return bool(re.fullmatch(r"\d{10}", v))
        elif code == "missing_value":
            return v != ""
        elif code == "invalid_change_type":
            return v in ("I", "U", "D")
        elif code == "unknown_code":
            return v in _codes(column)
        else:
            raise AssertionError(code)
    except (ValueError, EraDateError):
        return False
    return True


def _codes(column: str) -> set[str]:
    root = Path(__file__).resolve().parents[1] / "seeds" / "codes"
    seed = {
        "sex": "code_sex.csv",
        "office_code": "code_offices.csv",
        "todokede_shubetsu": "code_todokede_shubetsu.csv",
        "kekka": "code_jps_kekka.csv",
        "operation": "code_operations.csv",
        "shubetsu": "code_hihokensha_shubetsu.csv",
        "nenkin_kbn": "code_nenkin_kbn.csv",
        "recipient_code": "code_recipients.csv",
    }[column]
    with open(root / seed, newline="", encoding="utf-8") as fh:
        return {next(iter(r.values())) for r in csv.DictReader(fh)}


def test_bad_input_labels_each_kind_of_bad_file(full) -> None:
    inbox, truth = full
    bad = _truth(truth, "bad_files.csv")
    reasons = {r["expected_reason"] for r in bad if r["expected_status"] == "rejected"}
    assert reasons == {
        "missing_trailer",
        "wrong_trailer_count",
        "bad_header",
        "bad_name",
        "bad_encoding",
        "malformed_csv",
        "empty_file",
    }
    assert any(r["expected_status"] == "duplicate" for r in bad)
    assert any(r["expected_status"] == "loaded" and "BOM" in r["note"] for r in bad)
    assert (inbox / next(r["file_name"] for r in bad if "BOM" in r["note"])).read_bytes()[
        :3
    ] == b"\xef\xbb\xbf"
    # an independent reading of the file rules ends every file as labelled
    _, ledger = oracle_files.read_inbox(inbox)
    labelled = {r["file_name"]: r for r in bad}
    for name, (status, reason) in ledger.items():
        if name in labelled:
            assert status == labelled[name]["expected_status"], name
            assert reason == labelled[name]["expected_reason"], name
        else:
            assert status == "loaded", (name, status, reason)


def test_rejected_files_carry_only_rows_delivered_in_good_files(full) -> None:
    inbox, truth = full
    loaded_lines: set[str] = set()
    for p in _loaded_files(inbox, truth):
        text = p.read_bytes()
        text = (
            text[3:].decode("utf-8") if text.startswith(b"\xef\xbb\xbf") else text.decode("cp932")
        )
        loaded_lines.update(text.split("\r\n"))
    for r in _truth(truth, "bad_files.csv"):
        if r["expected_status"] != "rejected":
            continue
        data = (inbox / r["file_name"]).read_bytes().decode("cp932", errors="replace")
        for line in data.split("\r\n")[1:]:
            if line and not line.startswith("TRAILER") and "\ufffd" not in line:
                assert line.removesuffix(",surplus") in loaded_lines, (r["file_name"], line)


def test_bad_rows_are_labelled_at_their_line(full) -> None:
    inbox, truth = full
    rows = _truth(truth, "bad_rows.csv")
    quarantine = [r for r in rows if r["expected"] == "quarantine"]
    accepted = [r for r in rows if r["expected"] == "accepted"]
    codes = {r["reason_code"] for r in quarantine}
    assert codes == {
        "invalid_era_date",
        "invalid_iso_date",
        "invalid_timestamp",
        "invalid_kojin_no",
        "invalid_kiso_nenkin_no",
        "invalid_id",
        "invalid_number",
        "unknown_code",
        "missing_value",
        "invalid_change_type",
    }
    assert {"4310501", "3640108"} <= {
        r["note"].split("'")[1] if "'" in r["note"] else r["note"].rsplit(" ", 1)[-1]
        for r in quarantine
    }
    assert {"full_width_digits", "hyphenated_kiso", "quoted_field"} <= {
        r["reason_code"] for r in accepted
    }
    cache: dict[str, dict[int, dict[str, str]]] = {}
    for r in rows:
        if r["file_name"] not in cache:
            header, recs, lines = _records(inbox / r["file_name"])
            cache[r["file_name"]] = {
                ln: dict(zip(header, rec, strict=True)) for rec, ln in zip(recs, lines, strict=True)
            }
        rec = cache[r["file_name"]][int(r["line_no"])]
        value = rec[r["column"]]
        if r["expected"] == "quarantine":
            assert not _valid(r["reason_code"], r["column"], value), r
        elif r["reason_code"] == "quoted_field":
            assert re.search(r'[,"\n]', value), r
        elif r["reason_code"] == "hyphenated_kiso":
            assert re.fullmatch(r"\d{4}-\d{6}", value) and normalise_kiso_nenkin_no(value)
        elif r["reason_code"] == "full_width_digits":
            assert value != unicodedata.normalize("NFKC", value)
            col = r["column"]
            norm = unicodedata.normalize("NFKC", value)
            assert (
                kojin_no_is_valid(norm)
                if col == "kojin_no"
                else normalise_kiso_nenkin_no(norm)
                if col == "kiso_nenkin_no"
                else era_to_date(norm)
            )


# ------------------------------------------------------------------------------ access logs
def test_access_logs_follow_the_business_process(full) -> None:
    inbox, truth = full
    logs = _rows(inbox, truth, "access_log")
    assert len({r["log_id"] for r in logs if r["log_id"]}) == len([r for r in logs if r["log_id"]])
    jiyu = Counter(r["shori_jiyu"] for r in logs)
    assert {"01", "02", "03", "04", "06", "07", "08", "09"} <= set(jiyu)
    ops = Counter(r["operation"] for r in logs)
    assert {"01", "02", "03", "04", "05"} <= set(ops)
    for r in logs:
        if r["operation"] in ("01", "02", "05") and r["atena_no"] and r["atena_no"] != "123456789":
            assert r["subj_shimei"] and r["subj_birth_date"] and r["subj_sex"]
            dt.date.fromisoformat(r["subj_birth_date"])
        if r["operation"] == "03":
            assert r["atena_no"] == "" and r["hit_count"] != ""
    night = [
        r
        for r in logs
        if r["shori_jiyu"] == "08"
        and r["accessed_at"][11:13] in ("00", "01", "02", "03", "04", "20", "21", "22", "23")
    ]
    assert night, "night batches"
    # the receiving clerk views and updates the subject of each filing at its time
    filings = [r for r in _rows(inbox, truth, "todokede") if r["change_type"] == "I"]
    by_staff_subject = {(r["staff_id"], r["atena_no"], r["operation"]) for r in logs}
    received_in_period = [f for f in filings if f["uketsuke_no"][:8] >= f"{START:%Y%m%d}"]
    hit = sum((f["staff_id"], f["atena_no"], "02") in by_staff_subject for f in received_in_period)
    assert hit >= 0.95 * len(received_in_period)
    # 個人番号表示 only by staff allowed to display it, outside misuse
    misuse = {m["log_id"] for m in _truth(truth, "misuse.csv")}
    staff = {(r["snapshot_date"], r["staff_id"]): r for r in _rows(inbox, truth, "staff")}
    for r in logs:
        if r["operation"] == "05" and r["log_id"] not in misuse:
            s = staff.get((r["accessed_at"][:10], r["staff_id"]))
            assert s is None or s["kojin_no_kengen"] == "1", r


def test_misuse_episodes_are_labelled(full, clean) -> None:
    _, truth = full
    misuse = _truth(truth, "misuse.csv")
    scenarios = {m["scenario"] for m in misuse}
    assert len(scenarios) >= 9 and scenarios <= set(MISUSE_SCENARIOS)
    assert all(re.fullmatch(r"E\d{4}", m["episode_id"]) for m in misuse)
    assert _truth(clean[1], "misuse.csv") == []


# ------------------------------------------------------------------------------ scale
def test_scale_knobs_change_volumes(tmp_path) -> None:
    def counts(persons, days):
        inbox, truth = _make(
            tmp_path / f"{persons}_{days}", "inbox", persons=persons, days=days, seed=2
        )
        m = json.loads((truth / "manifest.json").read_text(encoding="utf-8"))
        received = {r["uketsuke_no"] for r in _rows(inbox, truth, "todokede")}
        m["counts"]["filings"] = sum(u[:8] >= f"{START:%Y%m%d}" for u in received)
        return m["counts"], len(list(inbox.glob("access_log_*")))

    small, f_small = counts(1500, 10)
    big, f_big = counts(3000, 10)
    long, f_long = counts(1500, 20)
    assert big["atena_records"] == 3000 and small["atena_records"] == 1500
    assert big["pension_persons"] > 1.6 * small["pension_persons"]
    assert big["access_log_lines"] > 1.6 * small["access_log_lines"]
    assert long["access_log_lines"] > 1.6 * small["access_log_lines"]
    assert f_long > 1.6 * f_small
    assert long["filings"] > 1.5 * small["filings"]
    assert counts(60000, 10)[0]["filings"] > 1.8 * small["filings"]  # persons × 0.00025 a day


def test_large_files_are_written_in_slices_with_the_same_bytes(tmp_path, monkeypatch) -> None:
    from nenkin_audit.generate import output

    a, _ = _make(tmp_path / "a", "inbox", persons=1500, days=5, seed=4)
    monkeypatch.setattr(output, "CHUNK_ROWS", 97)
    b, _ = _make(tmp_path / "b", "inbox", persons=1500, days=5, seed=4)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert any(len(_records(a / n)[1]) > 97 for n in names)
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes(), n
