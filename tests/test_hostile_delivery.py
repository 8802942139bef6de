"""Hostile and careless deliveries: every kind of bad input a sender (or a tired operator) can put
in the inbox, each built from a small generated city in a tmp folder, and the outcome the
contracts ask for.

- File level (load only, `python -m nenkin_audit.loader`, one inbox holding every kind): the
  ledger status and reason code, the file kept in `_rejected/` owner-only with its reason file,
  nothing of it in the raw layer, no personal value in stdout, the ledger or the reason files,
  no forged log line, and a second run that is a no-op.
- Row level (one full `nenkin-audit run` on a city with injected rows): each bad row is in
  `quarantine_rows` with its `code:column`, conservation holds (the dbt test passes, exit 0), no
  injected free text reaches the mart, the run clock is not moved by dates in the future.
- The run as a whole: refused homes and keys (exit 2 before anything runs), owner-only files,
  `reidentify` during a build, a killed `run` takes its dbt child with it and the next run is not
  blocked, `serve` binds to localhost and stops with its child.

The number of kinds is printed by `test_kinds_tried` (`-s` to see it)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import pwd
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from nenkin_audit.loader.parse import parse_extract
from nenkin_audit.rawfile import encode_extract, render_csv
from nenkin_audit.spec import EXTRACTS

from .conftest import REPO

PY = sys.executable
CLI = str(Path(sys.executable).with_name("nenkin-audit"))
SECRET = "SECRET-LINK-TARGET-7f3a"
RUN_DATE = "2026-11-30"  # the run clock of every run here (NENKIN_AUDIT_RUN_DATE)


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "NENKIN_AUDIT_RUN_DATE": RUN_DATE, **extra}


def _read(path: Path) -> pl.DataFrame:
    extract = path.name.rsplit("_", 2)[0]
    return parse_extract(path.read_bytes(), EXTRACTS[extract].columns).frame.drop(
        "_line_no", "_record_no"
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small generated city for the whole module (never modified: cases copy from it)."""
    from nenkin_audit.generate import generate_city

    inbox = tmp_path_factory.mktemp("hostile-city") / "inbox"
    generate_city(inbox, persons=600, days=4, seed=5, progress=None)
    return inbox


# ---------------------------------------------------------------------------------------------
# File level
# ---------------------------------------------------------------------------------------------

ATENA = EXTRACTS["atena"].columns
HEADER = ",".join(ATENA)


@dataclass(frozen=True)
class FileCase:
    kind: str
    name: str
    status: str | None  # 'loaded' | 'duplicate' | 'rejected'; None: ignored (no ledger row)
    code: str | None = None  # the reason code of a rejection


