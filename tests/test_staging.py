"""Row-level validation in staging, end to end: hand-made extract files (exact raw-interface
format, `nenkin_audit.rawfile`) are loaded by the real loader and built by dbt once for the
module; each test then looks at the file made for its case.

Every rejection must be in `staging.quarantine_rows` with its `code:column` reason and its
physical line, the other rows of the same file must be staged, and tricky but valid input
(full-width digits, hyphenated 基礎年金番号, quoted commas / quotes / line breaks) must be staged
intact. dbt's own tests (conservation law, no 個人番号 beyond staging, unit tests) run in the same
build and must pass."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb
import polars as pl
import pytest

from nenkin_audit.dbt_build import run_dbt
from nenkin_audit.formats import date_to_era, kojin_no_check_digit
from nenkin_audit.home import Home
from nenkin_audit.loader import load_inbox
from nenkin_audit.rawfile import encode_extract
from nenkin_audit.spec import EXTRACTS, file_name

# one load and one dbt build for the whole module: about 20 s
pytestmark = pytest.mark.slow


def kojin_no(first11: str) -> str:
    """A valid 個人番号 from its first 11 digits."""
    return first11 + str(kojin_no_check_digit(first11))


def bad_check_digit(first11: str) -> str:
    return first11 + str((kojin_no_check_digit(first11) + 1) % 10)


def full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))


def era(d: dt.date) -> str:
    return date_to_era(d)


CHANGED_AT = "2024-04-01 09:00:00"

# One valid row per extract; each case overrides what it is about.
VALID: dict[str, dict[str, str]] = {
    "atena": {
        "atena_no": "1000000001",
        "kojin_no": kojin_no("98320567321"),
        "setai_no": "2000000001",
        "shimei": "山田　太郎",
        "shimei_kana": "ヤマダ　タロウ",
        "birth_date": "3600115",
        "sex": "1",
        "zokugara": "世帯主",
        "jumin_kbn": "1",
        "setainushi_atena_no": "1000000001",
        "jumin_jiyu": "転入",
        "ward_code": "11101",
        "address": "さいたま市西区大字指扇１２３番地",
        "prev_address": "",
        "tennyu_moto_address": "",
        "tenshutsu_saki_address": "",
        "hittosha": "山田　一郎",
        "shojo_date": "",
        "shojo_jiyu": "",
        "kokuseki": "日本",
        "tsusho": "",
        "shori_teishi": "0",
        "zairyu_shikaku": "",
        "change_type": "I",
        "changed_at": CHANGED_AT,
    },
    "nenkin_kihon": {
        "atena_no": "1000000001",
        "kojin_no": kojin_no("98320567321"),
        "kiso_nenkin_no": "1234567890",
        "tel": "048-000-0000",
        "tokki": "",
        "change_type": "I",
        "changed_at": CHANGED_AT,
    },
    "shotoku": {
        "atena_no": "1000000001",
        "nendo": "2024",
        **{
            c: "0"
            for c in EXTRACTS["shotoku"].columns
            if c not in ("atena_no", "nendo", "change_type", "changed_at")
        },
        "gokei_shotoku": "1200000",
        "change_type": "I",
        "changed_at": CHANGED_AT,
    },
    "todokede": {
        "uketsuke_no": "T000001",
        "uketsuke_date": era(dt.date(2024, 4, 1)),
        "office_code": "K01",
        "staff_id": "ST0001",
        "todokede_shubetsu": "11",
        "atena_no": "1000000001",
        "kojin_no": "",
        "kiso_nenkin_no": "1234567890",
        "taisho_date": era(dt.date(2024, 3, 31)),
        "shubetsu_after": "1",
        "menjo_shurui": "",
        "nenkin_kbn": "",
        "shintatsu_date": "",
        "shintatsu_batch": "",
        "torisage": "0",
        "change_type": "I",
        "changed_at": CHANGED_AT,
    },
    "access_log": {
        "log_id": "L0000001",
        "accessed_at": "2024-04-01 10:15:00",
        "staff_id": "ST0001",
        "dept_code": "K01",
        "terminal_id": "TM001",
        "shori_jiyu": "01",
        "operation": "01",
        "screen_id": "NK0101",
        "atena_no": "1000000001",
        "hit_count": "",
        "subj_shimei": "山田　太郎",
        "subj_sex": "1",
        "subj_birth_date": "1985-01-15",
        "subj_address": "さいたま市西区大字指扇１２３番地",
    },
    "staff": {
        "snapshot_date": "2024-04-01",
        "staff_id": "ST0001",
        "staff_atena_no": "",
        "dept_code": "K01",
        "role": "1",
        "kojin_no_kengen": "0",
        "account_status": "1",
        "valid_from": "2020-04-01",
        "valid_to": "",
        "contractor_code": "",
    },
}


@dataclass
class Case:
    """One generated file: its rows and, per row index, the reason it must be quarantined with."""

    name: str
    extract: str
    rows: list[dict[str, str]]
    rejected: dict[int, list[str]] = field(default_factory=dict)

    def line_no(self, index: int) -> int:
        """Physical line of row `index` (header = line 1; a quoted line break adds a line)."""
        return 2 + sum(1 + sum(v.count("\n") for v in r.values()) for r in self.rows[:index])


def row(extract: str, **values: str) -> dict[str, str]:
    return {**VALID[extract], **values}


def cases() -> list[Case]:
    """Every case gets its own file, so each test reads the file made for it."""
    return [
        Case(
            "heisei_31_may_1",
            "atena",
            [
                row("atena", atena_no="1000000101"),
                row("atena", atena_no="1000000102", birth_date="4310501"),
                row("atena", atena_no="1000000103", birth_date="4310430"),
            ],
            {1: ["invalid_era_date:birth_date"]},
        ),
        Case(
            "showa_64_jan_8",
            "atena",
            [
                row("atena", atena_no="1000000201", birth_date="3640107"),
                row("atena", atena_no="1000000202", shojo_date="3640108", shojo_jiyu="01"),
                row("atena", atena_no="1000000203", birth_date="4010108"),
            ],
            {1: ["invalid_era_date:shojo_date"]},
        ),
        Case(
            "bad_check_digit",
            "atena",
            [
                row("atena", atena_no="1000000301", kojin_no=kojin_no("12345678900")),
                row("atena", atena_no="1000000302", kojin_no=bad_check_digit("12345678901")),
                row("atena", atena_no="1000000303", kojin_no="12345678901"),
                row("atena", atena_no="1000000304", kojin_no="", jumin_kbn="2"),
            ],
            {1: ["invalid_kojin_no:kojin_no"], 2: ["invalid_kojin_no:kojin_no"]},
        ),
        Case(
            "unknown_codes",
            "atena",
            [
                row("atena", atena_no="1000000401"),
                row("atena", atena_no="1000000402", sex="3", ward_code="11199"),
                row("atena", atena_no="1000000403", shori_teishi="2"),
            ],
            {
                1: ["unknown_code:sex", "unknown_code:ward_code"],
                2: ["unknown_code:shori_teishi"],
            },
        ),
        Case(
            "bad_identifiers_and_change_columns",
            "atena",
            [
                row("atena", atena_no="100000050"),
                row("atena", atena_no="", setai_no="20000000ab"),
                row("atena", atena_no="1000000503", change_type="X"),
                row("atena", atena_no="1000000504", changed_at="2024/04/01 09:00"),
                row("atena", atena_no="1000000505"),
            ],
            {
                0: ["invalid_id:atena_no"],
                1: ["missing_value:atena_no", "invalid_id:setai_no"],
                2: ["invalid_change_type:change_type"],
                3: ["invalid_timestamp:changed_at"],
            },
        ),
        Case(
            "full_width_digits",
            "todokede",
            [
                row(
                    "todokede",
                    uketsuke_no="T000101",
                    kojin_no=full_width(kojin_no("98320567321")),
                    kiso_nenkin_no=full_width("1234567890"),
                    taisho_date=full_width(era(dt.date(2024, 3, 31))),
                ),
                row(
                    "todokede",
                    uketsuke_no="T000102",
                    todokede_shubetsu="19",
                    taisho_date=full_width("4310501"),
                ),
            ],
            {1: ["unknown_code:todokede_shubetsu", "invalid_era_date:taisho_date"]},
        ),
        Case(
            "hyphenated_kiso",
            "todokede",
            [
                row("todokede", uketsuke_no="T000201", kiso_nenkin_no="1234-567890"),
                row("todokede", uketsuke_no="T000202", kiso_nenkin_no=full_width("1234-567891")),
                row("todokede", uketsuke_no="T000203", kiso_nenkin_no="12-34567890"),
                row("todokede", uketsuke_no="T000204", kiso_nenkin_no="123456789"),
            ],
            {
                2: ["invalid_kiso_nenkin_no:kiso_nenkin_no"],
                3: ["invalid_kiso_nenkin_no:kiso_nenkin_no"],
            },
        ),
        Case(
            "kojin_no_link",
            "todokede",
            [
                # carries both numbers: evidence for the link
                row(
                    "todokede",
                    uketsuke_no="T000301",
                    kojin_no=kojin_no("55555555555"),
                    kiso_nenkin_no="5555555555",
                ),
                # no 基礎年金番号, same 個人番号: filled from the link
                row(
                    "todokede",
                    uketsuke_no="T000302",
                    kojin_no=kojin_no("55555555555"),
                    kiso_nenkin_no="",
                ),
                # no 基礎年金番号 and no link
                row(
                    "todokede",
                    uketsuke_no="T000303",
                    kojin_no=kojin_no("66666666666"),
                    kiso_nenkin_no="",
                ),
            ],
        ),
        Case(
            "quoted_text",
            "nenkin_kihon",
            [
                row(
                    "nenkin_kihon",
                    atena_no="1000000601",
                    tokki='電話は夕方, 本人より "至急" と申出\r\n２行目, 続き',
                ),
                row("nenkin_kihon", atena_no="1000000602", tokki='a,b,"c"', tel=""),
                row("nenkin_kihon", atena_no="1000000603", kiso_nenkin_no="123456789X"),
                row("nenkin_kihon", atena_no="1000000604", tokki="末尾\n改行\n"),
                row("nenkin_kihon", atena_no="1000000605", kojin_no="98320567321"),
            ],
            {
                2: ["invalid_kiso_nenkin_no:kiso_nenkin_no"],
                4: ["invalid_kojin_no:kojin_no"],
            },
        ),
        Case(
            "non_integer_numbers",
            "shotoku",
            [
                row("shotoku", atena_no="1000000701"),
                row("shotoku", atena_no="1000000702", ippan_fuyo="1.5", gokei_shotoku="12万"),
                row("shotoku", atena_no="1000000703", nendo="", honnin_kafu="3"),
            ],
            {
                1: ["invalid_number:ippan_fuyo", "invalid_number:gokei_shotoku"],
                2: ["missing_value:nendo", "unknown_code:honnin_kafu"],
            },
        ),
        Case(
            "access_log_codes_and_timestamps",
            "access_log",
            [
                row("access_log", log_id="L0000101"),
                row("access_log", log_id="L0000102", operation="06"),
                row("access_log", log_id="L0000103", accessed_at="2024-04-31 10:00:00"),
                row("access_log", log_id="L0000104", atena_no="", operation="03", hit_count="x"),
                row("access_log", log_id="L0000105", atena_no="", operation="03", hit_count="25"),
            ],
            {
                1: ["unknown_code:operation"],
                2: ["invalid_timestamp:accessed_at"],
                3: ["invalid_number:hit_count"],
            },
        ),
        Case(
            "staff_iso_dates",
            "staff",
            [
                row("staff", staff_id="ST0101"),
                row("staff", staff_id="ST0102", valid_from="2020-4-1"),
                row("staff", staff_id="ST0103", role="5", kojin_no_kengen="1"),
                row("staff", staff_id="ST0104", role="4", contractor_code="C01"),
            ],
            {1: ["invalid_iso_date:valid_from"], 2: ["unknown_code:role"]},
        ),
    ]


# A later change that arrives in an earlier file wins (change files); checked separately.
CHANGE_FILES: list[tuple[str, int, list[dict[str, str]]]] = [
    (
        "20240402",
        1,
        [
            row("atena", atena_no="1000000901", ward_code="11101"),
            row("atena", atena_no="1000000902", ward_code="11101"),
        ],
    ),
    (
        "20240403",
        1,
        [
            row(
                "atena",
                atena_no="1000000901",
                ward_code="11103",
                change_type="U",
                changed_at="2024-04-03 09:00:00",
            ),
            row("atena", atena_no="1000000902", change_type="D", changed_at="2024-04-03 09:00:00"),
        ],
    ),
    (
        "20240404",
        1,
        [
            row(
                "atena",
                atena_no="1000000901",
                ward_code="11102",
                change_type="U",
                changed_at="2024-04-02 12:00:00",
            )
        ],
    ),
]


@dataclass
class Built:
    home: Home
    files: dict[str, str]  # case name -> file name
    cases: dict[str, Case]
    build_ok: bool

    def connect(self, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.home.warehouse), read_only=read_only)

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        con = self.connect()
        try:
            return con.execute(query, params or []).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("staging")
    inbox = root / "inbox"
    inbox.mkdir()
    home = Home(root / "home").ensure()
    files: dict[str, str] = {}
    per_extract_day: dict[str, int] = {}
    all_cases = cases()
    for case in all_cases:
        # each case its own file: a distinct extract date per extract (April 2024, day 10+)
        day = per_extract_day.get(case.extract, 10)
        per_extract_day[case.extract] = day + 1
        name = file_name(case.extract, f"202404{day:02d}", 1)
        frame = pl.DataFrame(
            case.rows, schema=dict.fromkeys(EXTRACTS[case.extract].columns, pl.String)
        )
        (inbox / name).write_bytes(encode_extract(frame, case.extract))
        files[case.name] = name
    for date, seq, rows in CHANGE_FILES:
        frame = pl.DataFrame(rows, schema=dict.fromkeys(EXTRACTS["atena"].columns, pl.String))
        (inbox / file_name("atena", date, seq)).write_bytes(encode_extract(frame, "atena"))
    summary = load_inbox(inbox, home.warehouse, progress=None)
    assert summary.rejected == 0, [f for f in summary.files if f.status == "rejected"]
    # cautious: tests of other layers that also read a staging model are not ours to run here
    ok = run_dbt(home, ["build", "--select", "+staging", "--indirect-selection", "cautious"])
    yield Built(home, files, {c.name: c for c in all_cases}, ok)
    shutil.rmtree(root, ignore_errors=True)


def quarantined(built: Built, case_name: str) -> dict[int, str]:
    """line_no -> reject_reason of the case's file in quarantine_rows."""
    return dict(
        built.sql(
            "select _line_no, reject_reason from staging.quarantine_rows where _file_name = ?",
            [built.files[case_name]],
        )
    )


