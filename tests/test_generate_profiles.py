"""Office-practice profiles of the generator and the injected misuse: every profile makes a valid
city, the same (seed, profile) the same bytes, each profile's behaviour is visible in the files
(read back with Python's csv module, not the loader), and every misuse scenario is labelled."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from nenkin_audit.errors import UserError
from nenkin_audit.generate import generate_city
from nenkin_audit.generate.calendar import is_working_day
from nenkin_audit.generate.misuse import SCENARIOS
from nenkin_audit.generate.practice import weekend_open
from nenkin_audit.generate.profiles import PROFILES
from nenkin_audit.spec import EXTRACTS, FILE_NAME_RE

SMALL = {"persons": 3000, "days": 20, "seed": 2, "misuse": True}


def _read(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    text = data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("cp932")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[-1][0] == "TRAILER" and int(rows[-1][1]) == len(rows) - 2
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:-1]]


def _rows(inbox: Path, extract: str) -> list[dict[str, str]]:
    out = []
    for p in sorted(inbox.glob(f"{extract}_*.csv")):
        m = FILE_NAME_RE.match(p.name)
        if m and m.group(1) == extract:
            out.extend(_read(p))
    return out


def _truth(truth: Path) -> list[dict[str, str]]:
    with open(truth / "misuse.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


class City:
    def __init__(self, root: Path, profile: str):
        self.inbox = root / profile
        self.truth = root / f"{profile}_truth"
        generate_city(self.inbox, profile=profile, progress=None, **SMALL)
        self.log = _rows(self.inbox, "access_log")
        self.misuse = _truth(self.truth)
        self.misuse_ids = {m["log_id"] for m in self.misuse}
        self.clean = [r for r in self.log if r["log_id"] not in self.misuse_ids]
        self.staff = {(r["snapshot_date"], r["staff_id"]): r for r in _rows(self.inbox, "staff")}
        self.jinji = _rows(self.inbox, "jinji_ido")
        self.manifest = json.loads((self.truth / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cities(tmp_path_factory) -> dict[str, City]:
    root = tmp_path_factory.mktemp("profiles")
    return {name: City(root, name) for name in PROFILES}


def _hour(r: dict[str, str]) -> float:
    t = dt.datetime.fromisoformat(r["accessed_at"])
    return t.hour + t.minute / 60


# ------------------------------------------------------------------------------ every profile
def test_every_profile_generates_a_raw_interface_city(cities) -> None:
    assert {"standard", "worklist", "longhours", "outsourced"} <= set(cities)
    for name, c in cities.items():
        assert c.manifest["options"]["profile"] == name
        assert c.manifest["profile"]["name"] == name
        for r in c.log[:2000]:
            assert list(r) == list(EXTRACTS["access_log"].columns)
            assert r["shori_jiyu"] in ("01", "02", "03", "04", "05", "06", "07", "08", "09", "99")
            assert r["operation"] in ("01", "02", "03", "04", "05")
            if r["operation"] == "03":
                assert r["atena_no"] == "" and r["hit_count"] != ""
        # outside misuse, 個人番号表示 only by accounts allowed to display it that day
        for r in c.clean:
            if r["operation"] == "05":
                s = c.staff[(r["accessed_at"][:10], r["staff_id"])]
                assert s["kojin_no_kengen"] == "1", (name, r)


def test_unknown_profile_is_refused(tmp_path) -> None:
    with pytest.raises(UserError, match="--profile"):
        generate_city(tmp_path / "x", profile="nope", progress=None, persons=1000, days=3)


def test_same_seed_and_profile_give_the_same_bytes(tmp_path, cities) -> None:
    again = tmp_path / "worklist"
    generate_city(again, profile="worklist", progress=None, **SMALL)
    first = cities["worklist"].inbox
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for n in names:
        assert (first / n).read_bytes() == (again / n).read_bytes(), n
    truth = cities["worklist"].truth
    for n in ("misuse.csv", "manifest.json"):
        assert (truth / n).read_bytes() == (tmp_path / "worklist_truth" / n).read_bytes()
    std = cities["standard"].inbox
    day = next(iter(sorted(first.glob("access_log_*"))))
    assert day.read_bytes() != (std / day.name).read_bytes()


# ------------------------------------------------------------------------------ personnel
def test_moves_between_departments_are_a_transfer_out_and_in_on_one_day(cities) -> None:
    for name in ("standard", "worklist", "longhours", "outsourced"):
        c = cities[name]
        by = defaultdict(list)
        for r in c.jinji:
            by[(r["staff_id"], r["effective_date"])].append(r)
        moves = [
            (k, v) for k, v in by.items() if any(r["ido_type"] == "3" and r["to_dept"] for r in v)
        ]
        assert moves, name
        for (sid, eff), v in moves:
            kinds = {r["ido_type"]: r for r in v}
            assert set(kinds) == {"2", "3"}, v
            assert kinds["2"]["from_dept"] == kinds["3"]["from_dept"] != ""
            assert kinds["2"]["to_dept"] == kinds["3"]["to_dept"] != ""
            snap = c.staff.get((eff, sid))
            if snap is not None:
                assert snap["dept_code"] == kinds["2"]["to_dept"]
                assert snap["account_status"] == "1"
        kinds = Counter(r["ido_type"] for r in c.jinji)
        # real departures remain: 退職, 転出 out of docs/raw-interface.md §4.1, leave and return
        assert kinds["4"] and any(r["ido_type"] == "3" and not r["to_dept"] for r in c.jinji)
    # mid-period moves (after the April round) in the profiles that switch them on
    mid = [
        r
        for r in cities["worklist"].jinji
        if r["ido_type"] == "3" and r["to_dept"] and r["effective_date"] > "2026-04-01"
    ]
    assert mid
    for r in mid:
        day_before = (dt.date.fromisoformat(r["effective_date"]) - dt.timedelta(days=1)).isoformat()
        assert cities["worklist"].staff[(day_before, r["staff_id"])]["dept_code"] == r["from_dept"]


def test_after_transfer_misuse_follows_only_departures_out_of_the_departments(cities) -> None:
    for c in cities.values():
        left = {
            r["staff_id"]
            for r in c.jinji
            if (r["ido_type"] == "3" and not r["to_dept"]) or r["ido_type"] == "4"
        }
        movers = {r["staff_id"] for r in c.jinji if r["ido_type"] == "3" and r["to_dept"]}
        for m in c.misuse:
            if m["scenario"] in ("after_transfer", "after_retirement"):
                assert m["staff_id"] in left and m["staff_id"] not in movers


# ------------------------------------------------------------------------------ practices
def test_worklist_offices_search_a_list_and_open_first_insured_persons(cities) -> None:
    c = cities["worklist"]
    days = sorted({r["accessed_at"][:10] for r in c.clean})
    work = [d for d in days if is_working_day(dt.date.fromisoformat(d))]
    lists = [r for r in c.clean if r["operation"] == "03" and r["screen_id"] == "NK0900"]
    for d in work:
        offices = {r["dept_code"] for r in lists if r["accessed_at"][:10] == d}
        assert sum(o.startswith("K") for o in offices) >= 8, d
    assert {r["shori_jiyu"] for r in lists} >= {"03", "99"}
    views = [r for r in c.clean if r["screen_id"] == "NK0120" and r["operation"] == "01"]
    assert len(views) > 5 * len(work)
    std = cities["standard"]
    assert sum(r["screen_id"] == "NK0120" for r in std.clean) < len(views) / 3


def test_supervisors_reopen_colleagues_cases_under_reason_99(cities) -> None:
    c = cities["worklist"]
    checks = [
        r
        for r in c.clean
        if r["shori_jiyu"] == "99" and r["screen_id"] == "NK0110" and r["atena_no"]
    ]
    assert len(checks) > 20
    roles = {c.staff[(r["accessed_at"][:10], r["staff_id"])]["role"] for r in checks}
    assert roles <= {"2", "3"}
    assert not any(
        r["shori_jiyu"] == "99" and r["screen_id"] == "NK0110" for r in cities["standard"].clean
    )


def test_overtime_office_works_until_20(cities) -> None:
    c = cities["longhours"]
    offices = set(PROFILES["longhours"].overtime_offices)
    late = [r for r in c.clean if r["dept_code"] in offices and 17.5 <= _hour(r) < 20]
    assert len(late) > 50
    assert all(_hour(r) < 20 for r in c.clean if r["dept_code"] in offices)
    for name in ("longhours", "standard"):
        others = [
            r
            for r in cities[name].clean
            if r["dept_code"].startswith("K")
            and r["dept_code"] not in offices
            and 18 <= _hour(r) < 24
        ]
        assert not others, others[:3]


def test_weekend_opening_has_counter_work_only_on_open_days(cities) -> None:
    c = cities["longhours"]
    prof = PROFILES["longhours"]
    weekend = [
        r
        for r in c.clean
        if dt.date.fromisoformat(r["accessed_at"][:10]).weekday() >= 5
        and r["dept_code"] in {d for d in prof.weekend_offices}
    ]
    assert weekend and all(r["atena_no"] for r in weekend)
    assert all(weekend_open(prof, dt.date.fromisoformat(r["accessed_at"][:10])) for r in weekend)
    assert {r["accessed_at"][:10] for r in weekend} >= {"2026-04-11", "2026-04-12"}
    std = [
        r
        for r in cities["standard"].clean
        if dt.date.fromisoformat(r["accessed_at"][:10]).weekday() >= 5 and r["atena_no"]
    ]
    assert not std


def test_ouen_members_work_at_another_office(cities) -> None:
    c = cities["longhours"]
    away = {
        (r["accessed_at"][:10], r["staff_id"], r["dept_code"])
        for r in c.clean
        if c.staff[(r["accessed_at"][:10], r["staff_id"])]["dept_code"] != r["dept_code"]
    }
    assert len({(d, s) for d, s, _ in away}) >= 3
    assert all(dept.startswith("K") for _, _, dept in away)
    std = cities["standard"]
    assert all(
        std.staff[(r["accessed_at"][:10], r["staff_id"])]["dept_code"] == r["dept_code"]
        for r in std.clean
    )


def test_contractors_run_maintenance_every_day_without_opening_records(cities) -> None:
    c = cities["outsourced"]
    maint = [r for r in c.clean if r["dept_code"] == "I01"]
    assert all(r["operation"] == "03" and not r["atena_no"] for r in maint)
    days = sorted({r["accessed_at"][:10] for r in c.log})
    work = [d for d in days if is_working_day(dt.date.fromisoformat(d))]
    for d in work:
        hours = [_hour(r) for r in maint if r["accessed_at"][:10] == d]
        assert any(h < 17 for h in hours) and any(h >= 18 for h in hours), d
    std_days = {r["accessed_at"][:10] for r in cities["standard"].clean if r["dept_code"] == "I01"}
    assert len(std_days) < len(work)


# ------------------------------------------------------------------------------ misuse
def test_every_misuse_scenario_is_labelled_with_its_start(cities) -> None:
    log_day = {}
    for name, c in cities.items():
        log_day = {r["log_id"]: r["accessed_at"][:10] for r in c.log}
        eps = defaultdict(list)
        for m in c.misuse:
            eps[m["episode_id"]].append(m)
        assert {ms[0]["scenario"] for ms in eps.values()} == set(SCENARIOS), name
        for ms in eps.values():
            assert len({m["episode_start"] for m in ms}) == 1
            assert ms[0]["episode_start"] == min(log_day[m["log_id"]] for m in ms)


def test_new_misuse_scenarios_do_what_they_say(cities) -> None:
    c = cities["worklist"]
    by_id = {r["log_id"]: r for r in c.log}
    staff_atena = {sid: r["staff_atena_no"] for (_, sid), r in c.staff.items()}
    eps = defaultdict(list)
    for m in c.misuse:
        eps[(m["scenario"], m["episode_id"])].append(by_id[m["log_id"]])
    for (scen, _), lines in eps.items():
        if scen == "own_record":
            assert all(r["atena_no"] == staff_atena[r["staff_id"]] for r in lines)
        if scen == "number_display_no_right":
            for r in lines:
                assert r["operation"] == "05"
                assert c.staff[(r["accessed_at"][:10], r["staff_id"])]["kojin_no_kengen"] == "0"
        if scen in ("slow_browsing", "repeat_subject"):
            days = {r["accessed_at"][:10] for r in lines}
            assert len(days) >= 3 and len({r["staff_id"] for r in lines}) == 1
            per_day = Counter(r["accessed_at"][:10] for r in lines)
            assert max(per_day.values()) <= 3
        if scen == "repeat_subject":
            assert len({r["atena_no"] for r in lines}) == 1


def test_a_60_day_city_has_at_least_three_episodes_of_each_scenario(tmp_path) -> None:
    generate_city(tmp_path / "c", persons=1500, days=60, seed=7, misuse=True, progress=None)
    eps = {(m["episode_id"], m["scenario"]) for m in _truth(tmp_path / "c_truth")}
    counts = Counter(s for _, s in eps)
    assert set(counts) == set(SCENARIOS)
    assert min(counts.values()) >= 3, counts