def _file_cases(rows: list[str]) -> tuple[list[FileCase], dict[str, bytes]]:
    """Every file-level kind: (case, bytes). `rows` are CSV data lines of real 宛名 records."""
    r = rows
    cr = "\r\n"

    def text(lines: list[str], trailer: str | None = None, end: str = cr) -> str:
        t = trailer if trailer is not None else f"TRAILER,{len(lines)}"
        return end.join([HEADER, *lines, t]) + end

    def cp(s: str) -> bytes:
        return s.encode("cp932")

    def put(line: str, col: str, value: str) -> str:
        fields = line.split(",")
        fields[ATENA.index(col)] = value
        return ",".join(fields)

    cases: list[tuple[FileCase, bytes]] = []
    seq = iter(range(1, 999))

    def name() -> str:
        return f"atena_20260410_{next(seq):03d}.csv"

    def add(kind: str, data: bytes, status: str | None, code: str | None = None, nm=None):
        cases.append((FileCase(kind, nm or name(), status, code), data))

    good = cp(text(r[0:3]))
    add("good_cp932", good, "loaded")
    add("same_bytes_other_name", good, "duplicate")
    add("utf8_with_bom", b"\xef\xbb\xbf" + text(r[3:5]).encode(), "loaded")
    add("lf_line_ends", cp(text(r[5:7], end="\n")), "loaded")
    add("blank_lines_after_trailer", cp(text(r[7:9]) + "\r\n\r\n"), "loaded")
    add("quoted_comma_and_quote", cp(text([put(r[9], "address", '"北区,1""2"""')])), "loaded")
    add("empty_quoted_field", cp(text([put(r[10], "tsusho", '""')])), "loaded")
    add("header_and_trailer_zero", cp(text([])), "loaded")
    add("trailer_leading_zeros", cp(text(r[11:12], "TRAILER,001")), "loaded")

    # bad names: unique bytes each (a name is judged only when the bytes are new)
    def uniq(k: int) -> bytes:
        return cp(text(r[12 + k % 5 : 13 + k % 5]) + "\r\n" * (k + 1))

    bad_names = {
        "name_no_date": "atena.csv",
        "name_upper_case": "ATENA_20260410_001.csv",
        "name_short_seq": "atena_20260410_1.csv",
        "name_impossible_date": "atena_20260431_001.csv",
        "name_upper_suffix": "atena_20260410_001.CSV",
        "name_fullwidth_seq": "atena_20260410_００２.csv",
        "name_arabic_indic_seq": "atena_20260410_٠٠٣.csv",
        "name_fullwidth_date": "atena_２０２６０４１０_004.csv",
        "name_with_newline": "atena_20260410_005.csv\nloaded    forged.csv",
        "name_with_escape_codes": "\x1b[2K\x1b[1Gloaded    forged2.csv",
        "name_unknown_extract": "unknown_20260410_001.csv",
        "name_extra_suffix": "atena_20260410_001.csv.bak",
        "name_trailing_space": "atena_20260410_006.csv ",
        "name_bidi_override": "atena_20260410_007\u202ecsv.exe",
        "regular_file_named__rejected": "_rejected",
        "regular_file_named__loaded": "_loaded",
        "name_like_a_reason_file": "atena_20260410_060.csv.reason.txt",
    }
    for k, (kind, nm) in enumerate(bad_names.items()):
        add(kind, uniq(k), "rejected", "bad_name", nm)

    row_text = text(r[17:19])
    add(
        "utf8_without_bom",
        text([put(r[19], "shimei", "山田　太郎")]).encode(),
        "rejected",
        "bad_encoding",
    )
    add(
        "invalid_cp932_sequence",
        cp(text(r[20:21])).replace(b"\r\nTRAILER", b"\x81\x7f\r\nTRAILER"),
        "rejected",
        "bad_encoding",
    )  # noqa: E501
    for byte in (0x80, 0xA0, 0xFD, 0xFE, 0xFF):
        data = cp(text([put(r[21], "tsusho", "X")])).replace(b",X,", b"," + bytes([byte]) + b",")
        add(f"cp932_undefined_0x{byte:02x}", data, "rejected", "bad_encoding")
    add("utf16_le_bom", b"\xff\xfe" + row_text.encode("utf-16-le"), "rejected", "bad_encoding")
    add("utf16_be_bom", b"\xfe\xff" + row_text.encode("utf-16-be"), "rejected", "bad_encoding")
    add("utf16_le_no_bom", row_text.encode("utf-16-le"), "rejected", "bad_encoding")
    add(
        "bom_then_invalid_utf8",
        b"\xef\xbb\xbf" + cp(text([put(r[22], "shimei", "山田")])),
        "rejected",
        "bad_encoding",
    )  # noqa: E501
    add(
        "nul_byte",
        cp(text(r[23:24])).replace(b"\r\nTRAILER", b"\x00\r\nTRAILER"),
        "rejected",
        "bad_encoding",
    )  # noqa: E501

    def header(h: str, lines: list[str]) -> bytes:
        return cp(cr.join([h, *lines, f"TRAILER,{len(lines)}"]) + cr)

    cols = list(ATENA)
    add(
        "header_wrong_name",
        header(",".join(["atena_number", *cols[1:]]), r[24:25]),
        "rejected",
        "bad_header",
    )  # noqa: E501
    add(
        "header_missing_column",
        header(",".join(cols[:-1]), [r[25].rsplit(",", 1)[0]]),
        "rejected",
        "bad_header",
    )  # noqa: E501
    add(
        "header_extra_column",
        header(",".join([*cols, "x"]), [r[26] + ","]),
        "rejected",
        "bad_header",
    )  # noqa: E501
    add(
        "header_swapped_columns",
        header(",".join([cols[1], cols[0], *cols[2:]]), r[27:28]),
        "rejected",
        "bad_header",
    )  # noqa: E501
    add("header_upper_case", header(HEADER.upper(), r[28:29]), "rejected", "bad_header")
    add(
        "no_header_data_first", cp(cr.join([*r[29:31], "TRAILER,1"]) + cr), "rejected", "bad_header"
    )  # noqa: E501

    add(
        "missing_trailer_data_last",
        cp(cr.join([HEADER, *r[31:33]]) + cr),
        "rejected",
        "missing_trailer",
    )  # noqa: E501
    add("cut_mid_record", cp(cr.join([HEADER, r[33], r[34][:20]])), "rejected", "missing_trailer")  # noqa: E501
    add("header_only_no_trailer", cp(HEADER + cr), "rejected", "missing_trailer")
    add("trailer_lower_case", cp(text(r[35:36], "trailer,1")), "rejected", "missing_trailer")
    add(
        "trailer_mid_file",
        cp(cr.join([HEADER, r[36], "TRAILER,1", r[37]]) + cr),
        "rejected",
        "missing_trailer",
    )  # noqa: E501
    add(
        "trailer_count_too_high", cp(text(r[38:39], "TRAILER,5")), "rejected", "wrong_trailer_count"
    )  # noqa: E501
    add("trailer_count_too_low", cp(text(r[39:41], "TRAILER,1")), "rejected", "wrong_trailer_count")  # noqa: E501
    add(
        "trailer_not_a_number", cp(text(r[41:42], "TRAILER,abc")), "rejected", "wrong_trailer_count"
    )  # noqa: E501
    add("trailer_negative", cp(text(r[42:43], "TRAILER,-1")), "rejected", "wrong_trailer_count")
    add("trailer_empty", cp(text(r[43:44], "TRAILER,")), "rejected", "wrong_trailer_count")
    add(
        "trailer_above_2_63",
        cp(text(r[44:45], f"TRAILER,{2**63 + 1}")),
        "rejected",
        "wrong_trailer_count",
    )  # noqa: E501
    add(
        "trailer_above_2_64",
        cp(text(r[45:46], f"TRAILER,{2**64 + 7}")),
        "rejected",
        "wrong_trailer_count",
    )  # noqa: E501
    add(
        "trailer_40_digits",
        cp(text(r[46:47], "TRAILER," + "9" * 40)),
        "rejected",
        "wrong_trailer_count",
    )  # noqa: E501
    add(
        "trailer_fullwidth_digit",
        cp(text(r[47:48], "TRAILER,１")),
        "rejected",
        "wrong_trailer_count",
    )  # noqa: E501
    add("trailer_space", cp(text(r[48:49], "TRAILER, 1")), "rejected", "wrong_trailer_count")
    add("double_trailer", cp(text(r[49:50]) + "TRAILER,1\r\n"), "rejected", "misplaced_trailer")

    add(
        "quote_inside_field",
        cp(text([put(r[50], "tsusho", 'ab""cd')])),
        "rejected",
        "malformed_csv",
    )  # noqa: E501
    add(
        "quotes_mid_field_with_comma",
        cp(text([put(r[51], "tsusho", 'a"b,c"d')])),
        "rejected",
        "malformed_csv",
    )  # noqa: E501
    add(
        "text_after_closing_quote",
        cp(text([put(r[52], "tsusho", '"ab"c')])),
        "rejected",
        "malformed_csv",
    )  # noqa: E501
    add("quote_at_field_end", cp(text([put(r[53], "tsusho", 'abc"')])), "rejected", "malformed_csv")  # noqa: E501
    add("unclosed_quote", cp(text([put(r[54], "tsusho", '"abc')])), "rejected", "malformed_csv")
    add("bare_cr_in_field", cp(text([put(r[55], "tsusho", "a\rb")])), "rejected", "malformed_csv")  # noqa: E501
    add("cr_only_line_ends", cp(text(r[56:58], end="\r")), "rejected", "malformed_csv")
    add("too_few_fields", cp(text([r[58].rsplit(",", 1)[0]])), "rejected", "malformed_csv")
    add("too_many_fields", cp(text([r[59] + ",x"])), "rejected", "malformed_csv")

    add("empty_file", b"", "rejected", "empty_file")
    add("blank_lines_only", b"\r\n\r\n", "rejected", "empty_file")
    add("bom_only", b"\xef\xbb\xbf", "rejected", "empty_file")
    add(
        "extract_date_in_future",
        cp(text(r[60:61])),
        "rejected",
        "future_date",
        "atena_20990101_001.csv",
    )  # noqa: E501
    add("hidden_file_ignored", cp(text(r[61:62])), None, None, ".atena_20260410_070.csv")
    # special entries (made by the caller): a link to a secret, a dangling link, a link to a
    # folder, a FIFO, a sub-folder
    for kind, code in (
        ("symlink_to_secret", "symlink"),
        ("symlink_dangling", "symlink"),
        ("symlink_to_folder", "symlink"),
        ("fifo", "not_a_regular_file"),
    ):
        add(kind, b"", "rejected", code)
    add("sub_folder_ignored", b"", None, None, "atena_20260410_080.csv.d")
    return [c for c, _ in cases], {c.name: d for c, d in cases}


