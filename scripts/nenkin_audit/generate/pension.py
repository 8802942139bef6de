"""国民年金 side of the city: who is a pension person, 基礎年金番号, 資格 history, 付加, 免除,
裁定 claims and the income the tax system holds for them (at START; the period's changes that
follow from filings are made in `filings`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from ..spec import EXTRACTS
from . import vocab
from .calendar import INITIAL, START, Calendar
from .people import G_ARR, G_HIST, G_JUTO, G_RES, People, age_on
from .rng import pick, stream

NAT_D = np.datetime64("NaT", "D")
KOKUNEN_START = np.datetime64("1961-04-01")

# profiles of pension persons
P_FIRST_OPEN, P_THIRD_OPEN, P_CLOSED_2GO, P_6064, P_RECEIVER, P_NINI_OPEN, P_ARRIVAL = range(7)

# The income items: the shotoku record without its key (atena_no, nendo) and change columns.
SHOTOKU_COLS = EXTRACTS["shotoku"].columns[2:-2]


@dataclass
class Pension:
    kihon: pl.DataFrame  # one row per pension person: pidx, atena_no, kojin_no, kiso_nenkin_no ...
    kihon_rows: pl.DataFrame  # nenkin_kihon versions (strings + _day, _changed_at, _ct)
    shikaku: pl.DataFrame  # periods at START (typed): pidx, kiso, seq, shubetsu, dates ...
    fuka: pl.DataFrame  # pidx, kiso, kanyu, dattai
    menjo: pl.DataFrame  # initial exemption records (typed)
    saitei: pl.DataFrame  # initial claims (typed)
    shotoku: pl.DataFrame  # pidx, atena_no, nendo, SHOTOKU_COLS (ints), _day


def _date_add_years(d: np.ndarray, years: int) -> np.ndarray:
    """Anniversary `years` later (29 Feb → 1 Mar)."""
    y = d.astype("datetime64[Y]")
    offset = d - y.astype("datetime64[D]")
    return (y + np.timedelta64(years, "Y")).astype("datetime64[D]") + offset


def _between(rng, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    span = np.maximum((hi - lo).astype(np.int64), 1)
    return lo + (rng.random(len(lo)) * span).astype(np.int64).astype("timedelta64[D]")


def _stamp_before(rng, d: np.ndarray) -> np.ndarray:
    """A business-hours timestamp on day d."""
    return d.astype("datetime64[ms]") + (rng.integers(9 * 3600, 17 * 3600, len(d)) * 1000).astype(
        "timedelta64[ms]"
    )


def _s(values) -> pl.Series:
    """A string column (also when empty)."""
    if isinstance(values, pl.Series):
        return values.cast(pl.String)
    arr = np.asarray(values)
    return pl.Series(arr.astype(str) if arr.dtype != object else arr.tolist(), dtype=pl.String)


def kiso_hyphenated(kiso: pl.Series) -> pl.Series:
    return kiso.str.slice(0, 4) + "-" + kiso.str.slice(4, 6)


def tel_numbers(rng, n: int) -> np.ndarray:
    mobile = rng.random(n) < 0.55
    pre = np.where(mobile, np.array(["090", "080", "070"])[rng.integers(0, 3, n)], "048")
    a = np.where(mobile, rng.integers(1000, 9999, n), rng.integers(200, 999, n))
    b = rng.integers(0, 9999, n)
    s = (
        pl.Series(pre)
        + "-"
        + pl.Series(a).cast(pl.String)
        + "-"
        + pl.Series(b).cast(pl.String).str.zfill(4)
    )
    return s.to_numpy()


def build(seed: int, people: People, cal: Calendar, progress=None) -> Pension:
    rng = stream(seed, "pension")
    df = people.df
    age = age_on(df["birth"].to_numpy().astype("datetime64[D]"), START)
    profile = _profiles(rng, df, age)
    ins = _Insured.of(df, age, np.flatnonzero(profile >= 0), profile)
    act = np.array(cal.activity, dtype="datetime64[D]")
    kihon, kiso = _kihon(rng, df, ins, cal, act)
    ins = replace(ins, kiso_np=kiso.to_numpy())
    kihon_rows = _kihon_versions(rng, kihon, kiso, cal, act)
    shikaku = _shikaku(rng, ins, kihon, act)
    fuka = _fuka(rng, ins)
    menjo = _menjo_history(rng, ins)
    saitei = _saitei_history(rng, ins)
    shotoku = income_frame(rng, kihon, cal)
    if progress:
        progress(
            f"generate: {ins.k} pension persons, {shikaku.height} 資格 periods, "
            f"{menjo.height} 免除, {saitei.height} 裁定, {shotoku.height} 所得"
        )
    return Pension(
        kihon=kihon,
        kihon_rows=kihon_rows,
        shikaku=shikaku,
        fuka=fuka,
        menjo=menjo,
        saitei=saitei,
        shotoku=shotoku,
    )


def _profiles(rng, df: pl.DataFrame, age: np.ndarray) -> np.ndarray:
    """The pension profile (P_*) of each 宛名 record, -1 for none: working-age first-号 and
    third-号 insured, closed second-号 periods, 60-64 voluntary, receivers (also among former
    residents and every 明治 birth), and arrivals of the period."""
    group = df["group"].to_numpy()
    birth = df["birth"].to_numpy().astype("datetime64[D]")
    zoku = df["zokugara"].to_numpy()
    n = len(group)
    u = rng.random(n)
    profile = np.full(n, -1)
    res_like = (group == G_RES) | (group == G_JUTO)
    working = res_like & (age >= 20) & (age <= 59) & (u < np.where(group == G_JUTO, 0.2, 0.30))
    u2 = rng.random(n)
    profile[working] = P_FIRST_OPEN
    profile[working & (zoku == "妻") & (u2 < 0.5)] = P_THIRD_OPEN
    profile[working & (profile == P_FIRST_OPEN) & (u2 > 0.85)] = P_CLOSED_2GO
    m6064 = res_like & (age >= 60) & (age <= 64) & (u < 0.25)
    profile[m6064] = np.where(u2[m6064] < 0.3, P_NINI_OPEN, P_6064)
    recv = res_like & (age >= 65) & (u < 0.40)
    profile[recv] = P_RECEIVER
    hist = (group == G_HIST) & (age >= 65) & (u < 0.15)
    meiji = (group == G_HIST) & (birth < np.datetime64("1912-07-30"))
    profile[hist | meiji] = P_RECEIVER
    arr = (group == G_ARR) & (age >= 20) & (age <= 59) & (u < 0.3)
    profile[arr] = P_ARRIVAL
    return profile


@dataclass
class _Insured:
    """The pension persons (one per kihon row), their profile and what their records need."""

    pidx: np.ndarray
    prof: np.ndarray
    birth: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    appear: np.ndarray
    atena_no: np.ndarray
    kojin: np.ndarray
    kiso_np: np.ndarray | None = None  # the 基礎年金番号, drawn with the kihon rows

    @classmethod
    def of(cls, df: pl.DataFrame, age: np.ndarray, pidx: np.ndarray, profile: np.ndarray):
        return cls(
            pidx=pidx,
            prof=profile[pidx],
            birth=df["birth"].to_numpy().astype("datetime64[D]")[pidx],
            age=age[pidx],
            sex=df["sex"].to_numpy()[pidx],
            appear=df["appear_day"].to_numpy()[pidx],
            atena_no=df["atena_no"].to_numpy()[pidx],
            kojin=df["kojin_no"].to_numpy()[pidx],
        )

    @property
    def k(self) -> int:
        return len(self.pidx)


# ---------------------------------------------------------------- nenkin_kihon
def _kihon(
    rng, df: pl.DataFrame, ins: _Insured, cal: Calendar, act: np.ndarray
) -> tuple[pl.DataFrame, pl.Series]:
    """(one kihon row per pension person, their 基礎年金番号): unique numbers, telephones,
    特記事項 (always a few with a line break, a quote and a comma), the day an arrival's record
    is made, and the few numbers delivered hyphenated."""
    k = ins.k
    kiso = (
        pl.Series(np.unique(rng.integers(10**9, 10**10, int(k * 1.05) + 32))[: k * 2])
        .sample(n=k, shuffle=True, seed=int(rng.integers(0, 2**31)))
        .cast(pl.String)
    )
    while kiso.n_unique() < k:  # pragma: no cover - astronomically unlikely
        kiso = pl.Series(rng.integers(10**9, 10**10, k)).cast(pl.String)
    tel = np.where(rng.random(k) < 0.7, tel_numbers(rng, k), "")
    tokki = np.where(
        rng.random(k) < 0.05,
        np.array(vocab.TOKKI_TEXTS, dtype=object)[rng.integers(0, len(vocab.TOKKI_TEXTS), k)],
        "",
    ).astype(object)
    forced = rng.permutation(k)[: min(k, 3)]
    tokki[forced] = [t for t in vocab.TOKKI_TEXTS if "\n" in t or '"' in t or "," in t][:3][
        : len(forced)
    ]
    kihon_day = np.where(
        ins.prof == P_ARRIVAL, np.minimum(ins.appear + rng.integers(1, 6, k), cal.days - 1), -1
    )
    created = np.where(
        kihon_day >= 0,
        _stamp_before(rng, act[np.maximum(kihon_day, 0)]),
        _stamp_before(
            rng,
            _between(
                rng, np.full(k, np.datetime64("2010-01-04")), np.full(k, np.datetime64(INITIAL))
            ),
        ),
    )
    hyphen = rng.random(k) < 0.03
    hyphen[rng.permutation(k)[: min(k, 2)]] = True
    kihon = pl.DataFrame(
        {
            "pidx": ins.pidx,
            "profile": ins.prof,
            "atena_no": _s(ins.atena_no),
            "kojin_no": _s(ins.kojin),
            "kiso_nenkin_no": _s(kiso),
            "tel": pl.Series(tel, dtype=pl.String),
            "tokki": pl.Series(tokki, dtype=pl.String),
            "hyphen": hyphen,
            "day": kihon_day,
            "created_at": created,
            "age": ins.age,
            "sex": ins.sex,
        }
    )
    return kihon, kiso


def _kihon_versions(
    rng, kihon: pl.DataFrame, kiso: pl.Series, cal: Calendar, act: np.ndarray
) -> pl.DataFrame:
    """Versions of nenkin_kihon: the first delivery, telephone changes of the period, and
    out-of-order older rows delivered a few days after the newer change."""
    k = kihon.height
    pidx = kihon["pidx"].to_numpy()
    kihon_day = kihon["day"].to_numpy()
    delivered_kiso = pl.select(
        pl.when(kihon["hyphen"]).then(kiso_hyphenated(kiso)).otherwise(kiso)
    ).to_series()
    base = pl.DataFrame(
        {
            "atena_no": kihon["atena_no"],
            "kojin_no": kihon["kojin_no"],
            "kiso_nenkin_no": _s(delivered_kiso),
            "tel": kihon["tel"],
            "tokki": kihon["tokki"],
        }
    )
    first = base.with_columns(
        _day=pl.Series(kihon_day),
        _changed_at=kihon["created_at"],
        _ct=pl.lit("I"),
        _pidx=pl.Series(pidx),
    )
    frac = cal.days / 245
    alive_now = kihon_day < 0
    chg = np.flatnonzero(alive_now & (rng.random(k) < 0.03 * frac))
    chg_day = rng.integers(0, cal.days, len(chg))
    chg_time = _stamp_before(rng, act[chg_day])
    new_tel = tel_numbers(rng, len(chg))
    upd = base[chg].with_columns(
        tel=pl.Series(new_tel, dtype=pl.String),
        _day=pl.Series(chg_day),
        _changed_at=pl.Series(chg_time),
        _ct=pl.lit("U"),
        _pidx=pl.Series(pidx[chg]),
    )
    late_ok = chg_day + 3 < cal.days
    late_i = pick(rng, np.flatnonzero(late_ok), max(1, int(len(chg) * 0.1)) if late_ok.any() else 0)
    late = base[chg[late_i]].with_columns(
        _day=pl.Series(chg_day[late_i] + rng.integers(1, 4, len(late_i))),
        _changed_at=pl.Series(
            chg_time[late_i]
            - (rng.integers(600, 7200, len(late_i)) * 1000).astype("timedelta64[ms]")
        ),
        _ct=pl.lit("U"),
        _pidx=pl.Series(pidx[chg[late_i]]),
    )
    return pl.concat([first, upd, late])


# ---------------------------------------------------------------- 資格 history
def _shikaku(rng, ins: _Insured, kihon: pl.DataFrame, act: np.ndarray) -> pl.DataFrame:
    """The 資格 periods at START: from 20 (or 1961-04), one or two periods, 第3号, 60-64
    voluntary and 特例任意加入, and the arrivals' periods from their move."""
    k, p, pidx = ins.k, ins.prof, ins.pidx
    b = ins.birth
    b20 = np.maximum(_date_add_years(b, 20), KOKUNEN_START)
    b60 = _date_add_years(b, 60)
    b65 = _date_add_years(b, 65)
    start_d = np.datetime64(INITIAL)
    t1 = _between(rng, b20 + 365, np.minimum(b60, start_d) - 400)  # end of first period
    t2 = _between(rng, t1 + 30, np.minimum(b60, start_d) - 60)  # start of second
    two = (rng.random(k) < 0.6) & (t2 < np.minimum(b60, start_d) - 30)
    slots = []

    def slot(mask, seq, shubetsu, s_date, s_jiyu, e_date, e_jiyu):
        m = np.asarray(mask)
        slots.append(
            pl.DataFrame(
                {
                    "pidx": pidx[m],
                    "kiso_nenkin_no": _s(ins.kiso_np[m]),
                    "kojin_no": _s(ins.kojin[m]),
                    "seq": np.full(m.sum(), seq, dtype=np.int64),
                    "shubetsu": _s(np.broadcast_to(np.asarray(shubetsu), (k,))[m]),
                    "shutoku_date": s_date[m],
                    "shutoku_jiyu": _s(np.broadcast_to(np.asarray(s_jiyu), (k,))[m]),
                    "soshitsu_date": e_date[m],
                    "soshitsu_jiyu": _s(np.broadcast_to(np.asarray(e_jiyu), (k,))[m]),
                },
                schema_overrides={"shutoku_date": pl.Date, "soshitsu_date": pl.Date},
            )
        )

    nat = np.full(k, NAT_D)
    a_first = np.isin(p, (P_FIRST_OPEN, P_THIRD_OPEN))
    # seq 1: from 20 (or 1961-04), open or closed
    open1 = a_first & ~two
    slot(open1, 1, "1", b20, "20歳到達", nat, "")
    slot(a_first & two, 1, "1", b20, "20歳到達", t1, "厚生年金加入")
    shub2 = np.where(p == P_THIRD_OPEN, "3", "1")
    jiyu2 = np.where(p == P_THIRD_OPEN, "第3号該当", "厚生年金喪失")
    slot(a_first & two, 2, shub2, t2, jiyu2, nat, "")
    # third-号 persons without two periods: make their open period 第3号
    # (kept simple: a single open period of type 1 for them is still realistic)
    slot(p == P_CLOSED_2GO, 1, "1", b20, "20歳到達", t1, "厚生年金加入")
    old = np.isin(p, (P_6064, P_NINI_OPEN, P_RECEIVER))
    slot(old, 1, "1", b20, "20歳到達", t1, "厚生年金加入")
    slot(old, 2, "1", t2, "厚生年金喪失", b60, "60歳到達")
    slot(p == P_NINI_OPEN, 3, "4", b60, "任意加入", nat, "")
    tokurei = (p == P_RECEIVER) & (ins.age <= 69) & (rng.random(k) < 0.03)
    slot(tokurei, 3, "5", b65, "特例任意加入", nat, "")
    arr_start = act[np.maximum(ins.appear, 0)] - rng.integers(0, 10, k).astype("timedelta64[D]")
    slot(p == P_ARRIVAL, 1, "1", arr_start, "転入", nat, "")
    shikaku = pl.concat(slots).sort("pidx", "seq")
    return shikaku.join(
        kihon.select("pidx", "day", "created_at"), on="pidx", how="left", maintain_order="left"
    )


