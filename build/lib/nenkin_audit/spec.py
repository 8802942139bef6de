"""The raw interface (shared/spec/raw-interface.md) as data: one definition used by the generator,
the loader and the tests, so that the three can never disagree about an extract's columns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["change", "snapshot", "ledger", "events", "append"]


@dataclass(frozen=True)
class Extract:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    kind: Kind
    source_system: str

    @property
    def header(self) -> str:
        return ",".join(self.columns)


_CHANGE = ("change_type", "changed_at")

EXTRACTS: dict[str, Extract] = {
    e.name: e
    for e in [
        Extract(
            "atena",
            (
                "atena_no",
                "kojin_no",
                "setai_no",
                "shimei",
                "shimei_kana",
                "birth_date",
                "sex",
                "zokugara",
                "jumin_kbn",
                "setainushi_atena_no",
                "jumin_jiyu",
                "ward_code",
                "address",
                "prev_address",
                "tennyu_moto_address",
                "tenshutsu_saki_address",
                "hittosha",
                "shojo_date",
                "shojo_jiyu",
                "kokuseki",
                "tsusho",
                "shori_teishi",
                "zairyu_shikaku",
            )
            + _CHANGE,
            ("atena_no",),
            "change",
            "atena",
        ),
        Extract(
            "nenkin_kihon",
            ("atena_no", "kojin_no", "kiso_nenkin_no", "tel", "tokki") + _CHANGE,
            ("atena_no",),
            "change",
            "nenkin",
        ),
        Extract(
            "shikaku",
            (
                "kiso_nenkin_no",
                "kojin_no",
                "seq",
                "shubetsu",
                "shutoku_date",
                "shutoku_jiyu",
                "shutoku_riyu",
                "soshitsu_date",
                "soshitsu_jiyu",
                "soshitsu_riyu",
            )
            + _CHANGE,
            ("kiso_nenkin_no", "seq"),
            "change",
            "nenkin",
        ),
        Extract(
            "fuka",
            ("kiso_nenkin_no", "kojin_no", "kanyu_date", "dattai_date") + _CHANGE,
            ("kiso_nenkin_no", "kanyu_date"),
            "change",
            "nenkin",
        ),
        Extract(
            "menjo",
            (
                "kiso_nenkin_no",
                "kojin_no",
                "nendo",
                "menjo_shurui",
                "shinsei_date",
                "kikan_from",
                "kikan_to",
                "kekka",
                "kekka_date",
                "shuryo_date",
                "homen_shometsu_date",
                "sofu_date",
                "gakko_code",
            )
            + _CHANGE,
            ("kiso_nenkin_no", "nendo", "menjo_shurui"),
            "change",
            "nenkin",
        ),
        Extract(
            "saitei",
            (
                "uketsuke_no",
                "nenkin_kbn",
                "atena_no",
                "kojin_no",
                "kiso_nenkin_no",
                "shosho_no",
                "nenkin_code",
                "seikyu_date",
                "shindansho",
                "seikyusha_atena_no",
            )
            + _CHANGE,
            ("uketsuke_no",),
            "change",
            "nenkin",
        ),
        Extract(
            "shotoku",
            (
                "atena_no",
                "nendo",
                "ippan_fuyo",
                "rojin_fuyo",
                "tokutei_fuyo",
                "kojo_haigusha",
                "shogaisha_fuyo",
                "tokubetsu_shogaisha_fuyo",
                "nensho_fuyo",
                "honnin_shogai",
                "honnin_kafu",
                "honnin_kinro_gakusei",
                "koteki_nenkin_shunyu",
                "koteki_nenkin_zatsu_shotoku",
                "gokei_shotoku",
                "junsonshitsu",
                "zasson_kojo",
                "iryohi_kojo",
                "shakai_hoken_kojo",
                "haigusha_tokubetsu_kojo",
            )
            + _CHANGE,
            ("atena_no", "nendo"),
            "change",
            "zei",
        ),
        Extract(
            "todokede",
            (
                "uketsuke_no",
                "uketsuke_date",
                "office_code",
                "staff_id",
                "todokede_shubetsu",
                "atena_no",
                "kojin_no",
                "kiso_nenkin_no",
                "taisho_date",
                "shubetsu_after",
                "menjo_shurui",
                "nenkin_kbn",
                "shintatsu_date",
                "shintatsu_batch",
                "torisage",
            )
            + _CHANGE,
            ("uketsuke_no",),
            "change",
            "nenkin",
        ),
        Extract(
            "jps_kekka",
            (
                "list_id",
                "list_date",
                "row_no",
                "kiso_nenkin_no",
                "kojin_no",
                "shimei_kana",
                "todokede_shubetsu",
                "taisho_date",
                "kekka",
                "kekka_date",
                "shubetsu_after",
                "menjo_shurui",
                "henrei_riyu",
            ),
            ("list_id", "row_no"),
            "append",
            "jps",
        ),
        Extract(
            "access_log",
            (
                "log_id",
                "accessed_at",
                "staff_id",
                "dept_code",
                "terminal_id",
                "shori_jiyu",
                "operation",
                "screen_id",
                "atena_no",
                "hit_count",
                "subj_shimei",
                "subj_sex",
                "subj_birth_date",
                "subj_address",
            ),
            ("log_id",),
            "append",
            "kiban",
        ),
        Extract(
            "staff",
            (
                "snapshot_date",
                "staff_id",
                "staff_atena_no",
                "dept_code",
                "role",
                "kojin_no_kengen",
                "account_status",
                "valid_from",
                "valid_to",
                "contractor_code",
            ),
            ("snapshot_date", "staff_id"),
            "snapshot",
            "kiban",
        ),
        Extract(
            "jinji_ido",
            ("staff_id", "effective_date", "ido_type", "from_dept", "to_dept"),
            ("staff_id", "effective_date", "ido_type"),
            "events",
            "kiban",
        ),
        Extract(
            "terminal",
            ("terminal_id", "office_code", "dept_code", "valid_from", "valid_to"),
            ("terminal_id",),
            "ledger",
            "kiban",
        ),
        Extract(
            "teikyo_iten",
            (
                "record_id",
                "sent_at",
                "recipient_code",
                "method",
                "record_count",
                "legal_basis",
                "file_name",
                "operator_staff_id",
            ),
            ("record_id",),
            "append",
            "kiban",
        ),
    ]
}

# Longest names first so that "nenkin_kihon" never parses as an extract called "nenkin".
FILE_NAME_RE = re.compile(
    r"^(?P<extract>" + "|".join(sorted(EXTRACTS, key=len, reverse=True)) + r")"
    r"_(?P<date>[0-9]{8})_(?P<seq>[0-9]{3})\.csv\Z",
    re.ASCII,  # ASCII digits only: `\d` would also take full-width or Arabic-Indic digits
)


def file_name(extract: str, extract_date: str, seq: int) -> str:
    """`extract_date` as YYYYMMDD."""
    return f"{extract}_{extract_date}_{seq:03d}.csv"