@dataclass
class FileRun:
    cases: list[FileCase]
    inbox: Path
    warehouse: Path
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess
    personal: set[str]
    ledger: dict[str, dict]


def _loader(inbox: Path, warehouse: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PY, "-m", "nenkin_audit.loader", "--inbox", str(inbox), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=REPO,
        timeout=300,
    )


@pytest.fixture(scope="module")
def file_run(city: Path, tmp_path_factory: pytest.TempPathFactory) -> FileRun:
    root = tmp_path_factory.mktemp("hostile-files")
    atena = _read(city / "atena_20260331_001.csv").head(70)
    rows = render_csv(atena, ATENA).split("\r\n")[1:-1]
    personal = {
        v
        for col in ("atena_no", "kojin_no", "shimei", "shimei_kana", "address")
        for v in atena[col].to_list()
        if v and len(v) >= 4
    }
    cases, data = _file_cases(rows)
    inbox = root / "inbox"
    inbox.mkdir()
    (root / "secret.txt").write_text(f"{SECRET}\n")
    for case in cases:
        path = inbox / case.name
        if case.kind == "symlink_to_secret":
            path.symlink_to(root / "secret.txt")
        elif case.kind == "symlink_dangling":
            path.symlink_to(root / "nowhere.csv")
        elif case.kind == "symlink_to_folder":
            path.symlink_to(root)
        elif case.kind == "fifo":
            os.mkfifo(path)
        elif case.kind == "sub_folder_ignored":
            path.mkdir()
        else:
            path.write_bytes(data[case.name])
    warehouse = root / "wh" / "warehouse.duckdb"
    first = _loader(inbox, warehouse)
    second = _loader(inbox, warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ledger = {
            r["file_name"]: r for r in con.sql("select * from raw.load_files").pl().to_dicts()
        }
    finally:
        con.close()
    return FileRun(cases, inbox, warehouse, first, second, personal, ledger)


FILE_KINDS = [c.kind for c in _file_cases([",".join(["1"] * len(ATENA))] * 70)[0]]


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_file_kind_ends_in_its_ledger_state(file_run: FileRun, kind: str) -> None:
    case = next(c for c in file_run.cases if c.kind == kind)
    row = file_run.ledger.get(case.name)
    if case.status is None:
        assert row is None, f"{kind}: ignored entries get no ledger row"
        assert os.path.lexists(file_run.inbox / case.name)
        return
    assert row is not None, f"{kind}: every file offered has a ledger row"
    assert row["status"] == case.status, (kind, row["reason"])
    if case.status == "rejected":
        assert row["reason"].split(":", 1)[0] == case.code, (kind, row["reason"])
        kept = file_run.inbox / row["moved_to"]
        assert os.path.lexists(kept)
        if case.name in ("_rejected", "_loaded"):
            assert (file_run.inbox / case.name).is_dir()
        else:
            assert not os.path.lexists(file_run.inbox / case.name)
        reason_file = kept.with_name(kept.name + ".reason.txt")
        assert reason_file.is_file()
        assert _mode(reason_file) == 0o600
        if case.kind.startswith("symlink"):
            assert kept.is_symlink(), "a link is moved as a link, never followed"
        elif case.kind != "fifo":
            assert _mode(kept) == 0o600
        else:
            assert stat.S_ISFIFO(os.lstat(kept).st_mode)
    if case.status in ("loaded", "duplicate"):
        # processed files leave the inbox for _loaded/, under their name or a free variant
        kept = file_run.inbox / row["moved_to"]
        assert row["moved_to"].startswith("_loaded/") and kept.is_file()
        assert not os.path.lexists(file_run.inbox / case.name)


def test_the_first_run_reports_the_rejections_and_the_second_is_a_no_op(file_run: FileRun) -> None:
    assert file_run.first.returncode == 1, file_run.first.stderr  # rejected files: exit 1
    assert "Traceback" not in file_run.first.stderr + file_run.second.stderr
    assert file_run.second.returncode == 0, file_run.second.stdout + file_run.second.stderr
    assert "0 loaded" in file_run.second.stdout and "0 rejected" in file_run.second.stdout


def test_loaded_files_are_in_the_raw_layer_and_rejected_ones_are_not(file_run: FileRun) -> None:
    con = duckdb.connect(str(file_run.warehouse), read_only=True)
    try:
        per_file = dict(con.sql("select _file_name, count(*) from raw.atena group by 1").fetchall())
    finally:
        con.close()
    for case in file_run.cases:
        if case.status == "loaded":
            row = file_run.ledger[case.name]
            assert per_file.get(case.name, 0) == row["loaded_rows"] == row["data_rows"]
        else:
            assert case.name not in per_file


def test_no_personal_value_in_stdout_ledger_or_reason_files(file_run: FileRun) -> None:
    texts = {
        "stdout": file_run.first.stdout + file_run.first.stderr + file_run.second.stdout,
        "ledger": "\n".join(str(r["reason"]) for r in file_run.ledger.values()),
    }
    for row in file_run.ledger.values():
        if row["status"] == "rejected" and row["moved_to"]:
            reason = file_run.inbox / (row["moved_to"] + ".reason.txt")
            texts[reason.name] = reason.read_text(encoding="utf-8")
    assert len(personal := file_run.personal) > 100
    for where, text in texts.items():
        for value in personal | {SECRET}:
            assert value not in text, f"a delivered value appears in {where}"


def test_file_names_cannot_forge_or_hide_log_lines(file_run: FileRun) -> None:
    out = file_run.first.stdout
    assert "\x1b" not in out and "\u202e" not in out
    assert not any(line.startswith("loaded    forged") for line in out.splitlines())
    assert "atena_20260410_005.csv\\nloaded    forged.csv" in out


def test_rejected_folder_and_warehouse_are_owner_only(file_run: FileRun) -> None:
    assert _mode(file_run.inbox / "_rejected") == 0o700
    assert _mode(file_run.warehouse) == 0o600
    # the regular file that was called `_rejected` is kept inside the folder
    kept = file_run.ledger["_rejected"]["moved_to"]
    assert (file_run.inbox / kept).read_bytes().endswith(b"\r\n")


def test_a_reason_file_never_overwrites_a_kept_file(file_run: FileRun) -> None:
    kept = file_run.ledger["atena_20260410_060.csv.reason.txt"]["moved_to"]
    delivered = file_run.inbox / kept
    assert delivered.read_bytes().startswith(HEADER.encode())  # still the delivered bytes
    names = [p.name for p in (file_run.inbox / "_rejected").iterdir()]
    assert len(names) == len(set(names))


def test_later_deliveries_after_hostile_ones(file_run: FileRun) -> None:
    """A loaded name with other bytes is name_reused; a rejected name may come again corrected;
    nothing earlier blocks either."""
    good = next(c for c in file_run.cases if c.kind == "good_cp932")
    too_high = next(c for c in file_run.cases if c.kind == "trailer_count_too_high")
    con = duckdb.connect(str(file_run.warehouse), read_only=True)
    try:
        frame = con.sql(
            f"select {', '.join(ATENA)} from raw.atena where _file_name = ?", params=[good.name]
        ).pl()
    finally:
        con.close()
    (file_run.inbox / good.name).write_bytes(encode_extract(frame.head(1), "atena"))
    (file_run.inbox / too_high.name).write_bytes(encode_extract(frame.tail(1), "atena"))
    third = _loader(file_run.inbox, file_run.warehouse)
    assert third.returncode == 1 and "Traceback" not in third.stderr, third.stderr
    con = duckdb.connect(str(file_run.warehouse), read_only=True)
    try:
        latest = dict(
            con.execute(
                "select file_name, arg_max(status || ' ' || coalesce(reason, ''), loaded_at) "
                "from raw.load_files where file_name in (?, ?) group by 1",
                [good.name, too_high.name],
            ).fetchall()
        )
    finally:
        con.close()
    assert latest[good.name].startswith("rejected name_reused:")
    assert latest[too_high.name].startswith("loaded")


# ---------------------------------------------------------------------------------------------
# Row level: one full run on a city with injected rows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowCase:
    kind: str
    extract: str
    changes: dict[str, str]
    reason: str | None  # 'code:column' expected in quarantine_rows; None: staged


FORMULA = '=HYPERLINK("http://example.invalid/?q=山田太郎","090-1234-5678")'
FUTURE_TS = "2099-01-01 10:00:00"
FUTURE_ERA = "5810101"  # 令和81年1月1日 = 2099-01-01

ROW_CASES: list[RowCase] = [
    RowCase("era_heisei_31_may", "atena", {"birth_date": "4310501"}, "invalid_era_date:birth_date"),
    RowCase(
        "era_showa_64_jan_8", "atena", {"birth_date": "3640108"}, "invalid_era_date:birth_date"
    ),
    RowCase("era_year_zero", "atena", {"birth_date": "5000101"}, "invalid_era_date:birth_date"),
    RowCase("era_unknown_code", "atena", {"birth_date": "9010101"}, "invalid_era_date:birth_date"),
    RowCase("era_letters", "atena", {"birth_date": "abcdefg"}, "invalid_era_date:birth_date"),
    RowCase("era_month_13", "atena", {"birth_date": "4011301"}, "invalid_era_date:birth_date"),
    RowCase(
        "kojin_no_check_digit", "atena", {"kojin_no": "KOJIN_BAD"}, "invalid_kojin_no:kojin_no"
    ),
    RowCase("kojin_no_short", "atena", {"kojin_no": "12345"}, "invalid_kojin_no:kojin_no"),
    RowCase("atena_no_short", "atena", {"atena_no": "123"}, "invalid_id:atena_no"),
    RowCase("atena_no_missing", "atena", {"atena_no": ""}, "missing_value:atena_no"),
    RowCase("setai_no_11_digits", "atena", {"setai_no": "12345678901"}, "invalid_id:setai_no"),
    RowCase("sex_unknown", "atena", {"sex": "3"}, "unknown_code:sex"),
    RowCase("jumin_kbn_unknown", "atena", {"jumin_kbn": "9"}, "unknown_code:jumin_kbn"),
    RowCase("ward_code_unknown", "atena", {"ward_code": "99999"}, "unknown_code:ward_code"),
    RowCase(
        "change_type_unknown", "atena", {"change_type": "X"}, "invalid_change_type:change_type"
    ),
    RowCase("change_type_missing", "atena", {"change_type": ""}, "missing_value:change_type"),
    RowCase(
        "changed_at_feb_30",
        "atena",
        {"changed_at": "2026-02-30 10:00:00"},
        "invalid_timestamp:changed_at",
    ),  # noqa: E501
    RowCase(
        "changed_at_hour_24",
        "atena",
        {"changed_at": "2026-04-01 24:00:00"},
        "invalid_timestamp:changed_at",
    ),  # noqa: E501
    RowCase(
        "changed_at_slashes",
        "atena",
        {"changed_at": "2026/04/01 10:00:00"},
        "invalid_timestamp:changed_at",
    ),  # noqa: E501
    RowCase("changed_at_in_2099", "atena", {"changed_at": FUTURE_TS}, "future_date:changed_at"),
    RowCase("duplicate_key_in_file_first", "atena", {"__dup__": "a"}, None),
    RowCase(
        "duplicate_key_in_file_second",
        "atena",
        {"__dup__": "a"},
        "duplicate_key:atena_no+changed_at",
    ),  # noqa: E501
    RowCase("fullwidth_digits_normalised", "atena", {"__fullwidth__": "atena_no"}, None),
    RowCase(
        "kiso_nenkin_no_short",
        "nenkin_kihon",
        {"kiso_nenkin_no": "12345"},
        "invalid_kiso_nenkin_no:kiso_nenkin_no",
    ),  # noqa: E501
    RowCase("kiso_nenkin_no_hyphen_ok", "nenkin_kihon", {"__hyphen__": "kiso_nenkin_no"}, None),
    RowCase("tokki_formula_stays_restricted", "nenkin_kihon", {"tokki": FORMULA}, None),
    RowCase("shubetsu_unknown", "shikaku", {"shubetsu": "2"}, "unknown_code:shubetsu"),
    RowCase("seq_not_a_number", "shikaku", {"seq": "a"}, "invalid_number:seq"),
    RowCase(
        "shutoku_date_impossible",
        "shikaku",
        {"shutoku_date": "4310501"},
        "invalid_era_date:shutoku_date",
    ),  # noqa: E501
    RowCase("menjo_kekka_unknown", "menjo", {"kekka": "9"}, "unknown_code:kekka"),
    RowCase("menjo_nendo_text", "menjo", {"nendo": "20x6"}, "invalid_number:nendo"),
    RowCase(
        "dependants_999999999", "shotoku", {"ippan_fuyo": "999999999"}, "out_of_range:ippan_fuyo"
    ),  # noqa: E501
    RowCase("dependants_decimal", "shotoku", {"rojin_fuyo": "1.5"}, "invalid_number:rojin_fuyo"),
    RowCase(
        "dependants_plus_sign", "shotoku", {"tokutei_fuyo": "+3"}, "invalid_number:tokutei_fuyo"
    ),  # noqa: E501
    RowCase("dependants_exponent", "shotoku", {"nensho_fuyo": "1e3"}, "invalid_number:nensho_fuyo"),
    RowCase(
        "dependants_negative", "shotoku", {"shogaisha_fuyo": "-1"}, "invalid_number:shogaisha_fuyo"
    ),  # noqa: E501
    RowCase(
        "income_above_range",
        "shotoku",
        {"gokei_shotoku": "999999999999999"},
        "out_of_range:gokei_shotoku",
    ),  # noqa: E501
    RowCase(
        "income_22_digits", "shotoku", {"gokei_shotoku": "9" * 22}, "invalid_number:gokei_shotoku"
    ),  # noqa: E501
    RowCase(
        "kojo_haigusha_unknown", "shotoku", {"kojo_haigusha": "2"}, "unknown_code:kojo_haigusha"
    ),  # noqa: E501
    RowCase(
        "uketsuke_date_in_2099",
        "todokede",
        {"uketsuke_date": FUTURE_ERA},
        "future_date:uketsuke_date",
    ),  # noqa: E501
    RowCase(
        "todokede_shubetsu_unknown",
        "todokede",
        {"todokede_shubetsu": "99"},
        "unknown_code:todokede_shubetsu",
    ),  # noqa: E501
    RowCase("torisage_unknown", "todokede", {"torisage": "2"}, "unknown_code:torisage"),
    RowCase("office_code_unknown", "todokede", {"office_code": "Z99"}, "unknown_code:office_code"),
    RowCase("jps_duplicate_row_first", "jps_kekka", {"__dup__": "j"}, None),
    RowCase(
        "jps_duplicate_row_second", "jps_kekka", {"__dup__": "j"}, "duplicate_key:list_id+row_no"
    ),  # noqa: E501
    RowCase("jps_kekka_unknown", "jps_kekka", {"kekka": "9"}, "unknown_code:kekka"),
    RowCase(
        "jps_list_date_in_2099", "jps_kekka", {"list_date": FUTURE_ERA}, "future_date:list_date"
    ),  # noqa: E501
    RowCase(
        "henrei_riyu_formula_and_phone", "jps_kekka", {"kekka": "2", "henrei_riyu": FORMULA}, None
    ),  # noqa: E501
    RowCase(
        "log_id_reused_later_day", "access_log", {"__reuse__": "log_id"}, "duplicate_key:log_id"
    ),  # noqa: E501
    RowCase("log_id_twice_in_file_first", "access_log", {"__dup__": "g"}, None),
    RowCase("log_id_twice_in_file_second", "access_log", {"__dup__": "g"}, "duplicate_key:log_id"),
    RowCase(
        "accessed_at_in_2099", "access_log", {"accessed_at": FUTURE_TS}, "future_date:accessed_at"
    ),  # noqa: E501
    RowCase(
        "accessed_at_iso_t",
        "access_log",
        {"accessed_at": "2026-04-07T10:00:00"},
        "invalid_timestamp:accessed_at",
    ),  # noqa: E501
    RowCase("operation_unknown", "access_log", {"operation": "09"}, "unknown_code:operation"),
    RowCase("operation_missing", "access_log", {"operation": ""}, "missing_value:operation"),
    RowCase("hit_count_text", "access_log", {"hit_count": "abc"}, "invalid_number:hit_count"),
    RowCase("subject_atena_no_short", "access_log", {"atena_no": "12"}, "invalid_id:atena_no"),
    RowCase("screen_id_formula", "access_log", {"screen_id": FORMULA}, None),
    RowCase("staff_duplicate_first", "staff", {"__dup__": "w"}, None),
    RowCase(
        "staff_duplicate_second", "staff", {"__dup__": "w"}, "duplicate_key:snapshot_date+staff_id"
    ),  # noqa: E501
    RowCase("staff_role_unknown", "staff", {"role": "9"}, "unknown_code:role"),
    RowCase(
        "staff_snapshot_in_2099",
        "staff",
        {"snapshot_date": "2099-01-01"},
        "future_date:snapshot_date",
    ),  # noqa: E501
    RowCase("ido_type_unknown", "jinji_ido", {"ido_type": "7"}, "unknown_code:ido_type"),
    RowCase(
        "effective_date_month_13",
        "jinji_ido",
        {"effective_date": "2026-13-01"},
        "invalid_iso_date:effective_date",
    ),  # noqa: E501
    RowCase("terminal_duplicate_first", "terminal", {"__dup__": "t"}, None),
    RowCase("terminal_duplicate_second", "terminal", {"__dup__": "t"}, "duplicate_key:terminal_id"),
    RowCase("sent_at_in_2099", "teikyo_iten", {"sent_at": FUTURE_TS}, "future_date:sent_at"),
    RowCase(
        "record_count_text", "teikyo_iten", {"record_count": "x"}, "invalid_number:record_count"
    ),  # noqa: E501
]

# Where the injected rows go: a new file per extract, after the city's own deliveries of the
# same date (access_log: a later day, so that a reused log_id is a reuse, not a redelivery).
INJECT_DATE = {"access_log": "20260407"}
ROW_DATE = "20260406"


def _fullwidth(s: str) -> str:
    return s.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


def _inject(city: Path, inbox: Path) -> dict[str, tuple[str, int]]:
    """Copy the city into `inbox` and add one file per extract with the row cases; returns
    kind -> (file name, line number)."""
    import shutil

    shutil.copytree(city, inbox)
    where: dict[str, tuple[str, int]] = {}
    by_extract: dict[str, list[RowCase]] = {}
    for case in ROW_CASES:
        by_extract.setdefault(case.extract, []).append(case)
    for extract, cases in by_extract.items():
        sources = sorted(city.glob(f"{extract}_2*.csv"))
        base = pl.concat([_read(p) for p in sources]).head(200)
        out_rows = []
        dup_rows: dict[str, dict] = {}
        for i, case in enumerate(cases):
            row = base.row((i + 1) % base.height, named=True)
            for col, value in case.changes.items():
                if col == "__dup__":
                    if value in dup_rows:
                        row = dict(dup_rows[value])
                    else:
                        dup_rows[value] = row
                elif col == "__fullwidth__":
                    row[value] = _fullwidth(row[value])
                elif col == "__hyphen__":
                    v = row[value]
                    row[value] = f"{v[:4]}-{v[4:]}" if v and len(v) == 10 else v
                elif col == "__reuse__":
                    pass  # the first line of the city's first access-log file, delivered again
                elif value == "KOJIN_BAD":
                    v = row["kojin_no"] or "983205673214"  # valid: the spec's example
                    row["kojin_no"] = v[:11] + str((int(v[11]) + 1) % 10)
                else:
                    row[col] = value
            if extract == "jps_kekka" and "__dup__" in case.changes:
                row["row_no"] = "9001"
            if extract == "jps_kekka" and case.kind == "henrei_riyu_formula_and_phone":
                row["row_no"] = "9002"
            if extract == "access_log":
                if "__reuse__" in case.changes:
                    row = base.row(0, named=True)
                else:
                    if "__dup__" not in case.changes or case.kind.endswith("first"):
                        row["log_id"] = f"HOSTILE{i:05d}"
                    else:
                        row["log_id"] = f"HOSTILE{i - 1:05d}"
                    if "accessed_at" not in case.changes:
                        row["accessed_at"] = "2026-04-07 10:00:00"
            out_rows.append(row)
        name = f"{extract}_{INJECT_DATE.get(extract, ROW_DATE)}_009.csv"
        frame = pl.DataFrame(out_rows, schema=dict.fromkeys(EXTRACTS[extract].columns, pl.String))
        (inbox / name).write_bytes(encode_extract(frame, extract))
        for i, case in enumerate(cases):
            where[case.kind] = (name, i + 2)
    return where


@dataclass
class RowRun:
    home: Path
    inbox: Path
    key_file: Path
    proc: subprocess.CompletedProcess
    where: dict[str, tuple[str, int]]
    quarantine: dict[tuple[str, int], str]


def _run(inbox: Path, home: Path, key_file: Path, **popen) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLI, "run", "--inbox", str(inbox), "--home", str(home)],
        capture_output=True,
        text=True,
        env=_env(NENKIN_AUDIT_KEY_FILE=str(key_file)),
        cwd=REPO,
        timeout=600,
        **popen,
    )