# ---------------------------------------------------------------- 付加
def _fuka(rng, ins: _Insured) -> pl.DataFrame:
    """付加 of some first-号 insured, a fifth of them ended before START."""
    b20 = np.maximum(_date_add_years(ins.birth, 20), KOKUNEN_START)
    start_d = np.datetime64(INITIAL)
    fk = np.flatnonzero((ins.prof == P_FIRST_OPEN) & (rng.random(ins.k) < 0.10))
    kanyu = _between(
        rng, np.maximum(b20[fk], np.datetime64("1990-04-01")), np.full(len(fk), start_d - 60)
    )
    dattai = np.where(
        rng.random(len(fk)) < 0.2, _between(rng, kanyu + 30, np.full(len(fk), start_d - 10)), NAT_D
    )
    return pl.DataFrame(
        {
            "pidx": ins.pidx[fk],
            "kiso_nenkin_no": _s(ins.kiso_np[fk]),
            "kojin_no": _s(ins.kojin[fk]),
            "kanyu_date": kanyu,
            "dattai_date": dattai,
        },
        schema_overrides={"kanyu_date": pl.Date, "dattai_date": pl.Date},
    )


# ---------------------------------------------------------------- 免除 (past years)
def _menjo_history(rng, ins: _Insured) -> pl.DataFrame:
    """Exemption records of the two years before the period (decided before the extract)."""
    mj = np.flatnonzero((ins.prof == P_FIRST_OPEN) & (rng.random(ins.k) < 0.2))
    rows = [_menjo_year(rng, ins, mj, nendo) for nendo in (2024, 2025)]
    menjo = pl.concat(rows).with_columns(
        shuryo_date=pl.lit(None, pl.Date), homen_shometsu_date=pl.lit(None, pl.Date)
    )
    # the decision date may not be after the extract
    return menjo.filter(pl.col("kekka_date") <= pl.lit(INITIAL)).with_columns(
        pl.col("sofu_date").clip(upper_bound=pl.lit(INITIAL))
    )