def assert_case(built: Built, case_name: str) -> None:
    """The rejected rows of the case are quarantined with exactly their reasons, on their line;
    the others are valid rows of the base model."""
    case = built.cases[case_name]
    got = quarantined(built, case_name)
    expected = {case.line_no(i): "; ".join(reasons) for i, reasons in case.rejected.items()}
    assert got == expected
    n_valid = built.sql(
        f"select count(*) from staging.{BASE_MODEL[case.extract]} "
        "where _file_name = ? and reject_reason is null",
        [built.files[case_name]],
    )[0][0]
    assert n_valid == len(case.rows) - len(case.rejected)


BASE_MODEL = {
    "atena": "base_atena__atena",
    "nenkin_kihon": "base_nenkin__nenkin_kihon",
    "shotoku": "base_zei__shotoku",
    "todokede": "base_nenkin__todokede",
    "access_log": "base_kiban__access_log",
    "staff": "base_kiban__staff",
}


def test_dbt_build_passes_every_staging_test(built: Built) -> None:
    """Models, unit tests, data tests and the singular tests (conservation law per loaded file,
    era constants, no 個人番号 beyond staging) all pass on this inbox."""
    assert built.build_ok


def test_heisei_31_may_1_is_quarantined(built: Built) -> None:
    assert_case(built, "heisei_31_may_1")
    assert built.sql(
        "select birth_date from staging.stg_atena__persons where atena_no = '1000000103'"
    ) == [(dt.date(2019, 4, 30),)]