@pytest.fixture(scope="module")
def row_run(city: Path, tmp_path_factory: pytest.TempPathFactory) -> RowRun:
    from nenkin_audit.home import Home
    from nenkin_audit.keys import ensure_demo_key

    root = tmp_path_factory.mktemp("hostile-rows")
    inbox = root / "inbox"
    where = _inject(city, inbox)
    home = root / "home"
    key_file = ensure_demo_key(Home.resolve(home), announce=False)
    proc = _run(inbox, home, key_file)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        quarantine = {
            (f, n): r
            for f, n, r in con.sql(
                "select _file_name, _line_no, reject_reason from staging.quarantine_rows"
            ).fetchall()
        }
    finally:
        con.close()
    return RowRun(home, inbox, key_file, proc, where, quarantine)


def test_a_city_with_every_bad_row_still_builds_and_publishes(row_run: RowRun) -> None:
    """exit 0: conservation, unique keys and every other dbt test hold with the bad rows in."""
    assert row_run.proc.returncode == 0, row_run.proc.stdout[-4000:] + row_run.proc.stderr
    assert row_run.proc.stdout.rstrip().splitlines()[-1].startswith("published: ")


@pytest.mark.parametrize("case", ROW_CASES, ids=[c.kind for c in ROW_CASES])
def test_row_kind_is_quarantined_with_its_reason_or_staged(row_run: RowRun, case: RowCase) -> None:
    reason = row_run.quarantine.get(row_run.where[case.kind])
    if case.reason is None:
        assert reason is None, f"{case.kind} should be staged, is quarantined: {reason}"
    else:
        assert reason is not None, f"{case.kind}: not quarantined"
        assert case.reason in reason.split("; "), reason


