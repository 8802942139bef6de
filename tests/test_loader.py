"""The loader's file rules (docs/raw-interface.md §1, docs/published-contract.md §2,
docs/internal-contracts.md §A), one test per rule, each on a real DuckDB warehouse in tmp_path
with files made by `nenkin_audit.rawfile` (or by corrupting its bytes)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import polars as pl
import pytest

from nenkin_audit.errors import UserError
from nenkin_audit.loader import LoadSummary, load_inbox
from nenkin_audit.rawfile import encode_extract
from nenkin_audit.spec import EXTRACTS

LEDGER = (
    "file_name, sha256, extract, extract_date, file_seq, encoding, data_rows, loaded_rows, "
    "status, reason, loaded_at, moved_to"
)


def frame(extract: str, n: int, **overrides: list[str]) -> pl.DataFrame:
    """`n` rows of plausible text for every column of `extract`; `overrides` replace columns."""
    data: dict[str, list[str]] = {}
    for k, col in enumerate(EXTRACTS[extract].columns):
        data[col] = [f"{col[:6]}{k:02d}{i:05d}" for i in range(n)]
    for col, values in overrides.items():
        assert col in data, col
        assert len(values) == n
        data[col] = values
    return pl.DataFrame(data, schema=dict.fromkeys(EXTRACTS[extract].columns, pl.String))


def write(inbox: Path, name: str, data: bytes) -> Path:
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / name
    path.write_bytes(data)
    return path


def load(inbox: Path, warehouse: Path) -> LoadSummary:
    lines: list[str] = []
    summary = load_inbox(inbox, warehouse, progress=lines.append)
    assert lines[-1] == summary.describe()
    return summary


def ledger(warehouse: Path) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return (
            con.sql(f"select {LEDGER} from raw.load_files order by file_name, loaded_at")
            .pl()
            .to_dicts()
        )
    finally:
        con.close()


def raw_rows(warehouse: Path, extract: str) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return (
            con.sql(f"select * from raw.{extract} order by _file_name, _record_no").pl().to_dicts()
        )
    finally:
        con.close()


def raw_total(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return sum(con.execute(f"select count(*) from raw.{e}").fetchone()[0] for e in EXTRACTS)
    finally:
        con.close()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    d = tmp_path / "inbox"
    d.mkdir()
    return d


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "home" / "warehouse.duckdb"


def assert_rejected(inbox: Path, warehouse: Path, name: str, code: str, data: bytes) -> dict:
    """The file is rejected whole with `code`: a ledger row, nothing in raw, the file kept
    byte for byte in _rejected/ with its reason beside it."""
    rows = [r for r in ledger(warehouse) if r["file_name"] == name]
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["status"] == "rejected"
    assert row["reason"].startswith(f"{code}: "), row["reason"]
    assert len(row["reason"]) > len(code) + 30, "a sentence for the operator follows the code"
    assert row["loaded_rows"] == 0
    assert row["sha256"] == hashlib.sha256(data).hexdigest()
    assert row["moved_to"] == f"_rejected/{name}"
    assert raw_total(warehouse) == 0
    assert not (inbox / name).exists()
    kept = inbox / "_rejected" / name
    assert kept.read_bytes() == data
    reason = (inbox / "_rejected" / f"{name}.reason.txt").read_text(encoding="utf-8")
    assert name in reason and code in reason
    return row


# ---------------------------------------------------------------------------------------------
# A correct file


def test_a_correct_file_is_loaded_losslessly_with_its_ledger_row(inbox, warehouse) -> None:
    df = frame(
        "todokede",
        3,
        kojin_no=["１２３４５６７８９０１８", "", "98320567321４"],
        taisho_date=["4310501", "5060401", " 3640108 "],
    )
    data = encode_extract(df, "todokede")
    write(inbox, "todokede_20240405_002.csv", data)

    summary = load(inbox, warehouse)

    assert (summary.loaded, summary.rejected, summary.duplicate, summary.rows_loaded) == (
        1,
        0,
        0,
        3,
    )
    rows = raw_rows(warehouse, "todokede")
    cols = EXTRACTS["todokede"].columns
    assert [{c: r[c] for c in cols} for r in rows] == df.to_dicts()
    assert [r["_line_no"] for r in rows] == [2, 3, 4]
    assert [r["_record_no"] for r in rows] == [1, 2, 3]
    assert {r["_file_name"] for r in rows} == {"todokede_20240405_002.csv"}
    assert {r["_extract_date"] for r in rows} == {dt.date(2024, 4, 5)}
    assert {r["_file_seq"] for r in rows} == {2}
    (row,) = ledger(warehouse)
    assert row | {"loaded_at": None} == {
        "file_name": "todokede_20240405_002.csv",
        "sha256": hashlib.sha256(data).hexdigest(),
        "extract": "todokede",
        "extract_date": dt.date(2024, 4, 5),
        "file_seq": 2,
        "encoding": "cp932",
        "data_rows": 3,
        "loaded_rows": 3,
        "status": "loaded",
        "reason": None,
        "loaded_at": None,
        "moved_to": "_loaded/todokede_20240405_002.csv",
    }
    assert isinstance(row["loaded_at"], dt.datetime)
    assert not (inbox / "todokede_20240405_002.csv").exists(), "a loaded file leaves the inbox"
    assert (inbox / "_loaded" / "todokede_20240405_002.csv").read_bytes() == data


def test_all_raw_tables_and_the_ledger_exist_after_the_first_load(inbox, warehouse) -> None:
    load(inbox, warehouse)  # an empty inbox
    con = duckdb.connect(str(warehouse), read_only=True)
    got = con.sql(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' order by table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for t, c, ty in got:
        tables.setdefault(t, []).append((c, ty))
    meta = [
        ("_file_name", "VARCHAR"),
        ("_line_no", "BIGINT"),
        ("_record_no", "BIGINT"),
        ("_extract_date", "DATE"),
        ("_file_seq", "INTEGER"),
    ]
    for name, extract in EXTRACTS.items():
        assert tables.pop(name) == [(c, "VARCHAR") for c in extract.columns] + meta
    assert tables.pop("load_files") == [
        ("file_name", "VARCHAR"),
        ("sha256", "VARCHAR"),
        ("extract", "VARCHAR"),
        ("extract_date", "DATE"),
        ("file_seq", "INTEGER"),
        ("encoding", "VARCHAR"),
        ("data_rows", "BIGINT"),
        ("loaded_rows", "BIGINT"),
        ("status", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("loaded_at", "TIMESTAMP"),
        ("moved_to", "VARCHAR"),
    ]
    assert tables == {}


def test_a_header_only_file_with_trailer_zero_is_loaded_with_no_rows(inbox, warehouse) -> None:
    write(inbox, "jinji_ido_20240401_001.csv", encode_extract(frame("jinji_ido", 0), "jinji_ido"))
    summary = load(inbox, warehouse)
    assert summary.loaded == 1
    (row,) = ledger(warehouse)
    assert (row["status"], row["data_rows"], row["loaded_rows"]) == ("loaded", 0, 0)


def test_bare_lf_line_ends_are_tolerated(inbox, warehouse) -> None:
    df = frame("terminal", 4)
    write(inbox, "terminal_20240401_001.csv", encode_extract(df, "terminal", newline="\n"))
    load(inbox, warehouse)
    rows = raw_rows(warehouse, "terminal")
    assert [{c: r[c] for c in df.columns} for r in rows] == df.to_dicts()
    assert [r["_line_no"] for r in rows] == [2, 3, 4, 5]


# ---------------------------------------------------------------------------------------------
# Encoding


def test_utf8_with_bom_is_accepted(inbox, warehouse) -> None:
    df = frame("jps_kekka", 2, shimei_kana=["ヤマダ　タロウ", "ｶﾀｶﾅ　①②"])
    data = encode_extract(df, "jps_kekka", encoding="utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    write(inbox, "jps_kekka_20240410_001.csv", data)
    load(inbox, warehouse)
    (row,) = ledger(warehouse)
    assert (row["status"], row["encoding"]) == ("loaded", "utf-8-sig")
    assert [r["shimei_kana"] for r in raw_rows(warehouse, "jps_kekka")] == [
        "ヤマダ　タロウ",
        "ｶﾀｶﾅ　①②",
    ]


def test_cp932_text_is_decoded(inbox, warehouse) -> None:
    names = ["髙橋　﨑子", "山田　太郎", "渡邊　①"]  # CP932 extensions (NEC/IBM) included
    df = frame("atena", 3, shimei=names)
    write(inbox, "atena_20240401_001.csv", encode_extract(df, "atena"))
    load(inbox, warehouse)
    assert [r["shimei"] for r in raw_rows(warehouse, "atena")] == names


def test_undecodable_bytes_reject_the_file_as_bad_encoding(inbox, warehouse) -> None:
    good = encode_extract(frame("atena", 3, shimei=["山田　太郎"] * 3), "atena")
    # 0x81 is a CP932 lead byte; 0x20 can never follow it.
    data = good.replace("山".encode("cp932"), b"\x81\x20", 1)
    write(inbox, "atena_20240401_001.csv", data)
    load(inbox, warehouse)
    row = assert_rejected(inbox, warehouse, "atena_20240401_001.csv", "bad_encoding", data)
    assert "line 2" in row["reason"]


def test_utf8_without_bom_is_rejected_as_bad_encoding(inbox, warehouse) -> None:
    df = frame("atena", 2, shimei=["山田　太郎", "佐藤　花子"])
    data = encode_extract(df, "atena", encoding="utf-8-sig")[3:]  # BOM stripped
    write(inbox, "atena_20240401_001.csv", data)
    load(inbox, warehouse)
    assert_rejected(inbox, warehouse, "atena_20240401_001.csv", "bad_encoding", data)


# ---------------------------------------------------------------------------------------------
# Header and trailer


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h: h.replace(b"staff_id,effective_date", b"effective_date,staff_id"),  # order
        lambda h: h.replace(b",to_dept", b""),  # a column missing
        lambda h: h + b",extra",  # a column too many
        lambda h: h.upper(),
    ],
    ids=["order", "missing", "extra", "case"],
)
def test_a_wrong_header_rejects_the_file(inbox, warehouse, mutate) -> None:
    good = encode_extract(frame("jinji_ido", 2), "jinji_ido")
    header, rest = good.split(b"\r\n", 1)
    data = mutate(header) + b"\r\n" + rest
    write(inbox, "jinji_ido_20240401_001.csv", data)
    load(inbox, warehouse)
    assert_rejected(inbox, warehouse, "jinji_ido_20240401_001.csv", "bad_header", data)


def test_a_missing_trailer_rejects_the_file(inbox, warehouse) -> None:
    data = encode_extract(frame("staff", 5), "staff", with_trailer=False)
    write(inbox, "staff_20240401_001.csv", data)
    load(inbox, warehouse)
    row = assert_rejected(inbox, warehouse, "staff_20240401_001.csv", "missing_trailer", data)
    assert row["data_rows"] is None


def test_a_transfer_cut_off_mid_record_is_a_missing_trailer(inbox, warehouse) -> None:
    good = encode_extract(frame("staff", 50), "staff")
    data = good[: len(good) // 2]
    write(inbox, "staff_20240401_001.csv", data)
    load(inbox, warehouse)
    assert_rejected(inbox, warehouse, "staff_20240401_001.csv", "missing_trailer", data)


@pytest.mark.parametrize("count", [4, 6, 0])
def test_a_wrong_trailer_count_rejects_the_file(inbox, warehouse, count) -> None:
    data = encode_extract(frame("staff", 5), "staff", trailer_count=count)
    write(inbox, "staff_20240401_001.csv", data)
    load(inbox, warehouse)
    row = assert_rejected(inbox, warehouse, "staff_20240401_001.csv", "wrong_trailer_count", data)
    assert row["data_rows"] == count
    assert "5" in row["reason"] and str(count) in row["reason"]


def test_a_record_with_a_line_break_counts_once_in_the_trailer(inbox, warehouse) -> None:
    df = frame("nenkin_kihon", 3, tokki=["一行目\r\n二行目", "a\nb\nc", ""])
    data = encode_extract(df, "nenkin_kihon")  # trailer 3, although the file has more lines
    write(inbox, "nenkin_kihon_20240401_001.csv", data)
    summary = load(inbox, warehouse)
    assert summary.loaded == 1 and summary.rows_loaded == 3


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n \r\n"], ids=["zero", "bom", "blank"])
def test_an_empty_file_is_rejected(inbox, warehouse, data) -> None:
    write(inbox, "fuka_20240401_001.csv", data)
    load(inbox, warehouse)
    assert_rejected(inbox, warehouse, "fuka_20240401_001.csv", "empty_file", data)


# ---------------------------------------------------------------------------------------------
# File names


@pytest.mark.parametrize(
    "name",
    [
        "atena_20240231_001.csv",  # no such day
        "atena_2024041_001.csv",
        "atena_20240401_01.csv",
        "atena_20240401_001.CSV",
        "atena-20240401-001.csv",
        "nenkin_20240401_001.csv",  # no such extract
        "atena_20240401_001.csv.bak",
        "README.txt",
    ],
)
def test_a_bad_name_rejects_the_file(inbox, warehouse, name) -> None:
    data = encode_extract(frame("atena", 2), "atena")
    write(inbox, name, data)
    load(inbox, warehouse)
    row = assert_rejected(inbox, warehouse, name, "bad_name", data)
    assert row["extract"] is None and row["extract_date"] is None


def test_hidden_files_and_sub_folders_are_not_looked_at(inbox, warehouse) -> None:
    data = encode_extract(frame("terminal", 2), "terminal")
    write(inbox, ".terminal_20240401_001.csv.part", data)
    write(inbox / "archive", "terminal_20240401_001.csv", data)
    summary = load(inbox, warehouse)
    assert summary.files == []
    assert ledger(warehouse) == []
    assert (inbox / ".terminal_20240401_001.csv.part").is_file()


def test_files_are_processed_by_extract_date_then_extract_then_sequence(inbox, warehouse) -> None:
    names = [
        "teikyo_iten_20240402_001.csv",
        "atena_20240402_002.csv",
        "staff_20240401_001.csv",
        "atena_20240402_001.csv",
        "atena_20240401_003.csv",
        "zzz.csv",
        "access_log_20240402_001.csv",
    ]
    for name in names:
        extract = name.rsplit("_", 2)[0] if name != "zzz.csv" else "atena"
        df = frame(extract, 1, **{EXTRACTS[extract].columns[0]: [name]})
        write(inbox, name, encode_extract(df, extract))
    summary = load(inbox, warehouse)
    assert [f.file_name for f in summary.files] == [
        "atena_20240401_003.csv",
        "staff_20240401_001.csv",
        "access_log_20240402_001.csv",
        "atena_20240402_001.csv",
        "atena_20240402_002.csv",
        "teikyo_iten_20240402_001.csv",
        "zzz.csv",
    ]


# ---------------------------------------------------------------------------------------------
# CSV quoting and fields


def test_quoted_commas_quotes_and_line_breaks_are_stored_exactly(inbox, warehouse) -> None:
    tokki = [
        "普通のメモ",
        "カンマ,を含む",
        'He said "はい"',
        "改行\r\nを含む\r\n三行",
        "LFだけ\nの改行",
        '"',
        ",",
        " 前後に空白 ",
        "",
    ]
    df = frame("nenkin_kihon", len(tokki), tokki=tokki)
    data = encode_extract(df, "nenkin_kihon")
    assert data.count(b"\n") > len(tokki) + 2, "the file has line breaks inside records"
    write(inbox, "nenkin_kihon_20240401_001.csv", data)
    load(inbox, warehouse)
    rows = raw_rows(warehouse, "nenkin_kihon")
    assert [r["tokki"] for r in rows] == tokki
    assert [{c: r[c] for c in df.columns} for r in rows] == df.to_dicts()
    # Physical line where each record starts (header = line 1): the 4th record spans 3 lines,
    # the 5th spans 2.
    assert [r["_line_no"] for r in rows] == [2, 3, 4, 5, 8, 10, 11, 12, 13]
    assert [r["_record_no"] for r in rows] == list(range(1, 10))


def test_empty_fields_are_stored_as_empty_text_never_null(inbox, warehouse) -> None:
    df = frame("shikaku", 3, soshitsu_date=["", "", "4020401"], soshitsu_jiyu=["", "", ""])
    good = encode_extract(df, "shikaku")
    # Both spellings of an empty field: nothing between the commas, and "".
    data = good.replace(b',"",', b",,", 1)
    assert b',"",' in data and b",," in data
    write(inbox, "shikaku_20240401_001.csv", data)
    load(inbox, warehouse)
    rows = raw_rows(warehouse, "shikaku")
    assert [r["soshitsu_date"] for r in rows] == ["", "", "4020401"]
    assert [r["soshitsu_jiyu"] for r in rows] == ["", "", ""]
    con = duckdb.connect(str(warehouse), read_only=True)
    nulls = con.execute(
        "select count(*) from raw.shikaku where "
        + " or ".join(f"{c} is null" for c in EXTRACTS["shikaku"].columns)
    ).fetchone()[0]
    assert nulls == 0


@pytest.mark.parametrize(
    ("record", "line"),
    [
        ('a,b,"unterminated,d,e', 3),  # a quote opened and never closed
        ('a,b,"c"d,e,f', 3),  # text after a closing quote
        ('a,b,c"d,e,f', 3),  # a stray quote inside an unquoted field
        ("a,b,c,d", 3),  # too few fields
        ("a,b,c,d,e,f", 3),  # too many fields
        ("", 3),  # an empty line is a record with one field
    ],
    ids=["unterminated", "after-closing-quote", "stray-quote", "too-few", "too-many", "blank"],
)
def test_broken_csv_rejects_the_whole_file(inbox, warehouse, record, line) -> None:
    good = encode_extract(frame("terminal", 3), "terminal", trailer_count=4)
    lines = good.split(b"\r\n")
    lines.insert(2, record.encode())  # as the 2nd data record, line 3
    data = b"\r\n".join(lines)
    write(inbox, "terminal_20240401_001.csv", data)
    load(inbox, warehouse)
    row = assert_rejected(inbox, warehouse, "terminal_20240401_001.csv", "malformed_csv", data)
    assert f"line {line}" in row["reason"], row["reason"]


# ---------------------------------------------------------------------------------------------
# Redelivery


def test_same_bytes_under_another_name_is_a_duplicate(inbox, warehouse) -> None:
    data = encode_extract(frame("menjo", 4), "menjo")
    write(inbox, "menjo_20240401_001.csv", data)
    write(inbox, "menjo_20240408_001.csv", data)
    summary = load(inbox, warehouse)
    assert (summary.loaded, summary.duplicate) == (1, 1)
    by_name = {r["file_name"]: r for r in ledger(warehouse)}
    dup = by_name["menjo_20240408_001.csv"]
    assert dup["status"] == "duplicate"
    assert dup["reason"].startswith("menjo_20240401_001.csv: ")
    assert (dup["loaded_rows"], dup["data_rows"]) == (0, 4)
    assert dup["moved_to"] == "_loaded/menjo_20240408_001.csv"
    assert dup["sha256"] == by_name["menjo_20240401_001.csv"]["sha256"]
    assert len(raw_rows(warehouse, "menjo")) == 4
    assert (inbox / "_loaded" / "menjo_20240408_001.csv").read_bytes() == data
    assert not list(inbox.glob("*.csv")), "processed files leave the inbox"

    # Recorded once: running again over the same inbox adds nothing.
    again = load(inbox, warehouse)
    assert (again.loaded, again.duplicate, again.rejected, again.unchanged) == (0, 0, 0, 0)
    assert len(ledger(warehouse)) == 2
    assert len(raw_rows(warehouse, "menjo")) == 4


def test_a_duplicate_of_a_file_loaded_in_an_earlier_run(inbox, warehouse) -> None:
    data = encode_extract(frame("saitei", 2), "saitei")
    write(inbox, "saitei_20240401_001.csv", data)
    load(inbox, warehouse)
    write(inbox, "saitei_20240402_005.csv", data)
    summary = load(inbox, warehouse)
    assert (summary.duplicate, summary.unchanged) == (1, 0)
    assert summary.files[-1].reason_code == "saitei_20240401_001.csv"


def test_the_same_name_and_bytes_delivered_again_get_a_ledger_row(inbox, warehouse) -> None:
    """The sender delivers a list twice: the second delivery is an offer of its own, recorded as
    a duplicate and kept beside the first under `_loaded/` (never overwriting it)."""
    data = encode_extract(frame("jps_kekka", 3), "jps_kekka")
    write(inbox, "jps_kekka_20240401_001.csv", data)
    load(inbox, warehouse)
    write(inbox, "jps_kekka_20240401_001.csv", data)

    summary = load(inbox, warehouse)

    assert (summary.loaded, summary.duplicate, summary.unchanged) == (0, 1, 0)
    rows = sorted(ledger(warehouse), key=lambda r: r["loaded_at"])
    assert [(r["file_name"], r["status"], r["moved_to"]) for r in rows] == [
        ("jps_kekka_20240401_001.csv", "loaded", "_loaded/jps_kekka_20240401_001.csv"),
        ("jps_kekka_20240401_001.csv", "duplicate", "_loaded/jps_kekka_20240401_001.2.csv"),
    ]
    assert rows[1]["reason"].startswith("jps_kekka_20240401_001.csv: same bytes as ")
    assert (inbox / "_loaded" / "jps_kekka_20240401_001.2.csv").read_bytes() == data
    assert len(raw_rows(warehouse, "jps_kekka")) == 3
    # ... and a third run over the same inbox changes nothing.
    again = load(inbox, warehouse)
    assert not again.files
    assert len(ledger(warehouse)) == 2


def test_a_loaded_file_whose_move_was_left_undone_is_moved_without_a_new_row(
    inbox, warehouse
) -> None:
    """A run stopped after committing a load but before the move (or a warehouse loaded by an
    earlier version, which left loaded files in the inbox): the next run moves the file to
    `_loaded/` and records nothing new."""
    data = encode_extract(frame("fuka", 2), "fuka")
    write(inbox, "fuka_20240401_001.csv", data)
    load(inbox, warehouse)
    (inbox / "_loaded" / "fuka_20240401_001.csv").rename(inbox / "fuka_20240401_001.csv")
    with duckdb.connect(str(warehouse)) as con:  # as an earlier version recorded it
        con.execute("update raw.load_files set moved_to = null")

    summary = load(inbox, warehouse)

    assert (summary.loaded, summary.duplicate, summary.unchanged) == (0, 0, 1)
    (row,) = ledger(warehouse)
    assert (row["status"], row["moved_to"]) == ("loaded", "_loaded/fuka_20240401_001.csv")
    assert (inbox / "_loaded" / "fuka_20240401_001.csv").read_bytes() == data
    assert len(raw_rows(warehouse, "fuka")) == 2


def test_the_same_file_offered_again_is_a_no_op(inbox, warehouse) -> None:
    data = encode_extract(frame("fuka", 3), "fuka")
    write(inbox, "fuka_20240401_001.csv", data)
    write(inbox, "bad-name.csv", b"whatever")
    load(inbox, warehouse)
    before_ledger = ledger(warehouse)
    before_rows = raw_rows(warehouse, "fuka")
    # The operator puts the rejected file back as well: still the same file, not a new one.
    (inbox / "_rejected" / "bad-name.csv").rename(inbox / "bad-name.csv")

    summary = load(inbox, warehouse)

    assert summary.loaded == 0 and summary.duplicate == 0
    assert ledger(warehouse) == before_ledger
    assert raw_rows(warehouse, "fuka") == before_rows
    assert (inbox / "_rejected" / "bad-name.csv").read_bytes() == b"whatever"


def test_a_loaded_name_with_other_bytes_is_rejected_as_name_reused(inbox, warehouse) -> None:
    write(inbox, "shotoku_20240401_001.csv", encode_extract(frame("shotoku", 3), "shotoku"))
    load(inbox, warehouse)
    first_rows = raw_rows(warehouse, "shotoku")
    changed = encode_extract(frame("shotoku", 4), "shotoku")
    write(inbox, "shotoku_20240401_001.csv", changed)

    summary = load(inbox, warehouse)

    assert summary.rejected == 1
    rows = [r for r in ledger(warehouse) if r["status"] == "rejected"]
    assert len(rows) == 1 and rows[0]["reason"].startswith("name_reused: ")
    assert "shotoku_20240401_002.csv" in rows[0]["reason"], "it says which name to use instead"
    assert raw_rows(warehouse, "shotoku") == first_rows
    assert (inbox / "_rejected" / "shotoku_20240401_001.csv").read_bytes() == changed


def test_a_rejected_file_can_be_delivered_again_under_its_name(inbox, warehouse) -> None:
    good = encode_extract(frame("staff", 3), "staff")
    write(inbox, "staff_20240401_001.csv", good[:-12])  # cut off
    load(inbox, warehouse)
    write(inbox, "staff_20240401_001.csv", good)
    summary = load(inbox, warehouse)
    assert summary.loaded == 1
    assert sorted(r["status"] for r in ledger(warehouse)) == ["loaded", "rejected"]
    assert len(raw_rows(warehouse, "staff")) == 3


# ---------------------------------------------------------------------------------------------
# Rejected files are kept


def test_rejected_files_are_kept_with_a_reason_and_never_overwritten(inbox, warehouse) -> None:
    first = encode_extract(frame("staff", 3), "staff", with_trailer=False)
    second = encode_extract(frame("staff", 4), "staff", trailer_count=9)
    write(inbox, "staff_20240401_001.csv", first)
    load(inbox, warehouse)
    write(inbox, "staff_20240401_001.csv", second)  # the same name rejected again
    summary = load(inbox, warehouse)

    assert summary.rejected == 1
    rejected = inbox / "_rejected"
    assert (rejected / "staff_20240401_001.csv").read_bytes() == first
    assert (rejected / "staff_20240401_001.2.csv").read_bytes() == second
    reason = (rejected / "staff_20240401_001.2.csv.reason.txt").read_text(encoding="utf-8")
    assert "wrong_trailer_count" in reason and "staff_20240401_001.csv" in reason
    assert "nothing of it was loaded" in reason
    moved = sorted(r["moved_to"] for r in ledger(warehouse))
    assert moved == ["_rejected/staff_20240401_001.2.csv", "_rejected/staff_20240401_001.csv"]
    assert not list(inbox.glob("*.csv"))


def test_a_move_left_undone_is_finished_by_the_next_run(inbox, warehouse) -> None:
    """A run killed after committing a rejection but before moving the file: the ledger says
    rejected while the file is still in the inbox. The next run moves it and adds nothing."""
    data = encode_extract(frame("staff", 3), "staff", with_trailer=False)
    write(inbox, "staff_20240401_001.csv", data)
    load(inbox, warehouse)
    before = ledger(warehouse)
    # Recreate the state of a run stopped between the commit and the move.
    (inbox / "_rejected" / "staff_20240401_001.csv").rename(inbox / "staff_20240401_001.csv")
    (inbox / "_rejected" / "staff_20240401_001.csv.reason.txt").unlink()

    summary = load(inbox, warehouse)

    assert summary.rejected == 1
    assert ledger(warehouse) == before
    assert (inbox / "_rejected" / "staff_20240401_001.csv").read_bytes() == data
    assert (inbox / "_rejected" / "staff_20240401_001.csv.reason.txt").is_file()
    assert not (inbox / "staff_20240401_001.csv").exists()


def test_one_bad_file_does_not_stop_the_others(inbox, warehouse) -> None:
    write(inbox, "terminal_20240401_001.csv", encode_extract(frame("terminal", 2), "terminal"))
    write(inbox, "terminal_20240402_001.csv", b"garbage")
    write(inbox, "terminal_20240403_001.csv", encode_extract(frame("terminal", 5), "terminal"))
    summary = load(inbox, warehouse)
    assert [f.status for f in summary.files] == ["loaded", "rejected", "loaded"]
    assert summary.rows_loaded == 7
    assert summary.files[1].reason_code == "bad_header"


# ---------------------------------------------------------------------------------------------
# Operator errors


def test_a_missing_inbox_is_a_user_error(tmp_path) -> None:
    with pytest.raises(UserError, match="not a folder"):
        load_inbox(tmp_path / "nope", tmp_path / "w.duckdb", progress=None)


def test_a_warehouse_in_use_is_a_user_error(inbox, warehouse) -> None:
    load(inbox, warehouse)
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', "
            "flush=True); time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(UserError, match="in use by another process"):
            load_inbox(inbox, warehouse, progress=None)
    finally:
        holder.kill()
        holder.wait()
