"""The loader's record parser against the reference reading of RFC 4180: Python's csv module
(strict), with physical line numbers from `reader.line_num`. Random files mix every tricky case:
quoted and needlessly quoted fields, `""` empty fields, commas, quotes, CRLF and LF inside
fields, CRLF and bare-LF record ends, full-width text."""

from __future__ import annotations

import csv
import io
import random

import pytest

from nenkin_audit.loader.parse import FileRejected, parse_extract
from nenkin_audit.spec import EXTRACTS

COLUMNS = EXTRACTS["nenkin_kihon"].columns
PIECES = ["", "a", "12345", "山田", "　", " ", ",", '"', '""', "\r\n", "\n", "①", "ｶﾅ", "x,y"]


def _field(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(["", "0000012345", "令和", "I", "2024-04-01 10:00:00"])
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4)))


def _render(value: str, rng: random.Random) -> str:
    needs = any(ch in value for ch in ',"\r\n')
    if needs or rng.random() < 0.1:  # sometimes quoted without need, e.g. "" for empty
        return '"' + value.replace('"', '""') + '"'
    return value


def _file(rng: random.Random, n: int) -> tuple[bytes, list[list[str]]]:
    records = [[_field(rng) for _ in COLUMNS] for _ in range(n)]
    out = [",".join(COLUMNS) + "\r\n"]
    for rec in records:
        out.append(",".join(_render(v, rng) for v in rec) + rng.choice(["\r\n", "\r\n", "\n"]))
    out.append(f"TRAILER,{n}\r\n")
    return "".join(out).encode("cp932"), records


def _reference(data: bytes) -> list[tuple[list[str], int]]:
    text = data.decode("cp932")
    body = text[: text.rstrip("\r\n").rfind("\n") + 1]  # without the trailer
    reader = csv.reader(io.StringIO(body, newline=""), strict=True)
    next(reader)
    out = []
    start = reader.line_num + 1
    for rec in reader:
        out.append((rec, start))
        start = reader.line_num + 1
    return out


@pytest.mark.parametrize("seed", range(40))
def test_parser_agrees_with_the_csv_module(seed: int) -> None:
    rng = random.Random(seed)
    data, records = _file(rng, rng.randint(0, 60))
    parsed = parse_extract(data, COLUMNS)
    ref = _reference(data)
    got = [list(r[: len(COLUMNS)]) for r in parsed.frame.rows()]
    assert got == [rec for rec, _ in ref] == records
    assert parsed.frame["_line_no"].to_list() == [line for _, line in ref]
    assert parsed.frame["_record_no"].to_list() == list(range(1, len(records) + 1))


def test_files_without_real_quoting_never_need_the_csv_module() -> None:
    rng = random.Random(1)
    rows = [["" if rng.random() < 0.3 else "v" for _ in COLUMNS] for _ in range(200)]
    lines = [",".join(COLUMNS)]
    lines += [",".join('""' if v == "" and rng.random() < 0.5 else v for v in r) for r in rows]
    data = ("\r\n".join(lines) + f"\r\nTRAILER,{len(rows)}\r\n").encode("cp932")
    parsed = parse_extract(data, COLUMNS)
    assert parsed.quoted_records == 0
    assert [list(r[: len(COLUMNS)]) for r in parsed.frame.rows()] == rows


@pytest.mark.parametrize("seed", range(20))
def test_a_damaged_quote_is_never_loaded_silently(seed: int) -> None:
    """Delete or add one quote in a random file with quoted fields: either the file is rejected
    as malformed (or by its trailer count), or what is loaded is exactly what the csv module
    reads from the same bytes."""
    rng = random.Random(1000 + seed)
    data, _ = _file(rng, 30)
    positions = [i for i, b in enumerate(data) if b == 0x22]
    if not positions:
        pytest.skip("no quote drawn")
    pos = rng.choice(positions)
    damaged = data[:pos] + data[pos + 1 :] if seed % 2 else data[:pos] + b'"' + data[pos:]
    try:
        parsed = parse_extract(damaged, COLUMNS)
    except FileRejected as exc:
        assert exc.code in {"malformed_csv", "wrong_trailer_count"}, exc
        return
    ref = _reference(damaged)
    assert [list(r[: len(COLUMNS)]) for r in parsed.frame.rows()] == [rec for rec, _ in ref]
    assert parsed.frame["_line_no"].to_list() == [line for _, line in ref]


@pytest.mark.parametrize("slice_bytes", [1, 7, 64, 1 << 25])
def test_commas_are_counted_per_line_in_any_slice_size(slice_bytes: int) -> None:
    from nenkin_audit.loader.parse import _commas_per_line

    rng = random.Random(slice_bytes)
    lines = ["".join(rng.choice("ab,,山") for _ in range(rng.randint(0, 30))) for _ in range(300)]
    data = "".join(line + "\n" for line in lines).encode()
    assert _commas_per_line(data, slice_bytes).tolist() == [x.count(",") for x in lines]


def test_a_bare_carriage_return_outside_quotes_is_malformed() -> None:
    lines = [",".join(COLUMNS), "a,b,c,d,e,f,g", "a,b\rx,c,d,e,f,g", "TRAILER,2", ""]
    with pytest.raises(FileRejected) as exc:
        parse_extract("\r\n".join(lines).encode(), COLUMNS)
    assert exc.value.code == "malformed_csv" and "line 3" in exc.value.message


@pytest.mark.parametrize("line", [2, 3, 5])
def test_a_trailer_before_the_last_line_is_reported_on_its_own_line(line: int) -> None:
    records = [",".join(str(i) for i in range(len(COLUMNS))) for _ in range(4)]
    records.insert(line - 2, "TRAILER,1")
    lines = [",".join(COLUMNS), *records, "TRAILER,4", ""]
    with pytest.raises(FileRejected) as exc:
        parse_extract("\r\n".join(lines).encode("cp932"), COLUMNS)
    assert exc.value.code == "misplaced_trailer"
    assert exc.value.message.startswith(f"line {line} is a trailer line")


def test_a_line_that_does_not_start_with_the_trailer_word_is_data() -> None:
    record = ",".join(["xTRAILER,"] + ["1"] * (len(COLUMNS) - 2))
    lines = [",".join(COLUMNS), record, "TRAILER,1", ""]
    assert parse_extract("\r\n".join(lines).encode("cp932"), COLUMNS).frame.height == 1


@pytest.mark.parametrize("undefined", [b"\x80", b"\xa0", b"\xfd", b"\xfe", b"\xff"])
def test_a_byte_cp932_does_not_define_is_reported_at_its_offset(undefined: bytes) -> None:
    head = (",".join(COLUMNS) + "\r\n山田,").encode("cp932")
    data = head + undefined + b"\xa0x\r\nTRAILER,1\r\n"
    with pytest.raises(FileRejected) as exc:
        parse_extract(data, COLUMNS)
    assert exc.value.code == "bad_encoding"
    assert f"byte 0x{undefined[0]:02x} on line 2 (byte offset {len(head)})" in exc.value.message