def test_no_injected_row_vanishes(row_run: RowRun) -> None:
    """Every injected line is either staged (in its base model without reason) or quarantined."""
    con = duckdb.connect(str(row_run.home / "warehouse.duckdb"), read_only=True)
    try:
        for case in ROW_CASES:
            name, line = row_run.where[case.kind]
            model = {
                "atena": "base_atena__atena",
                "nenkin_kihon": "base_nenkin__nenkin_kihon",
                "shikaku": "base_nenkin__shikaku",
                "menjo": "base_nenkin__menjo",
                "shotoku": "base_zei__shotoku",
                "todokede": "base_nenkin__todokede",
                "jps_kekka": "base_jps__jps_kekka",
                "access_log": "base_kiban__access_log",
                "staff": "base_kiban__staff",
                "jinji_ido": "base_kiban__jinji_ido",
                "terminal": "base_kiban__terminal",
                "teikyo_iten": "base_kiban__teikyo_iten",
            }[case.extract]
            n = con.execute(
                f"select count(*) from staging.{model} where _file_name = ? and _line_no = ?",
                [name, line],
            ).fetchone()[0]
            assert n == 1, case.kind
    finally:
        con.close()


def test_no_injected_free_text_reaches_the_mart(row_run: RowRun) -> None:
    con = duckdb.connect(str(row_run.home / "mart.duckdb"), read_only=True)
    try:
        found = []
        for (table,) in con.sql("select table_name from information_schema.tables").fetchall():
            cols = [
                c
                for c, t in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_name = ?",
                    [table],
                ).fetchall()
                if t == "VARCHAR"
            ]
            for c in cols:
                n = con.execute(
                    f'select count(*) from "{table}" where "{c}" like \'%HYPERLINK%\' '
                    f"or \"{c}\" like '%090-1234%' or \"{c}\" like '=%'"
                ).fetchone()[0]
                if n:
                    found.append(f"{table}.{c}")
        assert not found
    finally:
        con.close()
    wh = duckdb.connect(str(row_run.home / "warehouse.duckdb"), read_only=True)
    try:
        (cleared,) = wh.execute(
            "select henrei_riyu from staging.stg_jps__kekka where row_no = 9002"
        ).fetchone()
    finally:
        wh.close()
    assert cleared == "その他"