def _menjo_year(rng, ins: _Insured, mj: np.ndarray, nendo: int) -> pl.DataFrame:
    """The exemption records of one year for about 70% of the candidates mj."""
    sel = mj[rng.random(len(mj)) < 0.7]
    m = len(sel)
    shurui = np.array(["02", "03", "04", "05", "06", "07", "01"])[
        np.searchsorted(
            np.cumsum([0.45, 0.08, 0.1, 0.05, 0.12, 0.15, 0.05]),
            rng.random(m) * 1.0,
            side="right",
        ).clip(0, 6)
    ]
    age_s = ins.age[sel]
    shurui = np.where((shurui == "06") & (age_s > 29), "02", shurui)
    shinsei = np.datetime64(f"{nendo}-07-01") + rng.integers(0, 60, m).astype("timedelta64[D]")
    kfrom = np.full(m, np.datetime64(f"{nendo}-07-01"))
    kto = np.full(m, np.datetime64(f"{nendo + 1}-06-30"))
    kekka = np.array(["1", "2", "4"])[np.searchsorted([0.8, 0.9], rng.random(m))]
    kekka_date = shinsei + rng.integers(30, 90, m).astype("timedelta64[D]")
    h01 = shurui == "01"
    kto = np.where(h01, NAT_D, kto)
    kekka = np.where(h01, "1", kekka)
    return pl.DataFrame(
        {
            "pidx": ins.pidx[sel],
            "kiso_nenkin_no": _s(ins.kiso_np[sel]),
            "kojin_no": _s(ins.kojin[sel]),
            "nendo": np.full(m, nendo),
            "menjo_shurui": _s(shurui),
            "shinsei_date": shinsei,
            "kikan_from": kfrom,
            "kikan_to": kto,
            "kekka": _s(kekka),
            "kekka_date": kekka_date,
            "sofu_date": kekka_date + rng.integers(5, 15, m).astype("timedelta64[D]"),
            "gakko_code": np.where(
                shurui == "06",
                pl.Series(rng.integers(11000, 11999, m)).cast(pl.String).to_numpy(),
                "",
            ),
        },
        schema_overrides={
            "shinsei_date": pl.Date,
            "kikan_from": pl.Date,
            "kikan_to": pl.Date,
            "kekka_date": pl.Date,
            "sofu_date": pl.Date,
        },
    )