def test_showa_64_jan_8_is_quarantined(built: Built) -> None:
    assert_case(built, "showa_64_jan_8")
    staged = dict(
        built.sql(
            "select atena_no, birth_date from staging.stg_atena__persons "
            "where atena_no in ('1000000201', '1000000202', '1000000203')"
        )
    )
    assert staged == {"1000000201": dt.date(1989, 1, 7), "1000000203": dt.date(1989, 1, 8)}


def test_bad_kojin_no_check_digit_or_length_is_quarantined(built: Built) -> None:
    assert_case(built, "bad_check_digit")
    flags = {
        a: (present, valid)
        for a, present, valid in built.sql(
            "select atena_no, kojin_no_present, kojin_no_valid from staging.stg_atena__persons "
            "where atena_no in ('1000000301', '1000000304')"
        )
    }
    assert flags == {"1000000301": (True, True), "1000000304": (False, False)}


def test_unknown_codes_are_quarantined(built: Built) -> None:
    assert_case(built, "unknown_codes")


def test_bad_identifiers_and_change_columns_are_quarantined(built: Built) -> None:
    assert_case(built, "bad_identifiers_and_change_columns")


def test_full_width_digits_are_accepted_and_normalised(built: Built) -> None:
    assert_case(built, "full_width_digits")
    assert built.sql(
        "select kiso_nenkin_no, taisho_date, kojin_no_valid from staging.stg_nenkin__todokede "
        "where uketsuke_no = 'T000101'"
    ) == [("1234567890", dt.date(2024, 3, 31), True)]
    assert built.sql(
        "select kojin_no from staging.base_nenkin__todokede where uketsuke_no = 'T000101'"
    ) == [(kojin_no("98320567321"),)]