def test_dates_in_the_future_do_not_move_the_clock(row_run: RowRun) -> None:
    con = duckdb.connect(str(row_run.home / "warehouse.duckdb"), read_only=True)
    try:
        (ref,) = con.execute(
            "select reference_date from intermediate.int_persons__reference_date"
        ).fetchone()
        (last,) = con.execute("select max(date_day) from marts.dim_dates").fetchone()
    finally:
        con.close()
    assert ref == dt.date(2026, 4, 7)  # the latest real date delivered (the injected access day)
    assert last == dt.date(2028, 3, 31)  # the end of the fiscal year after the reference date's


def test_run_output_holds_no_personal_value(row_run: RowRun) -> None:
    text = row_run.proc.stdout + row_run.proc.stderr
    text += (row_run.home / "logs" / "dbt.log").read_text(encoding="utf-8", errors="replace")
    assert FORMULA not in text and "090-1234-5678" not in text
    con = duckdb.connect(str(row_run.home / "warehouse.duckdb"), read_only=True)
    try:
        kojin = [
            r[0]
            for r in con.sql(
                "select kojin_no from raw.atena where kojin_no <> '' limit 50"
            ).fetchall()
        ]  # noqa: E501
    finally:
        con.close()
    for value in kojin:
        assert value not in text