# ---------------------------------------------------------------- 裁定 claims (past)
def _saitei_history(rng, ins: _Insured) -> pl.DataFrame:
    """Claims made before the period: 老齢 (老齢福祉 for 明治 births), 障害 and 遺族, with
    historical 受付番号 (claim date + a number from 9000 up, never used by the period's
    counters)."""
    k, p = ins.k, ins.prof
    b20 = np.maximum(_date_add_years(ins.birth, 20), KOKUNEN_START)
    b65 = _date_add_years(ins.birth, 65)
    is_meiji = ins.birth < np.datetime64("1911-04-02")
    rec = np.flatnonzero((p == P_RECEIVER) & ((rng.random(k) < 0.7) | is_meiji))
    seikyu = np.minimum(
        b65[rec] + rng.integers(0, 60, len(rec)).astype("timedelta64[D]"),
        np.datetime64("2026-02-27"),
    )
    kbn = np.full(len(rec), "1")
    mei = ins.birth[rec] < np.datetime64("1911-04-02")
    kbn[mei] = "4"
    seikyu[mei] = ins.birth[rec][mei] + np.timedelta64(70 * 365, "D")
    shog = np.flatnonzero(np.isin(p, (P_FIRST_OPEN, P_THIRD_OPEN)) & (rng.random(k) < 0.02))
    s_seikyu = _between(rng, b20[shog] + 365, np.full(len(shog), np.datetime64("2026-02-27")))
    izoku = np.flatnonzero((p == P_FIRST_OPEN) & (ins.age >= 30) & (rng.random(k) < 0.005))
    i_seikyu = _between(
        rng,
        np.full(len(izoku), np.datetime64("2015-04-01")),
        np.full(len(izoku), np.datetime64("2026-02-27")),
    )
    who = np.concatenate([rec, shog, izoku])
    kb = np.concatenate([kbn, np.full(len(shog), "2"), np.full(len(izoku), "3")])
    sk = np.concatenate([seikyu, s_seikyu, i_seikyu])
    sind = np.where(
        kb == "2",
        np.array(vocab.SHINDANSHO_TEXTS, dtype=object)[
            rng.integers(0, len(vocab.SHINDANSHO_TEXTS), len(kb))
        ],
        "",
    )
    code = np.select([kb == "1", kb == "2", kb == "3"], ["1150", "5350", "5650"], "2650")
    shosho = np.where(
        kb == "4", pl.Series(rng.integers(10**8, 10**9, len(kb))).cast(pl.String).to_numpy(), ""
    )
    saitei = pl.DataFrame(
        {
            "pidx": ins.pidx[who],
            "nenkin_kbn": _s(kb),
            "atena_no": _s(ins.atena_no[who]),
            "kojin_no": _s(ins.kojin[who]),
            "kiso_nenkin_no": _s(ins.kiso_np[who]),
            "shosho_no": _s(shosho),
            "nenkin_code": _s(code),
            "seikyu_date": sk,
            "shindansho": _s(sind.astype(str)),
        },
        schema_overrides={"seikyu_date": pl.Date},
    ).sort("seikyu_date", "pidx")
    return saitei.with_columns(
        uketsuke_no=pl.col("seikyu_date").dt.strftime("%Y%m%d")
        + (pl.int_range(pl.len()).over("seikyu_date") + 9000).cast(pl.String)
    )