def test_hyphenated_kiso_nenkin_no_is_accepted(built: Built) -> None:
    assert_case(built, "hyphenated_kiso")
    staged = dict(
        built.sql(
            "select uketsuke_no, kiso_nenkin_no from staging.stg_nenkin__todokede "
            "where uketsuke_no in ('T000201', 'T000202')"
        )
    )
    assert staged == {"T000201": "1234567890", "T000202": "1234567891"}


def test_kojin_no_links_a_missing_kiso_nenkin_no(built: Built) -> None:
    assert_case(built, "kojin_no_link")
    staged = {
        u: (kiso, source)
        for u, kiso, source in built.sql(
            "select uketsuke_no, kiso_nenkin_no, kiso_nenkin_no_source "
            "from staging.stg_nenkin__todokede where uketsuke_no in ('T000301', 'T000302', 'T000303')"
        )
    }
    assert staged == {
        "T000301": ("5555555555", "delivered"),
        "T000302": ("5555555555", "kojin_no_link"),
        "T000303": (None, None),
    }


def test_quoted_commas_quotes_and_line_breaks_are_accepted_intact(built: Built) -> None:
    assert_case(built, "quoted_text")
    case = built.cases["quoted_text"]
    tokki = dict(
        built.sql(
            "select atena_no, tokki from staging.base_nenkin__nenkin_kihon where _file_name = ?",
            [built.files["quoted_text"]],
        )
    )
    assert tokki["1000000601"] == case.rows[0]["tokki"]
    assert tokki["1000000602"] == case.rows[1]["tokki"]
    assert tokki["1000000604"] == case.rows[3]["tokki"]
    flags = {
        a: (has_tel, has_tokki)
        for a, has_tel, has_tokki in built.sql(
            "select atena_no, has_tel, has_tokki from staging.stg_nenkin__kihon "
            "where atena_no in ('1000000601', '1000000602')"
        )
    }
    assert flags == {"1000000601": (True, True), "1000000602": (False, True)}