def test_home_files_are_owner_only(row_run: RowRun) -> None:
    home = row_run.home
    assert _mode(home) == 0o700
    for p in (home / "warehouse.duckdb", home / "mart.duckdb", home / "logs" / "dbt.log"):
        assert _mode(p) == 0o600, p
    assert _mode(home / "logs") == 0o700


# ----- refusals before anything runs (exit 2) ------------------------------------------------


def _refused(row_run: RowRun, key_file: Path, home: Path | None = None) -> str:
    home = home or row_run.home
    before = (home / "warehouse.duckdb").stat().st_mtime_ns
    proc = _run(row_run.inbox, home, key_file)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert (home / "warehouse.duckdb").stat().st_mtime_ns == before, "nothing may run"
    return proc.stderr


def test_run_refuses_a_home_others_can_read(row_run: RowRun) -> None:
    os.chmod(row_run.home, 0o755)
    try:
        assert "chmod 700" in _refused(row_run, row_run.key_file)
    finally:
        os.chmod(row_run.home, 0o700)


def test_run_refuses_a_key_others_can_read(row_run: RowRun, tmp_path: Path) -> None:
    folder = tmp_path / "k"
    folder.mkdir(mode=0o700)
    key = folder / "pseudonym.key"
    key.write_bytes(row_run.key_file.read_bytes())
    os.chmod(key, 0o644)
    assert "chmod 600" in _refused(row_run, key)


def test_run_refuses_a_key_in_a_folder_others_can_write(row_run: RowRun, tmp_path: Path) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    os.chmod(folder, 0o777)
    key = folder / "pseudonym.key"
    key.write_bytes(row_run.key_file.read_bytes())
    os.chmod(key, 0o600)
    assert "writable by group or others" in _refused(row_run, key)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a key to another owner needs root")
def test_run_refuses_a_key_of_another_owner(row_run: RowRun, tmp_path: Path) -> None:
    folder = tmp_path / "k2"
    folder.mkdir(mode=0o700)
    key = folder / "pseudonym.key"
    key.write_bytes(row_run.key_file.read_bytes())
    os.chmod(key, 0o600)
    os.chown(key, pwd.getpwnam("nobody").pw_uid, -1)
    assert "belongs to uid" in _refused(row_run, key)


def test_reidentify_during_a_build_says_so(row_run: RowRun) -> None:
    con = duckdb.connect(str(row_run.home / "warehouse.duckdb"))  # a writer holds the file
    try:
        proc = subprocess.run(
            [
                CLI,
                "reidentify",
                "--pid",
                "p-x",
                "--reason",
                "case 2026-123 audit request",
                "--home",
                str(row_run.home),
            ],
            capture_output=True,
            text=True,
            env=_env(NENKIN_AUDIT_KEY_FILE=str(row_run.key_file)),
            timeout=60,
        )
    finally:
        con.close()
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "try again" in proc.stderr


# ----- children end with their parent --------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(cond, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