def shotoku_delivery_day(cal: Calendar) -> int | None:
    """The working day (activity index) the 2026 assessment arrives: first on/after June 10."""
    for i, d in enumerate(cal.activity):
        if d >= dt.date(2026, 6, 10):
            return i
    return None


def income_frame(rng, kihon: pl.DataFrame, cal: Calendar) -> pl.DataFrame:
    """所得 per pension person and nendo (2024, 2025 at START; 2026 in June)."""
    age = kihon["age"].to_numpy()
    k = kihon.height
    frames = []
    day26 = shotoku_delivery_day(cal)
    for nendo in (2024, 2025, 2026):
        if nendo == 2026 and day26 is None:
            continue
        r = stream(int(rng.integers(0, 2**31)), "shotoku", nendo)
        kind = r.random(k)
        g = np.select(
            [kind < 0.22, kind < 0.45, kind < 0.8],
            [
                np.zeros(k, np.int64),
                (r.random(k) * 1_500_000).astype(np.int64),
                np.exp(r.normal(np.log(2_300_000), 0.35, k)).astype(np.int64),
            ],
            (r.random(k) * 5_000_000 + 3_500_000).astype(np.int64),
        )
        g = (g // 1000) * 1000
        elderly = age >= 65
        nenkin = np.where(
            elderly, (r.random(k) * 2_400_000 + 600_000).astype(np.int64) // 1000 * 1000, 0
        )
        zatsu = np.maximum(nenkin - 1_100_000, 0)
        g = np.where(elderly, zatsu + (g // 3) * (r.random(k) < 0.3), g)
        cols = {
            "ippan_fuyo": np.where((age >= 25) & (age < 60), r.poisson(0.25, k), 0),
            "rojin_fuyo": (r.random(k) < 0.04).astype(np.int64),
            "tokutei_fuyo": np.where(
                (age >= 40) & (age < 60), (r.random(k) < 0.12).astype(np.int64), 0
            ),
            "kojo_haigusha": (r.random(k) < 0.15).astype(np.int64),
            "shogaisha_fuyo": (r.random(k) < 0.02).astype(np.int64),
            "tokubetsu_shogaisha_fuyo": (r.random(k) < 0.005).astype(np.int64),
            "nensho_fuyo": np.where((age >= 28) & (age < 55), r.poisson(0.5, k), 0),
            "honnin_shogai": np.searchsorted([0.97, 0.99], r.random(k)),
            "honnin_kafu": np.searchsorted([0.96, 0.98], r.random(k)),
            "honnin_kinro_gakusei": ((age <= 25) & (r.random(k) < 0.2)).astype(np.int64),
            "koteki_nenkin_shunyu": nenkin,
            "koteki_nenkin_zatsu_shotoku": zatsu,
            "gokei_shotoku": g,
            "junsonshitsu": np.where(
                r.random(k) < 0.01, (r.random(k) * 500_000).astype(np.int64), 0
            ),
            "zasson_kojo": np.where(
                r.random(k) < 0.005, (r.random(k) * 300_000).astype(np.int64), 0
            ),
            "iryohi_kojo": np.where(
                r.random(k) < 0.08, (r.random(k) * 200_000).astype(np.int64), 0
            ),
            "shakai_hoken_kojo": (g * r.uniform(0.10, 0.16, k)).astype(np.int64) // 100 * 100,
            "haigusha_tokubetsu_kojo": np.where(r.random(k) < 0.02, 260_000, 0),
        }
        day = -1 if nendo < 2026 else day26
        f = pl.DataFrame(
            {"pidx": kihon["pidx"], "atena_no": kihon["atena_no"], "nendo": nendo, **cols}
        )
        created = np.datetime64(f"{nendo}-06-0{5 if nendo < 2026 else 9}T02:00:00", "ms") + (
            r.integers(0, 3600, k) * 1000
        ).astype("timedelta64[ms]")
        if nendo == 2026:
            created = np.datetime64(cal.activity[day], "ms") + (
                (2 * 3600 + r.integers(0, 3600, k)) * 1000
            ).astype("timedelta64[ms]")
        f = f.with_columns(_day=pl.lit(day), _changed_at=pl.Series(created))
        frames.append(f)
    # persons who moved in during the period were not taxed by the city for these years
    return pl.concat(frames).filter(
        pl.col("pidx").is_in(kihon.filter(pl.col("day") < 0)["pidx"].implode())
    )
