"""`generate_city`: the whole synthetic city, written as the raw interface delivers it, with the
ground truth beside it (docs/internal-contracts.md §C)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from ..errors import UserError
from ..spec import EXTRACTS
from . import access, control_breaches
from . import filings as filings_mod
from . import misuse as misuse_mod
from . import pension as pension_mod
from . import people as people_mod
from . import profiles as profiles_mod
from . import staff as staff_mod
from .calendar import INITIAL, START, Calendar
from .eras import era
from .output import FileBreak, Output
from .rng import stream

CHANGE_EXTRACTS = (
    "atena",
    "nenkin_kihon",
    "shikaku",
    "fuka",
    "menjo",
    "saitei",
    "shotoku",
    "todokede",
)


def truth_dir(out: Path) -> Path:
    out = Path(out)
    return out.parent / f"{out.name}_truth"


def generate_city(
    out: Path,
    *,
    persons: int = 5000,
    days: int = 60,
    seed: int = 1,
    misuse: bool = False,
    bad_input: bool = False,
    profile: str = "standard",
    staff: int | None = None,
    progress: Callable[[str], None] | None = print,
) -> dict:
    """Write every extract of the raw interface into `out` and the ground truth into
    `<out>_truth/`; return the manifest. Same arguments, same bytes."""
    out = Path(out)
    if persons < 200:
        raise UserError(
            "--persons must be at least 200 (a city needs households, staff and filings)"
        )
    if staff is not None and not 20 <= staff <= 1000:
        raise UserError("--staff must be between 20 and 1000 accounts")
    prof = profiles_mod.get(profile)
    options = _options(misuse, bad_input, prof.name, staff)
    _check_target(out, persons=persons, days=days, seed=seed, options=options)
    cal = Calendar.build(days)
    say = progress or (lambda _m: None)
    say(
        f"generate: city of {persons} 宛名, {days} working days {START} .. {cal.end}, seed {seed}, "
        f"profile {prof.name}"
    )

    people = people_mod.build(seed, persons, cal, say)
    pension = pension_mod.build(seed, people, cal, say)
    n_staff = staff
    staff = staff_mod.build(seed, persons, people, cal, say, n_staff=n_staff, profile=prof)
    fl = filings_mod.build(
        seed, persons, people, pension, staff, cal, bad_input=bad_input, progress=say
    )

    breaks = _plan_breaks(cal) if bad_input else []
    o = Output(out, truth_dir(out), progress, breaks=breaks)
    try:
        bad = _Bystanders(seed, people, pension, staff, fl) if bad_input else None
        _write_change_extracts(o, people, pension, fl, cal, bad, say)
        _write_jps_lists(o, fl)
        _write_staff_extracts(o, staff, cal, bad)
        teikyo, control_truth = fl.teikyo, None
        if misuse:
            teikyo, control_truth = control_breaches.inject(seed, teikyo)
            control_truth = pl.concat([control_truth, control_breaches.leavers_truth(staff)])
        _write_teikyo(o, teikyo, bad)
        say("generate: staff, jinji_ido, terminal, teikyo_iten, jps_kekka written")
        plan = misuse_mod.plan(seed, people, staff, cal, say, profile=prof) if misuse else None
        log = access.AccessLog(
            seed,
            persons,
            people,
            pension.kihon["pidx"].to_numpy(),
            staff,
            fl,
            cal,
            plan,
            profile=prof,
            shikaku=pension.shikaku,
            target=_daily_lines(persons, staff, n_staff),
        )
        n_lines, misuse_rows = _write_access_logs(o, log, plan, bad, say)
        _write_truth(o, people, pension, fl, plan, misuse_rows, control_truth)
        manifest = {
            "seed": seed,
            "persons": persons,
            "days": days,
            "start_date": START.isoformat(),
            "end_date": cal.end.isoformat(),
            "initial_extract_date": INITIAL.isoformat(),
            "options": options,
            "profile": prof.options(),
            "reconciliation_window_days": filings_mod.WINDOW,
            "counts": {
                "atena_records": people.n,
                "pension_persons": pension.kihon.height,
                "staff_accounts": staff.staff.height,
                "filings": fl.filings.height,
                "jps_rows": fl.jps.height,
                "access_log_lines": n_lines,
            },
        }
        manifest = o.finish(manifest)
    finally:
        o.close()
    say(
        f"generate: {len(o.files)} files, {o.bytes_written / 1e6:.1f} MB in {out}; truth in {o.truth}"
    )
    return manifest


def _write_change_extracts(
    o: Output,
    people: people_mod.People,
    pension: pension_mod.Pension,
    fl: filings_mod.Filings,
    cal: Calendar,
    bad: _Bystanders | None,
    say: Callable[[str], None],
) -> None:
    """The change extracts; each extract's versions are built just before it is written
    (memory at city scale)."""
    rows = {
        "atena": lambda: people_mod.atena_rows(people, cal),
        "nenkin_kihon": lambda: _kihon_rows(pension, cal),
        "shikaku": lambda: _shikaku_rows(pension, fl, cal),
        "fuka": lambda: _fuka_rows(pension, fl),
        "menjo": lambda: _menjo_rows(pension, fl),
        "saitei": lambda: _saitei_rows(pension, fl),
        "shotoku": lambda: _shotoku_rows(pension, cal),
        "todokede": lambda: fl.todokede_rows,
    }
    for extract in CHANGE_EXTRACTS:
        damage = bad.damage if bad is not None else (lambda _e, df: df)
        _write_change(o, extract, damage(extract, rows[extract]()), cal)
        say(f"generate: {extract} written")


def _write_jps_lists(o: Output, fl: filings_mod.Filings) -> None:
    """The JPS result lists, one file a list."""
    for (d,), g in fl.jps.group_by("_deliver", maintain_order=True):
        o.write("jps_kekka", d, g.sort(pl.col("row_no").cast(pl.Int64)))


def _write_staff_extracts(
    o: Output, staff: staff_mod.Staff, cal: Calendar, bad: _Bystanders | None
) -> None:
    """The daily staff snapshots, the 人事異動 and the terminal ledger."""
    _write_staff(o, staff, cal, bad)
    for (d,), g in staff.jinji.group_by("deliver", maintain_order=True):
        o.write(
            "jinji_ido",
            d,
            g.with_columns(pl.col("effective_date").dt.strftime("%Y-%m-%d")).sort(
                "effective_date", "staff_id", "ido_type"
            ),
        )
    for d in staff.ledger_dates:
        t = staff.terminals.filter(pl.col("valid_from") <= d).with_columns(
            valid_to=pl.when(pl.col("valid_to") < d).then(pl.col("valid_to")).otherwise(None)
        )
        t = t.with_columns(
            pl.col("valid_from").dt.strftime("%Y-%m-%d"),
            pl.col("valid_to").dt.strftime("%Y-%m-%d"),
        )
        o.write("terminal", d, t.sort("terminal_id"))


def _write_teikyo(o: Output, teikyo: pl.DataFrame, bad: _Bystanders | None) -> None:
    """The 提供・移転 records (damaged first with bad input)."""
    if bad is not None:
        teikyo = bad.damage("teikyo_iten", teikyo)
    for (d,), g in teikyo.group_by("_deliver", maintain_order=True):
        o.write("teikyo_iten", d, g)


def _write_access_logs(
    o: Output,
    log: access.AccessLog,
    plan,
    bad: _Bystanders | None,
    say: Callable[[str], None],
) -> tuple[int, list[pl.DataFrame]]:
    """The access logs, streamed day by day; returns the number of lines and the lines of the
    misuse episodes (log_id, episode, staff_id)."""
    misuse_rows: list[pl.DataFrame] = []
    n_lines = 0

    def write_day(d: dt.date, df: pl.DataFrame, episodes: np.ndarray) -> None:
        nonlocal n_lines
        if plan is not None and (episodes >= 0).any():
            m = episodes >= 0
            misuse_rows.append(
                pl.DataFrame(
                    {
                        "log_id": df["log_id"].filter(pl.Series(m)),
                        "episode": episodes[m],
                        "staff_id": df["staff_id"].filter(pl.Series(m)),
                    }
                )
            )
        if bad is not None:
            df = bad.damage_log(d, df, episodes)
        o.write("access_log", d, df)
        n_lines += df.height

    access.run(log, write_day, say)
    say(f"generate: access_log written ({n_lines} lines)")
    return n_lines, misuse_rows


def _write_truth(
    o: Output,
    people: people_mod.People,
    pension: pension_mod.Pension,
    fl: filings_mod.Filings,
    plan,
    misuse_rows: list[pl.DataFrame],
    control_truth: pl.DataFrame | None,
) -> None:
    """The ground truth files beside the inbox (the control breaches' with misuse)."""
    o.write_truth_csv("reconciliation.csv", fl.reconciliation)
    o.write_truth_csv(
        "exemption_checks.csv",
        fl.exemption_checks.with_columns(
            pl.col("expect_disagreement").cast(pl.String).str.to_lowercase()
        ),
    )
    o.write_truth_csv("misuse.csv", _misuse_truth(plan, misuse_rows))
    if control_truth is not None:
        o.write_truth_csv(control_breaches.TRUTH_FILE, control_truth)
    o.write_truth_csv("persons.csv", _persons_truth(people, pension))


def _check_target(out: Path, **args) -> None:
    """Generate into a new or empty folder, or over the very same city (same arguments: the
    same bytes again). Anything else would mix two cities in one inbox."""
    if not out.exists() or not any(p for p in out.iterdir() if not p.name.startswith(".")):
        return
    manifest = truth_dir(out) / "manifest.json"
    if manifest.is_file():
        import json

        m = json.loads(manifest.read_text(encoding="utf-8"))
        same = (
            m.get("persons") == args["persons"]
            and m.get("days") == args["days"]
            and m.get("seed") == args["seed"]
            and m.get("options") == args["options"]
        )
        if same:
            return
    raise UserError(
        f"{out} is not empty and holds no city generated with these arguments: generate into a "
        "new or empty folder"
    )


def _options(misuse: bool, bad_input: bool, profile: str, staff: int | None) -> dict:
    """The generation options as the manifest records them."""
    opts: dict = {"misuse": bool(misuse), "bad_input": bool(bad_input), "profile": profile}
    if staff is not None:
        opts["staff"] = int(staff)
    return opts


def _daily_lines(persons: int, staff, n_staff: int | None) -> int:
    """Access-log lines of a working day: 7% of the 宛名 count, and with an explicit staff count
    at least 40 per office account (a large office in a small city works as much as its size)."""
    base = max(60, int(persons * 0.07))
    if n_staff is None:
        return base
    office = int(staff.staff["home_dept"].is_in(list(staff_mod.OFFICE_DEPTS)).sum())
    return max(base, 40 * office)


# -------------------------------------------------------------------- change extract writing
def _write_change(o: Output, extract: str, df: pl.DataFrame, cal: Calendar) -> None:
    """Initial full set (latest version per key as of INITIAL, all I) and one change file per
    extract date holding that day's versions."""
    key = list(EXTRACTS[extract].key)
    df = df.with_columns(
        change_type=pl.col("_ct"),
        changed_at=pl.col("_changed_at").dt.strftime("%Y-%m-%d %H:%M:%S"),
    )
    init = df.filter(pl.col("_deliver") <= INITIAL)
    later = df.filter(pl.col("_deliver") > INITIAL)
    del df
    if init.height:
        dup = init.select(pl.struct(key).is_duplicated().any()).item()
        if dup or (init["_ct"] == "D").any():
            init = (
                init.sort("_changed_at")
                .unique(subset=key, keep="last", maintain_order=True)
                .filter(pl.col("_ct") != "D")
            )
        init = init.with_columns(change_type=pl.lit("I"))
        if len(key) > 1 or not init[key[0]].is_sorted():
            init = init.sort(key)
        o.write(extract, INITIAL, init)
    for (d,), g in later.sort("_deliver", "_changed_at", *key).group_by(
        "_deliver", maintain_order=True
    ):
        o.write(extract, d, g)


def _kihon_rows(pension, cal: Calendar) -> pl.DataFrame:
    act = np.array(cal.activity, dtype="datetime64[D]")
    r = pension.kihon_rows
    day = r["_day"].to_numpy()
    deliver = np.where(day >= 0, act[np.maximum(day, 0)], np.datetime64(INITIAL))
    return r.with_columns(_deliver=pl.Series(deliver).cast(pl.Date))


def _deliver_from_changed(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        _deliver=pl.when(pl.col("_changed_at").dt.date() <= INITIAL)
        .then(pl.lit(INITIAL))
        .otherwise(pl.col("_changed_at").dt.date())
    )


def _text_dates(df: pl.DataFrame, cols: tuple[str, ...]) -> pl.DataFrame:
    return df.with_columns([pl.Series(c, era(df[c].to_numpy())).fill_null("") for c in cols])


def _shikaku_rows(pension, fl, cal: Calendar) -> pl.DataFrame:
    s = _text_dates(pension.shikaku, ("shutoku_date", "soshitsu_date"))
    act = np.array(cal.activity, dtype="datetime64[D]")
    day = s["day"].to_numpy()
    s = s.with_columns(
        seq=pl.col("seq").cast(pl.String),
        shutoku_riyu=pl.lit(""),
        soshitsu_riyu=pl.lit(""),
        _changed_at=pl.col("created_at"),
        _ct=pl.lit("I"),
        _deliver=pl.Series(
            np.where(day >= 0, act[np.maximum(day, 0)], np.datetime64(INITIAL))
        ).cast(pl.Date),
    )
    cols = [c for c in EXTRACTS["shikaku"].columns if c not in ("change_type", "changed_at")]
    base = s.select(cols + ["_changed_at", "_ct", "_deliver"])
    return pl.concat([base, _deliver_from_changed(fl.change_rows["shikaku"]).select(base.columns)])


def _fuka_rows(pension, fl) -> pl.DataFrame:
    f = pension.fuka
    changed = pl.coalesce("dattai_date", "kanyu_date").cast(pl.Datetime("ms")) + pl.duration(
        hours=10, days=1
    )
    f = f.with_columns(_changed_at=changed)
    f = _text_dates(f, ("kanyu_date", "dattai_date")).with_columns(
        _ct=pl.lit("I"), _deliver=pl.lit(INITIAL)
    )
    cols = [c for c in EXTRACTS["fuka"].columns if c not in ("change_type", "changed_at")]
    base = f.select(cols + ["_changed_at", "_ct", "_deliver"])
    return pl.concat([base, _deliver_from_changed(fl.change_rows["fuka"]).select(base.columns)])


def _menjo_rows(pension, fl) -> pl.DataFrame:
    m = pension.menjo.with_columns(
        _changed_at=pl.col("kekka_date").cast(pl.Datetime("ms")) + pl.duration(hours=11),
    )
    m = _text_dates(
        m,
        (
            "shinsei_date",
            "kikan_from",
            "kikan_to",
            "kekka_date",
            "shuryo_date",
            "homen_shometsu_date",
            "sofu_date",
        ),
    )
    m = m.with_columns(
        nendo=pl.col("nendo").cast(pl.String), _ct=pl.lit("I"), _deliver=pl.lit(INITIAL)
    )
    cols = [c for c in EXTRACTS["menjo"].columns if c not in ("change_type", "changed_at")]
    base = m.select(cols + ["_changed_at", "_ct", "_deliver"])
    return pl.concat([base, _deliver_from_changed(fl.change_rows["menjo"]).select(base.columns)])


def _saitei_rows(pension, fl) -> pl.DataFrame:
    s = pension.saitei.with_columns(
        seikyusha_atena_no=pl.col("atena_no"),
        _changed_at=pl.col("seikyu_date").cast(pl.Datetime("ms")) + pl.duration(hours=14),
    )
    s = _text_dates(s, ("seikyu_date",)).with_columns(_ct=pl.lit("I"), _deliver=pl.lit(INITIAL))
    cols = [c for c in EXTRACTS["saitei"].columns if c not in ("change_type", "changed_at")]
    base = s.select(cols + ["_changed_at", "_ct", "_deliver"])
    return pl.concat([base, _deliver_from_changed(fl.change_rows["saitei"]).select(base.columns)])


def _shotoku_rows(pension, cal: Calendar) -> pl.DataFrame:
    s = pension.shotoku
    act = np.array(cal.activity, dtype="datetime64[D]")
    day = s["_day"].to_numpy()
    cols = [c for c in EXTRACTS["shotoku"].columns if c not in ("change_type", "changed_at")]
    return s.with_columns(
        [pl.col(c).cast(pl.String) for c in cols if c != "atena_no"]
        + [
            pl.lit("I").alias("_ct"),
            pl.Series(
                "_deliver", np.where(day >= 0, act[np.maximum(day, 0)], np.datetime64(INITIAL))
            ).cast(pl.Date),
        ]
    ).select(cols + ["_changed_at", "_ct", "_deliver"] + (["pidx"] if "pidx" in s.columns else []))


def _write_staff(o: Output, staff, cal: Calendar, bad) -> None:
    st = staff.staff
    per = staff.periods.join(st, on="sidx", how="left", maintain_order="left")
    for d in cal.calendar:
        snap = per.filter((pl.col("p_from") <= d) & (pl.col("p_to") > d)).sort("sidx")
        df = snap.select(
            pl.lit(d.isoformat()).alias("snapshot_date"),
            "staff_id",
            "staff_atena_no",
            pl.col("dept").alias("dept_code"),
            "role",
            pl.col("kengen").alias("kojin_no_kengen"),
            pl.col("status").alias("account_status"),
            pl.col("valid_from").dt.strftime("%Y-%m-%d"),
            pl.col("valid_to").dt.strftime("%Y-%m-%d"),
            "contractor_code",
        )
        if bad is not None:
            df = bad.damage_staff(d, df)
        o.write("staff", d, df)


def _plan_breaks(cal: Calendar) -> list[FileBreak]:
    def day(k: int) -> dt.date:
        return cal.activity[min(k, cal.days - 1)]

    return [
        FileBreak("access_log", "wrong_trailer_count", day(1)),
        FileBreak("staff", "bad_encoding", day(2)),
        FileBreak("todokede", "missing_trailer", day(3)),
        FileBreak("atena", "malformed_csv", day(4)),
        FileBreak("access_log", "duplicate", day(5)),
        FileBreak("jps_kekka", "bad_header", START),
        FileBreak("teikyo_iten", "bad_name", START),
        FileBreak("terminal", "utf8_bom", START),
        FileBreak("staff", "empty_file", day(7)),
    ]


# -------------------------------------------------------------------- bad rows of bystanders
class _Bystanders:
    """Row-level problems injected into records nothing else in the truth depends on."""

    def __init__(self, seed: int, people, pension, staff, fl) -> None:
        self.rng = stream(seed, "bad", "rows")
        df = people.df
        involved = set(fl.filings["pidx"].to_list()) | set(fl.jps["_pidx"].to_list())
        involved |= set(int(x) for x in staff.staff["atena_pidx"].to_list() if x >= 0)
        kh = pension.kihon
        pen = set(kh["pidx"].to_list())
        ok = (
            (df["group"] == people_mod.G_RES)
            & (df["event"] == people_mod.EV_NONE)
            & ~df["protected"]
        ).to_numpy()
        cand = [int(p) for p in np.flatnonzero(ok) if p not in involved and p not in pen]
        self.atena_victims = [cand[int(i)] for i in self.rng.permutation(len(cand))[:5]]
        changed = set(pension.kihon_rows.filter(pl.col("_ct") == "U")["_pidx"].to_list())
        kcand = [
            int(p)
            for p in kh.filter(pl.col("day") < 0)["pidx"].to_list()
            if p not in involved and p not in changed
        ]
        self.kihon_victim = kcand[int(self.rng.integers(0, len(kcand)))] if kcand else None
        self.log_days: dict[int, tuple[str, str, str]] = {}
        self.log_specs = [
            ("accessed_at", "2026-04-31 10:15:00", "invalid_timestamp"),
            ("operation", "07", "unknown_code"),
            ("log_id", "", "missing_value"),
            ("atena_no", "123456789", "invalid_id"),
            ("hit_count", "1O", "invalid_number"),
        ]
        self.log_done = 0
        self.staff_done = False

    @staticmethod
    def _mark(df: pl.DataFrame, idx: int, col: str, value: str, code: str) -> pl.DataFrame:
        if "_bad_code" not in df.columns:
            df = df.with_columns(_bad_code=pl.lit(""), _bad_column=pl.lit(""), _bad_note=pl.lit(""))
        note = f"injected: {col} = {value!r}"

        def put(name: str, v: str) -> pl.Series:
            return df[name].cast(pl.String).clone().scatter(idx, v)

        return df.with_columns(
            put(col, value), put("_bad_code", code), put("_bad_column", col), put("_bad_note", note)
        )

    def damage(self, extract: str, df: pl.DataFrame) -> pl.DataFrame:
        if extract == "atena":
            specs = [
                ("birth_date", "4310501", "invalid_era_date"),
                ("birth_date", "3640108", "invalid_era_date"),
                ("sex", "3", "unknown_code"),
                ("kojin_no", None, "invalid_kojin_no"),
                ("kojin_no", "12345678901", "invalid_kojin_no"),
            ]
            for p, (col, val, code) in zip(self.atena_victims, specs, strict=False):
                i = int(
                    np.flatnonzero((df["_pidx"] == p).to_numpy() & (df["_ct"] == "I").to_numpy())[0]
                )
                if val is None:
                    good = df["kojin_no"][i]
                    val = good[:11] + str((int(good[11]) + 1) % 10)
                df = self._mark(df, i, col, val, code)
            # a 死亡 change with an impossible date (the person stays alive in staging)
            u = np.flatnonzero(
                (df["_ct"] == "U").to_numpy() & (df["shojo_jiyu"] == "01").to_numpy()
            )
            if len(u):
                df = self._mark(df, int(u[0]), "shojo_date", "5080230", "invalid_era_date")
            return df
        if extract == "nenkin_kihon":
            if self.kihon_victim is not None:
                i = int(np.flatnonzero((df["_pidx"] == self.kihon_victim).to_numpy())[0])
                df = self._mark(df, i, "kiso_nenkin_no", "12345", "invalid_kiso_nenkin_no")
            u = np.flatnonzero((df["_ct"] == "U").to_numpy())
            if len(u):
                df = self._mark(df, int(u[-1]), "_ct", "X", "invalid_change_type")
                df = df.with_columns(
                    _bad_column=pl.when(pl.col("_bad_column") == "_ct")
                    .then(pl.lit("change_type"))
                    .otherwise(pl.col("_bad_column"))
                )
            return df
        if extract in ("shikaku", "fuka", "menjo", "saitei", "shotoku"):
            init = np.flatnonzero((df["_deliver"] <= INITIAL).to_numpy())
            if not len(init):
                return df
            i = int(init[len(init) // 2])
            col, val, code = {
                "shikaku": ("shubetsu", "2", "unknown_code"),
                "fuka": ("kanyu_date", "4310501", "invalid_era_date"),
                "menjo": ("nendo", "R7", "invalid_number"),
                "saitei": ("nenkin_kbn", "5", "unknown_code"),
                "shotoku": ("gokei_shotoku", "12O0000", "invalid_number"),
            }[extract]
            if extract == "shotoku":
                i = int(np.flatnonzero((df["nendo"] == "2024").to_numpy())[0])
            if extract in ("shikaku", "fuka", "menjo"):
                # only a record with a single version (so the damage does not just
                # promote an older row)
                keys = list(EXTRACTS[extract].key)
                cnt = df.group_by(keys).len()
                single = (
                    df.with_row_index("_i")
                    .join(cnt, on=keys, how="left", maintain_order="left")
                    .filter((pl.col("len") == 1) & (pl.col("_deliver") <= INITIAL))["_i"]
                    .to_numpy()
                )
                if not len(single):
                    return df
                i = int(single[len(single) // 2])
            return self._mark(df, i, col, val, code)
        if extract == "teikyo_iten":
            return self._mark(df, df.height // 2, "recipient_code", "ZEIMU", "unknown_code")
        return df

    def damage_staff(self, d: dt.date, df: pl.DataFrame) -> pl.DataFrame:
        if self.staff_done or d < START + dt.timedelta(days=5) or df.height < 2:
            return df
        self.staff_done = True
        return self._mark(df, df.height - 1, "valid_from", "2026-02-30", "invalid_iso_date")

    def damage_log(self, d: dt.date, df: pl.DataFrame, episodes: np.ndarray) -> pl.DataFrame:
        if self.log_done >= len(self.log_specs) or d.weekday() >= 5 or df.height < 50:
            return df
        col, val, code = self.log_specs[self.log_done]
        ok = episodes < 0
        if col == "hit_count":
            ok &= df["hit_count"].is_not_null().to_numpy()
        if col == "atena_no":
            ok &= df["atena_no"].is_not_null().to_numpy()
        cand = np.flatnonzero(ok)
        if not len(cand):
            return df
        self.log_done += 1
        return self._mark(df, int(cand[len(cand) // 3]), col, val, code)


# -------------------------------------------------------------------- truth helpers
def _misuse_truth(plan, parts: list[pl.DataFrame]) -> pl.DataFrame:
    """One row per misuse line: its episode, scenario, member and the episode's first day."""
    schema = {
        "log_id": pl.String,
        "episode_id": pl.String,
        "scenario": pl.String,
        "staff_id": pl.String,
        "episode_start": pl.String,
    }
    if plan is None or not parts:
        return pl.DataFrame(schema=schema)
    df = pl.concat(parts)
    eps = plan.episodes.select(
        "episode", "episode_id", "scenario", pl.col("start").dt.strftime("%Y-%m-%d")
    )
    return (
        df.join(eps, on="episode", how="left")
        .select(
            "log_id", "episode_id", "scenario", "staff_id", pl.col("start").alias("episode_start")
        )
        .sort("log_id")
    )


def _persons_truth(people, pension) -> pl.DataFrame:
    df = people.df
    kh = pension.kihon
    tel = pl.concat([kh["tel"], pension.kihon_rows["tel"]])
    parts = [
        ("kojin_no", df["kojin_no"]),
        ("kiso_nenkin_no", kh["kiso_nenkin_no"]),
        ("atena_no", df["atena_no"]),
        ("setai_no", df["setai_no"]),
        ("shimei", df["shimei"]),
        ("shimei_kana", df["shimei_kana"]),
        ("address", pl.concat([df["address"], df["new_address"]])),
        ("tel", tel),
        ("birth_date_era", era(df["birth"].to_numpy())),
        ("birth_date_iso", df["birth"].dt.strftime("%Y-%m-%d")),
    ]
    frames = [
        pl.DataFrame({"kind": k, "value": v.cast(pl.String)})
        .filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
        .unique(maintain_order=True)
        for k, v in parts
    ]
    return pl.concat(frames)