def test_killing_runs_pid_ends_its_dbt_and_the_next_run_is_not_blocked(row_run: RowRun) -> None:
    proc = subprocess.Popen(
        [CLI, "run", "--inbox", str(row_run.inbox), "--home", str(row_run.home)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(NENKIN_AUDIT_KEY_FILE=str(row_run.key_file)),
        cwd=REPO,
    )
    try:
        assert _wait(lambda: bool(_children(proc.pid)), 60), "dbt never started"
        time.sleep(2)
        dbt = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)  # the PID alone, not the group
        proc.wait(10)
        assert _wait(lambda: not any(_alive(p) for p in dbt), 15), "dbt outlived its run"
    finally:
        if proc.poll() is None:
            proc.kill()
    again = _run(row_run.inbox, row_run.home, row_run.key_file)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr
    assert "0 loaded" in again.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> set[str]:
    """Local addresses listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            addr, p = fields[1].split(":")
            st = fields[3]
            if int(p, 16) == port and st == "0A":
                found.add(addr)
    return found


def test_serve_binds_to_localhost_and_stops_with_its_child(row_run: RowRun) -> None:
    port = _free_port()
    env = _env(STREAMLIT_SERVER_PORT=str(port))
    env.pop("STREAMLIT_SERVER_ADDRESS", None)
    password = "Bind-test-only-9x!Q"  # serve starts only with a dashboard user
    added = subprocess.run(
        [CLI, "user", "add", "bindtest", "--role", "auditor", "--home", str(row_run.home)],
        input=f"{password}\n{password}\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert added.returncode == 0, added.stdout + added.stderr
    proc = subprocess.Popen(
        [CLI, "serve", "--home", str(row_run.home)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=REPO,
    )
    try:
        assert _wait(lambda: bool(_listening(port)), 60), "streamlit never listened"
        assert _listening(port) == {"0100007F"}, _listening(port)  # 127.0.0.1 only
        children = _children(proc.pid)
        assert children
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert _wait(lambda: not any(_alive(p) for p in children), 15), "streamlit outlived serve"
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in _children(proc.pid):
            os.kill(p, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------
# A non-root service account
# ---------------------------------------------------------------------------------------------

SERVICE_USER = "nenkin-hostile-svc"


def _service_account() -> pwd.struct_passwd:
    if os.geteuid() != 0:
        pytest.skip("creating a service account needs root")
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pass
    made = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"useradd failed: {made.stderr.strip()}")
    return pwd.getpwnam(SERVICE_USER)


@contextlib.contextmanager
def _interpreter_for(user: pwd.struct_passwd):
    """(python, extra environment) that `user` can run: the test interpreter itself when the
    account can reach it; else (root only) the same installation bind-mounted under /tmp, with
    this package and its dependencies on PYTHONPATH (an interpreter under /root is out of reach)."""
    import sysconfig
    import tempfile

    try:
        reachable = (
            subprocess.run(
                [PY, "-c", "import nenkin_audit"],
                user=user.pw_uid,
                group=user.pw_gid,
                capture_output=True,
                cwd="/",
            ).returncode
            == 0
        )
    except PermissionError:
        reachable = False
    if reachable:
        yield PY, {}
        return
    mnt = Path(tempfile.mkdtemp(prefix="nenkin-py-"))
    os.chmod(mnt, 0o755)
    bound = subprocess.run(["mount", "--bind", sys.base_prefix, str(mnt)], capture_output=True)
    if bound.returncode != 0:
        mnt.rmdir()
        pytest.skip("the test interpreter is not reachable by another account here")
    try:
        python = mnt / Path(sys._base_executable).relative_to(sys.base_prefix)  # type: ignore[attr-defined]
        path = f"{REPO / 'scripts'}:{sysconfig.get_paths()['purelib']}"
        yield str(python), {"PYTHONPATH": path, "NENKIN_AUDIT_PROJECT_DIR": str(REPO)}
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
        mnt.rmdir()


def test_a_service_account_loads_with_owner_only_files_and_survives_unreadable_input(
    city: Path,
) -> None:
    import shutil
    import tempfile

    user = _service_account()
    root = Path(tempfile.mkdtemp(prefix="nenkin-svc-"))
    try:
        inbox = root / "inbox"
        inbox.mkdir()
        good = city / "terminal_20260331_001.csv"
        shutil.copy(good, inbox / good.name)
        locked = inbox / "jinji_ido_20260331_001.csv"
        shutil.copy(city / locked.name, locked)
        for p in (root, inbox, inbox / good.name):
            os.chown(p, user.pw_uid, user.pw_gid)
        os.chmod(locked, 0o600)  # stays root's own: the service account cannot read it
        home = root / "home"
        with _interpreter_for(user) as (python, extra):
            cmd = [
                python,
                "-m",
                "nenkin_audit.loader",
                "--inbox",
                str(inbox),
                "--warehouse",
                str(home / "warehouse.duckdb"),
            ]
            kw = dict(
                user=user.pw_uid,
                group=user.pw_gid,
                extra_groups=[],
                capture_output=True,
                text=True,
                env=_env(**extra),
                cwd="/",
            )
            first = subprocess.run(cmd, **kw)
            second = subprocess.run(cmd, **kw)
        assert first.returncode == 1 and "Traceback" not in first.stderr, first.stderr
        assert "unreadable_file" in first.stdout and "EACCES" in first.stdout
        assert _mode(home) == 0o700
        assert _mode(home / "warehouse.duckdb") == 0o600
        assert _mode(inbox / "_rejected") == 0o700
        kept = inbox / "_rejected" / locked.name
        assert kept.exists() and not locked.exists()
        assert _mode(kept.with_name(kept.name + ".reason.txt")) == 0o600
        assert _mode(inbox / "_loaded") == 0o700
        assert (inbox / "_loaded" / good.name).is_file() and not (inbox / good.name).exists()
        assert second.returncode == 0, second.stdout + second.stderr
        assert "0 file(s): 0 loaded" in second.stdout, "nothing left to offer"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_kinds_tried() -> None:
    """The breadth of this suite (printed with -s)."""
    files = len(FILE_KINDS) + 2  # + name_reused and a corrected redelivery (later deliveries)
    rows = len(ROW_CASES)
    print(f"\nhostile kinds: {files} file-level, {rows} row-level")
    assert files >= 60 and rows >= 50


@pytest.mark.parametrize("reason_left", ["ours", "a kept file"])
def test_a_stopped_move_never_overwrites_and_never_duplicates(
    city: Path, tmp_path: Path, reason_left: str
) -> None:
    """A run stopped after writing the reason file but before the move: the next run moves the
    file to its recorded place when the reason file there is the one it wrote, and elsewhere
    when anything else sits there (nothing kept is ever overwritten)."""
    from nenkin_audit.loader import load_inbox

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = "terminal_20260401_009.csv"
    data = (city / "terminal_20260331_001.csv").read_bytes().replace(b"TRAILER,", b"TRAILER,9")
    (inbox / name).write_bytes(data)
    warehouse = tmp_path / "warehouse.duckdb"
    load_inbox(inbox, warehouse, progress=None)
    kept, reason = inbox / "_rejected" / name, inbox / "_rejected" / (name + ".reason.txt")
    kept.rename(inbox / name)  # the state of a run stopped before its move
    if reason_left == "a kept file":
        reason.write_bytes(b"a delivered file of that name, kept here")
    load_inbox(inbox, warehouse, progress=None)
    if reason_left == "ours":
        assert kept.read_bytes() == data
        assert not (inbox / "_rejected" / "terminal_20260401_009.2.csv").exists()
    else:
        assert reason.read_bytes() == b"a delivered file of that name, kept here"
        assert (inbox / "_rejected" / "terminal_20260401_009.2.csv").read_bytes() == data
    assert not (inbox / name).exists()
