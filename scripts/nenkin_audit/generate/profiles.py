"""Office-practice profiles: how a city's offices legitimately work, as configuration.

Cities differ in how their offices work (work lists, supervisory checks, overtime, 休日開庁 ...),
and a detector must learn each city's normal from its own data. A profile switches the
generator's behaviour modules on or off and sets their parameters; `standard` is the city this
generator has always made. `nenkin-audit generate --profile NAME` chooses one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from ..errors import UserError


@dataclass(frozen=True)
class Profile:
    """Behaviour parameters of one city's offices (every behaviour off unless switched on)."""

    name: str = "standard"
    description: str = "今日までの標準的な事務 (the generator's original city)"

    # 未納者・勧奨 work lists: every ward office searches a list (operation 03, no subject,
    # hit_count = list size) and opens 5–40 of the ward's 第1号 persons one by one
    worklist: bool = False
    # lists per role 1/2 member of a ward office and working day (each office at least one)
    worklist_lists: tuple[int, int] = (0, 2)
    worklist_views: tuple[int, int] = (5, 40)  # single views per list
    worklist_shori: tuple[str, ...] = ("03",)  # 処理事由 of the list work (drawn per list)

    # supervisory checks: role 2/3 members re-open colleagues' recent cases under 処理事由 99
    supervisory: bool = False
    supervisory_cases: tuple[int, int] = (3, 12)  # cases re-opened per checker and day
    supervisory_lookback: int = 10  # calendar days back a checked case may come from

    # moves inside docs/raw-interface.md §4.1 mid-period (転出 3 + 転入 2, same day), as a share of
    # the office staff; the April round of moves exists in every profile
    kk_transfers: float = 0.0

    # overtime: offices whose counter work runs on after 17:15 until `overtime_until`
    overtime_offices: tuple[str, ...] = ()
    overtime_until: float = 20.0  # hour of day
    overtime_share: float = 0.25  # share of those offices' sessions held after 17:15

    # 休日開庁: offices open on some Saturdays/Sundays with ordinary counter work
    weekend_offices: tuple[str, ...] = ()
    weekend_weeks: tuple[int, ...] = (2, 4)  # open on the n-th Saturday/Sunday of the month
    weekend_sunday: bool = False  # Sundays too
    weekend_volume: float = 0.5  # counter work relative to the office's working day

    # 応援: members of one ward office work at another for some days (the host's terminal and
    # department on the log, the host ward's persons)
    ouen_assignments: int = 0  # per 20 working days
    ouen_days: tuple[int, int] = (3, 10)

    # contractor maintenance: 委託 accounts (I01, role 4) run maintenance list operations daily,
    # daytime and evening, without opening persons' records
    contractor_daily: bool = False
    contractor_ops: tuple[int, int] = (20, 60)  # operations per contractor account and day

    def options(self) -> dict:
        """The profile as plain values (written into the truth's manifest)."""
        return asdict(self)


STANDARD = Profile()

PROFILES: dict[str, Profile] = {
    "standard": STANDARD,
    "worklist": replace(
        STANDARD,
        name="worklist",
        description="区役所が毎日 未納者・勧奨リストを処理し、審査担当が処理事由99で点検する",
        worklist=True,
        worklist_shori=("03", "99"),
        supervisory=True,
        kk_transfers=0.04,
    ),
    "longhours": replace(
        STANDARD,
        name="longhours",
        description="時間外(20時まで)の窓口、休日開庁、区間の応援、区間異動",
        overtime_offices=("K03", "K07"),
        weekend_offices=("K03", "K07", "S02"),
        weekend_sunday=True,
        ouen_assignments=3,
        kk_transfers=0.04,
    ),
    "outsourced": replace(
        STANDARD,
        name="outsourced",
        description="委託先の保守作業が毎日(昼・夜)、勧奨リスト処理、処理事由99の点検、区間異動",
        contractor_daily=True,
        worklist=True,
        worklist_lists=(0, 1),
        worklist_shori=("99",),
        supervisory=True,
        supervisory_cases=(2, 8),
        kk_transfers=0.04,
    ),
    "mixed": replace(
        STANDARD,
        name="mixed",
        description="全ての事務パターン: 勧奨リスト、99点検、区間異動、時間外、休日開庁、応援、委託保守",
        worklist=True,
        worklist_lists=(0, 1),
        worklist_shori=("03", "99"),
        supervisory=True,
        kk_transfers=0.04,
        overtime_offices=("K05",),
        weekend_offices=("K05", "S03"),
        ouen_assignments=2,
        contractor_daily=True,
    ),
}


def get(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UserError(
            f"unknown --profile {name!r}: choose one of {', '.join(PROFILES)}"
        ) from None