def test_non_integer_numbers_are_quarantined(built: Built) -> None:
    assert_case(built, "non_integer_numbers")
    assert built.sql(
        "select nendo, gokei_shotoku from staging.stg_zei__shotoku where atena_no = '1000000701'"
    ) == [(2024, 1200000)]


def test_access_log_bad_codes_timestamps_and_counts_are_quarantined(built: Built) -> None:
    assert_case(built, "access_log_codes_and_timestamps")
    assert built.sql(
        "select log_id, access_date, hit_count from staging.stg_kiban__access_log "
        "where _file_name = ? order by log_id",
        [built.files["access_log_codes_and_timestamps"]],
    ) == [("L0000101", dt.date(2024, 4, 1), None), ("L0000105", dt.date(2024, 4, 1), 25)]


def test_staff_bad_iso_dates_and_codes_are_quarantined(built: Built) -> None:
    assert_case(built, "staff_iso_dates")


def test_a_later_change_in_an_earlier_file_wins_and_d_removes(built: Built) -> None:
    persons = dict(
        built.sql(
            "select atena_no, ward_code from staging.stg_atena__persons "
            "where atena_no in ('1000000901', '1000000902')"
        )
    )
    assert persons == {"1000000901": "11103"}
    history = built.sql(
        "select ward_code, valid_from, is_current from staging.stg_atena__person_history "
        "where atena_no = '1000000901' order by valid_from"
    )
    assert history == [
        ("11101", dt.datetime(2024, 4, 1, 9), False),
        ("11102", dt.datetime(2024, 4, 2, 12), False),
        ("11103", dt.datetime(2024, 4, 3, 9), True),
    ]


def test_every_loaded_row_is_staged_or_quarantined(built: Built) -> None:
    """The conservation law computed here from the raw layer, independently of the dbt test."""
    per_file = built.sql("select file_name, data_rows, loaded_rows from raw.load_files")
    assert per_file and all(data_rows == loaded for _, data_rows, loaded in per_file)
    for name, data_rows, _ in per_file:
        extract = name.rsplit("_", 2)[0]
        model = BASE_MODEL[extract]
        valid = built.sql(
            f"select count(*) from staging.{model} where _file_name = ? and reject_reason is null",
            [name],
        )[0][0]
        quarantined_rows = built.sql(
            "select count(*) from staging.quarantine_rows where _file_name = ?", [name]
        )[0][0]
        assert valid + quarantined_rows == data_rows, name


def test_conservation_test_catches_a_lost_row(built: Built) -> None:
    """The dbt conservation test is not vacuous: when one file's ledger claims a row more than
    was staged or quarantined (inside a transaction that is rolled back), it returns that file."""
    compiled = next(
        (built.home.dbt_target / "compiled").rglob("assert_rows_conserved_per_loaded_file.sql")
    )
    query = compiled.read_text()
    victim = built.files["unknown_codes"]
    con = built.connect(read_only=False)
    try:
        assert con.sql(query).fetchall() == []
        con.begin()
        con.execute(
            "update raw.load_files set data_rows = data_rows + 1, loaded_rows = loaded_rows + 1 "
            "where file_name = ?",
            [victim],
        )
        failing = con.sql(query).fetchall()
        con.rollback()
    finally:
        con.close()
    assert [r[0] for r in failing] == [victim]


def test_no_kojin_no_tel_tokki_or_subject_columns_in_stg_models(built: Built) -> None:
    columns = built.sql(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'staging' and table_name not like 'base%'"
    )
    stg_tables = {t for t, _, _ in columns}
    assert {"stg_atena__persons", "stg_nenkin__todokede", "stg_jps__kekka"} <= stg_tables
    offending = [
        (t, c)
        for t, c, typ in columns
        if ("kojin" in c and typ != "BOOLEAN")
        or c in ("kojin_no", "tel", "tokki", "shindansho")
        or c.startswith("subj_")
    ]
    assert offending == []
