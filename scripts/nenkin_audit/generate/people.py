"""宛名: households with 続柄, names, birth dates with a realistic age pyramid, addresses by ward
and block, 住登外 records, former residents, and the moves, births and deaths of the period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from . import vocab
from .calendar import INITIAL, START, Calendar
from .eras import era, ymd
from .rng import pick, stream, weighted_index

START_D = np.datetime64(START, "D")

# Share of the Japanese population by 5-year band 0-4 .. 100-104 (roughly 2025).
PYRAMID = np.array(
    [
        3.3,
        3.8,
        4.1,
        4.3,
        4.8,
        5.1,
        5.0,
        5.4,
        6.0,
        7.2,
        7.7,
        6.7,
        6.0,
        5.9,
        7.1,
        6.0,
        4.6,
        3.0,
        1.4,
        0.4,
        0.06,
    ]
)

# Event codes of the period (at most one per person).
EV_NONE, EV_DEATH, EV_MOVEOUT, EV_TENKYO, EV_SHOKKEN, EV_PROTECT = 0, 1, 2, 3, 4, 5

# groups
G_RES, G_JUTO, G_HIST, G_ARR, G_BIRTH, G_ERR = 0, 1, 2, 3, 4, 5


def ages_from_pyramid(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    """Ages in [lo, hi] drawn from the pyramid (uniform within each 5-year band)."""
    ages = np.arange(lo, hi + 1)
    w = PYRAMID[np.minimum(ages // 5, len(PYRAMID) - 1)]
    return ages[weighted_index(rng, w, n)]


def birth_from_age(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """A birth date for someone `age` years old on START."""
    days = (np.asarray(age) * 365.2425 + rng.random(len(age)) * 364).astype(np.int64) + 1
    return START_D - days.astype("timedelta64[D]")


@dataclass
class People:
    df: pl.DataFrame  # one row per 宛名 record, index pidx; see build() for the columns
    blocks: pl.DataFrame  # block, ward_idx, base address (…丁目…番)
    late: pl.DataFrame  # out-of-order older rows: pidx, deliver_day, changed_at
    seed: int = 0

    @property
    def n(self) -> int:
        return self.df.height

    def col(self, name: str) -> np.ndarray:
        return self.df[name].to_numpy()


def S(values) -> pl.Series:
    """A small vocabulary as a polars String series (gathered by integer codes)."""
    return pl.Series(list(values), dtype=pl.String)


def where(mask: np.ndarray, a, b) -> pl.Series:
    """Element-wise choice between two series (or literals) without Python strings."""
    a = a if isinstance(a, pl.Series) else pl.lit(a)
    b = b if isinstance(b, pl.Series) else pl.lit(b)
    return pl.select(
        pl.when(pl.Series(np.asarray(mask, dtype=bool))).then(a).otherwise(b)
    ).to_series()


def num(values: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(values, dtype=np.int64)).cast(pl.String)


def cat(*parts) -> pl.Series:
    """Concatenate series and literal strings element-wise (one pass)."""
    exprs = [pl.lit(p) if isinstance(p, pl.Series) else pl.lit(p, dtype=pl.String) for p in parts]
    return pl.select(pl.concat_str(exprs).alias("s")).to_series()


def _name_vocab():
    fam = list(vocab.SURNAMES)
    fam_off = []
    giv = list(vocab.MALE_GIVEN) + list(vocab.FEMALE_GIVEN)
    g_off = []
    for _, fams, givens, _ in vocab.FOREIGN:
        fam_off.append((len(fam), len(fams)))
        fam += list(fams)
        gm = [(g, k) for g, k, sx in givens if sx == "1"]
        gf = [(g, k) for g, k, sx in givens if sx == "2"]
        g_off.append((len(giv), len(gm), len(giv) + len(gm), len(gf)))
        giv += gm + gf
    return (
        S(f for f, _ in fam),
        S(k for _, k in fam),
        S(g for g, _ in giv),
        S(k for _, k in giv),
        fam_off,
        g_off,
    )


def _names(rng, n, male, family_idx, foreign_nat):
    """shimei, kana (full-width space between family and given name) for each person."""
    fam_v, fam_k, giv_v, giv_k, fam_off, g_off = _name_vocab()
    n_sur = len(vocab.SURNAMES)
    n_m, n_f = len(vocab.MALE_GIVEN), len(vocab.FEMALE_GIVEN)
    gi = rng.integers(0, 1 << 30, n)
    fi = family_idx % n_sur
    gidx = np.where(male, gi % n_m, n_m + gi % n_f)
    for k, (off, cnt) in enumerate(fam_off):
        m = foreign_nat == k
        if not m.any():
            continue
        fi[m] = off + family_idx[m] % cnt
        mo, mc, fo, fc = g_off[k]
        gidx[m] = np.where(male[m], mo + gi[m] % mc, fo + gi[m] % fc)
    sp = vocab.FULL_SPACE
    shimei = cat(fam_v.gather(fi), sp, giv_v.gather(gidx))
    kana = cat(fam_k.gather(fi), sp, giv_k.gather(gidx))
    return shimei, kana


def _unique_numbers(rng, n: int, lo: int, hi: int) -> np.ndarray:
    """n distinct integers in [lo, hi), random order."""

    def dedup(x: np.ndarray) -> np.ndarray:
        x = np.sort(x)
        return x[np.concatenate([[True], x[1:] != x[:-1]])]

    got = dedup(rng.integers(lo, hi, int(n * 1.02) + 16))
    while len(got) < n:
        got = dedup(np.concatenate([got, rng.integers(lo, hi, n)]))
    return got[rng.permutation(len(got))[:n]]


def kojin_numbers(rng, n: int) -> np.ndarray:
    """n distinct valid 個人番号 as integers (12 digits; check digit per docs/raw-interface.md §2)."""
    base = _unique_numbers(rng, n, 10**10, 10**11)  # 11 digits, no leading zero
    digits = (base[:, None] // (10 ** np.arange(10, -1, -1))[None, :]) % 10
    weights = np.array([6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
    r = (digits * weights).sum(axis=1) % 11
    check = np.where(r <= 1, 0, 11 - r)
    return base * 10 + check


def _household_plan(rng, n_target: int):
    """Household types and member roles until n_target members exist."""
    m = int(n_target / 2.1) + 64
    while True:
        htype = weighted_index(rng, np.array([0.30, 0.22, 0.26, 0.08, 0.06, 0.08]), m)
        n_sp = np.isin(htype, (1, 2, 4)).astype(int)
        k2 = weighted_index(rng, np.array([0.40, 0.45, 0.15]), m) + 1
        k3 = weighted_index(rng, np.array([0.6, 0.4]), m) + 1
        k4 = rng.integers(0, 3, m)
        n_ch = np.select([htype == 2, htype == 3, htype == 4], [k2, k3, k4], 0)
        n_pa = np.select(
            [htype == 4, htype == 5], [rng.integers(1, 3, m), 1 + (rng.random(m) < 0.3)], 0
        )
        size = 1 + n_sp + n_ch + n_pa
        cum = np.cumsum(size)
        if cum[-1] >= n_target:
            break
        m *= 2
    last = int(np.searchsorted(cum, n_target))  # household that reaches n_target
    htype, n_sp, n_ch, n_pa = (
        htype[: last + 1],
        n_sp[: last + 1],
        n_ch[: last + 1],
        n_pa[: last + 1],
    )
    # members: head(0), spouse(1), child(2), parent(3)
    hh = np.arange(len(htype))
    parts = [
        (hh, np.zeros(len(hh), int)),
        (hh[n_sp == 1], np.ones(int(n_sp.sum()), int)),
        (np.repeat(hh, n_ch), np.full(int(n_ch.sum()), 2)),
        (np.repeat(hh, n_pa), np.full(int(n_pa.sum()), 3)),
    ]
    mh = np.concatenate([p[0] for p in parts])
    mr = np.concatenate([p[1] for p in parts])
    order = np.lexsort((mr, mh))
    mh, mr = mh[order][:n_target], mr[order][:n_target]
    return htype, mh, mr


def _member_ages_sexes(rng, htype, mh, mr):
    nh = len(htype)
    u = rng.random(nh)
    head_age = np.select(
        [htype == 0, htype == 1, htype == 2, htype == 3, htype == 4, htype == 5],
        [
            ages_from_pyramid(rng, nh, 20, 99),
            ages_from_pyramid(rng, nh, 25, 92),
            rng.integers(28, 59, nh),
            rng.integers(25, 56, nh),
            rng.integers(35, 61, nh),
            rng.integers(40, 69, nh),
        ],
    )
    head_male = np.select(
        [htype == 0, htype == 3, htype == 5], [u < 0.5, u < 0.15, u < 0.6], u < 0.85
    )
    n = len(mh)
    ha = head_age[mh]
    age = ha.copy()
    sp = mr == 1
    age[sp] = np.clip(ha[sp] + np.rint(rng.normal(-2, 3, sp.sum())).astype(int), 18, 104)
    ch = mr == 2
    off = rng.integers(22, 41, n)
    alt = (rng.random(n) * np.maximum(1, ha - 21)).astype(int)
    child_age = np.where(ha - off >= 0, ha - off, alt)
    age[ch] = np.minimum(child_age[ch], 34)
    pa = mr == 3
    age[pa] = np.minimum(ha[pa] + rng.integers(24, 37, pa.sum()), 104)
    male = np.where(mr == 0, head_male[mh], False)
    male = np.where(sp, ~head_male[mh], male)
    male = np.where(ch | pa, rng.random(n) < np.where(pa, 0.3, 0.5), male)
    # a household with two parents has one of each
    first_pa = pa & (np.roll(mh, 1) == mh) & np.roll(pa, 1)
    male = np.where(first_pa, ~np.roll(male, 1), male)
    zoku = np.select(
        [mr == 0, sp & ~male, sp & male, ch, pa & male, pa & ~male], [0, 1, 2, 3, 4, 5], 6
    )
    return age, male, zoku


ZOKUGARA = ("世帯主", "妻", "夫", "子", "父", "母", "本人")


def build(seed: int, persons: int, cal: Calendar, progress=None) -> People:
    rng = stream(seed, "people")
    days = cal.days
    frac = days / 245.0
    act = np.array(cal.activity, dtype="datetime64[D]")
    sz = _group_sizes(persons, frac)
    m = _members(rng, seed, sz)
    appear = _appearance(rng, m, sz, days)
    birth, meiji = _births(rng, m, sz, appear, act)
    nat, fam, shimei, kana = _names_and_nationality(rng, m)
    places = _Places(rng, m.n_hh + m.n_hh_arr)
    hh_block, hh_addr = _household_addresses(rng, places, m)
    block, address = _person_addresses(rng, places, m, hh_block, hh_addr)
    ward_idx = np.where(block >= 0, places.b_ward[np.maximum(block, 0)], -1)
    atena_no, setai_no, head, has_kojin, kojin_int = _numbers(rng, m, sz, appear)
    status = _status_columns(rng, m, places, nat, fam, shimei, head, hh_addr)
    protect = _protected(rng, m, sz)
    former = _former_residents(rng, m, sz, places, meiji, has_kojin, kojin_int)
    created = _first_changed_at(rng, m, birth, former["shojo"], appear, act)
    events = _period_events(rng, seed, m, protect, places, act, frac)
    late = _late_versions(rng, events["event"], events["event_day"], events["event_time"], days)
    new_ward_idx = np.where(
        events["new_block"] >= 0, places.b_ward[np.maximum(events["new_block"], 0)], -1
    )
    cols = {
        "pidx": np.arange(m.total),
        "group": m.group.astype(np.int8),
        "hh": m.hh,
        "role": m.role.astype(np.int8),
        "atena_no": atena_no,
        "kojin_no": former["kojin_no"],
        "setai_no": setai_no,
        "shimei": shimei,
        "shimei_kana": kana,
        "birth": birth,
        "sex": num(np.where(m.male, 1, 2)),
        "zokugara": S(ZOKUGARA).gather(m.zoku),
        "setainushi_atena_no": atena_no.gather(head),
        "ward_idx": ward_idx,
        "ward_code": _WARD_CODES.gather(np.where(ward_idx >= 0, ward_idx, 10)),
        "block": block,
        "address": address,
        "tenshutsu_saki_address": former["tenshutsu_saki_address"],
        "shojo": former["shojo"],
        "shojo_jiyu": former["shojo_jiyu"],
        "protected": protect,
        "nationality": nat,
        "appear_day": appear,
        "created_at": created.astype("datetime64[ms]"),
        "new_ward_idx": new_ward_idx,
        "new_ward_code": _WARD_CODES.gather(np.where(new_ward_idx >= 0, new_ward_idx, 10)),
        **status,
        **events,
        "event_time": events["event_time"].astype("datetime64[ms]"),
    }
    df = pl.DataFrame({name: cols[name] for name in PEOPLE_COLUMNS})
    if progress:
        progress(f"generate: {m.total} 宛名 records in {m.n_hh_all} households")
    return People(df=df, blocks=places.blocks, late=late, seed=seed)


#: the columns of People.df, in order
PEOPLE_COLUMNS = (
    "pidx",
    "group",
    "hh",
    "role",
    "atena_no",
    "kojin_no",
    "setai_no",
    "shimei",
    "shimei_kana",
    "birth",
    "sex",
    "zokugara",
    "jumin_kbn",
    "setainushi_atena_no",
    "jumin_jiyu",
    "ward_idx",
    "ward_code",
    "block",
    "address",
    "prev_address",
    "tennyu_moto_address",
    "tenshutsu_saki_address",
    "hittosha",
    "shojo",
    "shojo_jiyu",
    "kokuseki",
    "tsusho",
    "protected",
    "zairyu_shikaku",
    "nationality",
    "appear_day",
    "created_at",
    "event",
    "event_day",
    "event_time",
    "death_date",
    "new_block",
    "new_address",
    "new_ward_idx",
    "out_address",
    "new_ward_code",
)
#: ward codes by ward index, and "" (index 10) for an address outside the city
_WARD_CODES = S([w[0] for w in vocab.WARDS] + [""])


@dataclass(frozen=True)
class _Sizes:
    """宛名 records per group."""

    res: int
    arr: int
    birth: int
    juto: int
    hist: int
    err: int


def _group_sizes(persons: int, frac: float) -> _Sizes:
    """Records per group for a city of `persons` 宛名 and a period of frac years of work days."""
    n = int(persons)
    hist = max(2, int(n * 0.03))
    juto = max(2, int(n * 0.025))
    err = max(1, n // 20000)
    birth = max(1, int(n * 0.007 * frac))
    arr = max(2, int(n * 0.045 * frac))
    res = n - hist - juto - err - birth - arr
    if res < 50:
        from ..errors import UserError

        raise UserError("--persons is too small for a city; use at least 200")
    return _Sizes(res=res, arr=arr, birth=birth, juto=juto, hist=hist, err=err)


# ---------------------------------------------------------------- residents at START
@dataclass
class _Members:
    """Everyone, by group (residents, arrivals, births, 住登外, former residents, errors)."""

    group: np.ndarray
    hh: np.ndarray  # household index
    role: np.ndarray  # 0 head, 1 spouse, 2 child, 3 parent
    ages: np.ndarray
    male: np.ndarray
    zoku: np.ndarray  # index into ZOKUGARA
    n_hh: int  # resident households at START
    n_hh_arr: int  # households arriving in the period
    n_hh_all: int

    @property
    def total(self) -> int:
        return len(self.group)


def _members(rng, seed: int, sz: _Sizes) -> _Members:
    """Households of residents and arrivals with their members; births join resident households
    with a young couple; 住登外, former residents and erroneous records each have their own
    household number."""
    htype, mh, mr = _household_plan(rng, sz.res)
    age, male0, zoku0 = _member_ages_sexes(rng, htype, mh, mr)
    n_hh = len(htype)
    # arrival households (move in during the period)
    a_htype, a_mh, a_mr = _household_plan(stream(seed, "people", "arrivals"), sz.arr)
    a_age, a_male, a_zoku = _member_ages_sexes(rng, a_htype, a_mh, a_mr)
    a_mh = a_mh + n_hh
    n_hh_arr = len(a_htype)
    group = np.concatenate(
        [
            np.full(sz.res, G_RES),
            np.full(sz.arr, G_ARR),
            np.full(sz.birth, G_BIRTH),
            np.full(sz.juto, G_JUTO),
            np.full(sz.hist, G_HIST),
            np.full(sz.err, G_ERR),
        ]
    )
    young = np.flatnonzero(np.isin(htype, (1, 2, 3)))
    young = young[(age[np.searchsorted(mh, young)] < 46)] if len(young) else young
    if len(young) == 0:
        young = np.arange(n_hh)
    birth_hh = young[rng.integers(0, len(young), sz.birth)]
    n_single = sz.juto + sz.hist + sz.err
    single_hh = np.arange(n_hh + n_hh_arr, n_hh + n_hh_arr + n_single)
    hh = np.concatenate([mh, a_mh, birth_hh, single_hh])
    role = np.concatenate([mr, a_mr, np.full(sz.birth, 2), np.zeros(n_single, int)])
    ages = np.concatenate(
        [
            age,
            a_age,
            np.zeros(sz.birth, int),
            ages_from_pyramid(rng, sz.juto, 20, 85),
            ages_from_pyramid(rng, sz.hist, 60, 104),
            ages_from_pyramid(rng, sz.err, 20, 70),
        ]
    )
    male = np.concatenate([male0, a_male, rng.random(sz.birth + n_single) < 0.5])
    zoku = np.concatenate([zoku0, a_zoku, np.full(sz.birth, 3), np.full(n_single, 6)])
    zoku[group == G_HIST] = 0
    return _Members(
        group=group,
        hh=hh,
        role=role,
        ages=ages,
        male=male,
        zoku=zoku,
        n_hh=n_hh,
        n_hh_arr=n_hh_arr,
        n_hh_all=n_hh + n_hh_arr + n_single,
    )


def _appearance(rng, m: _Members, sz: _Sizes, days: int) -> np.ndarray:
    """Activity day each record appears (-1 = already in the initial full set): arrivals by
    household, births and erroneous records on a day of their own."""
    appear = np.full(m.total, -1)
    arr_day_hh = rng.integers(0, days, m.n_hh_arr)
    appear[m.group == G_ARR] = arr_day_hh[m.hh[m.group == G_ARR] - m.n_hh]
    appear[m.group == G_BIRTH] = rng.integers(0, days, sz.birth)
    appear[m.group == G_ERR] = rng.integers(0, max(1, days - 2), sz.err)
    return appear


def _births(
    rng, m: _Members, sz: _Sizes, appear: np.ndarray, act: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(birth date of everyone, the former residents born in 明治)."""
    birth = birth_from_age(rng, m.ages)
    # newborns: born a few days before the registration
    bmask = m.group == G_BIRTH
    birth[bmask] = act[appear[bmask]] - rng.integers(3, 14, sz.birth).astype("timedelta64[D]")
    # a handful of 明治 births among former residents (老齢福祉年金 recipients, long dead)
    hist_idx = np.flatnonzero(m.group == G_HIST)
    meiji = hist_idx[: max(1, sz.hist // 200)]
    birth[meiji] = np.datetime64("1905-01-01") + rng.integers(0, 6 * 365, len(meiji)).astype(
        "timedelta64[D]"
    )
    return birth, meiji


def _names_and_nationality(rng, m: _Members) -> tuple[np.ndarray, np.ndarray, pl.Series, pl.Series]:
    """(foreign nationality index or -1, surname index, 氏名, カナ): 2.5% of households are
    foreign; surnames by frequency, low indices more common."""
    hh_foreign = np.where(
        rng.random(m.n_hh_all) < 0.025, rng.integers(0, len(vocab.FOREIGN), m.n_hh_all), -1
    )
    nat = hh_foreign[m.hh]
    hh_family = (np.abs(rng.standard_normal(m.n_hh_all)) * 45).astype(int) % len(vocab.SURNAMES)
    fam = hh_family[m.hh]
    shimei, kana = _names(rng, m.total, m.male, fam, nat)
    return nat, fam, shimei, kana


# ---------------------------------------------------------------- addresses
class _Places:
    """The city's blocks (ward, town, 丁目, 番) and the places outside it."""

    def __init__(self, rng, n_households: int) -> None:
        ward_w = np.array([w[2] for w in vocab.WARDS])
        self.n_blocks = max(12, n_households // 6 + 1)
        self.b_ward = weighted_index(rng, ward_w, self.n_blocks)
        b_town = rng.integers(0, 6, self.n_blocks)
        b_chome = rng.integers(1, 6, self.n_blocks)
        b_ban = rng.integers(1, 40, self.n_blocks)
        ward_names = S(vocab.CITY + w[1] for w in vocab.WARDS)
        towns = S(t for w in vocab.WARDS for t in w[3])
        self.block_base = cat(
            ward_names.gather(self.b_ward),
            towns.gather(self.b_ward * 6 + b_town),
            num(b_chome),
            "丁目",
            num(b_ban),
            "番",
        )
        self.blocks = pl.DataFrame(
            {"block": np.arange(self.n_blocks), "ward_idx": self.b_ward, "base": self.block_base}
        )
        self.buildings = S(vocab.BUILDINGS)
        self.tricky_b = S(vocab.TRICKY_BUILDINGS)
        self.outside_places = S(vocab.OUTSIDE_PLACES)

    def homes(self, k: int, r) -> tuple[np.ndarray, pl.Series]:
        """k homes in the city: (block, address), some in a named building."""
        blk = r.integers(0, self.n_blocks, k)
        go = r.integers(1, 30, k)
        bld = r.random(k) < 0.3
        tricky = r.random(k) < 0.002
        bname = where(
            tricky,
            self.tricky_b.gather(r.integers(0, len(self.tricky_b), k)),
            self.buildings.gather(r.integers(0, len(self.buildings), k)),
        )
        room = r.integers(1, 6, k) * 100 + r.integers(1, 10, k)
        plain = cat(self.block_base.gather(blk), num(go), "号")
        return blk, where(bld | tricky, cat(plain, "　", bname, "　", num(room)), plain)

    def outside(self, k: int, r) -> pl.Series:
        """k addresses outside the city."""
        return cat(
            self.outside_places.gather(r.integers(0, len(self.outside_places), k)),
            num(r.integers(1, 6, k)),
            "丁目",
            num(r.integers(1, 30, k)),
            "番",
            num(r.integers(1, 20, k)),
            "号",
        )


def _household_addresses(rng, places: _Places, m: _Members) -> tuple[np.ndarray, pl.Series]:
    """(block, address) of every household; a few addresses need quoting, whatever the size of
    the city."""
    hh_block, hh_addr = places.homes(m.n_hh_all, rng)
    forced = rng.permutation(m.n_hh)[: max(3, m.n_hh // 3000)]
    hh_addr = hh_addr.scatter(
        forced,
        cat(
            places.block_base.gather(hh_block[forced]),
            "1号　",
            places.tricky_b.gather(np.arange(len(forced)) % len(places.tricky_b)),
            "　101",
        ),
    )
    return hh_block, hh_addr


def _person_addresses(
    rng, places: _Places, m: _Members, hh_block: np.ndarray, hh_addr: pl.Series
) -> tuple[np.ndarray, pl.Series]:
    """(block or -1, address) of each record: the household's home, or outside the city for
    住登外."""
    block = hh_block[m.hh].copy()
    in_city = m.group != G_JUTO
    block[~in_city] = -1
    address = where(in_city, hh_addr.gather(m.hh), places.outside(m.total, rng))
    return block, address


# ---------------------------------------------------------------- numbers
def _numbers(
    rng, m: _Members, sz: _Sizes, appear: np.ndarray
) -> tuple[pl.Series, pl.Series, np.ndarray, np.ndarray, np.ndarray]:
    """(宛名番号, 世帯番号, index of the household's head, has a 個人番号, 個人番号 as integers)."""
    total = m.total
    atena_int = 1_000_000_000 + np.arange(total) * 7 + rng.integers(0, 7, total)
    # arrivals get numbers issued later: put them at the end of the numbering
    order_key = np.where(appear < 0, 0, 1 + appear)
    num_order = np.lexsort((np.arange(total), order_key))
    atena_sorted = np.sort(atena_int)
    atena_int = np.empty_like(atena_int)
    atena_int[num_order] = atena_sorted
    atena_no = num(atena_int)
    setai_int = 5_000_000_000 + np.arange(m.n_hh_all) * 5 + rng.integers(0, 5, m.n_hh_all)
    setai_no = num(setai_int[m.hh])
    # 世帯主: the head of each household (the first member with role 0)
    head_of_hh = np.full(m.n_hh_all, -1)
    heads = np.flatnonzero(m.role == 0)
    head_of_hh[m.hh[heads[::-1]]] = heads[::-1]
    head = np.maximum(head_of_hh[m.hh], 0)
    has_kojin = np.ones(total, bool)
    has_kojin[m.group == G_JUTO] = rng.random(sz.juto) < 0.4
    has_kojin[m.group == G_ERR] = False
    kojin_int = kojin_numbers(rng, total)
    return atena_no, setai_no, head, has_kojin, kojin_int


# ---------------------------------------------------------------- status columns
def _status_columns(
    rng,
    m: _Members,
    places: _Places,
    nat: np.ndarray,
    fam: np.ndarray,
    shimei: pl.Series,
    head: np.ndarray,
    hh_addr: pl.Series,
) -> dict[str, pl.Series]:
    """住民区分, 異動事由, 国籍, 在留資格, 通称, 筆頭者 and earlier addresses, by column."""
    total, group = m.total, m.group
    jumin_kbn = where(group == G_JUTO, "2", "1")
    jiyu_v = S(vocab.JUMIN_JIYU_START + ("出生", "転入", "住登外登録"))
    jiyu_i = rng.integers(0, 4, total)
    jiyu_i = np.where(m.ages < 1, 4, jiyu_i)
    jiyu_i = np.select(
        [group == G_ARR, group == G_BIRTH, group == G_JUTO, group == G_ERR], [5, 4, 6, 5], jiyu_i
    )
    kokuseki = S([f[0] for f in vocab.FOREIGN] + ["日本"]).gather(
        np.where(nat >= 0, nat, len(vocab.FOREIGN))
    )
    z_all = [z for f in vocab.FOREIGN for z in f[3]] + [""]
    z_off = np.cumsum([0] + [len(f[3]) for f in vocab.FOREIGN])
    z_cnt = np.array([len(f[3]) for f in vocab.FOREIGN] + [1])
    zi = rng.integers(0, 1 << 20, total)
    z_idx = np.where(
        nat >= 0, z_off[np.maximum(nat, 0)] + zi % z_cnt[np.maximum(nat, 0)], len(z_all) - 1
    )
    zairyu = S(z_all).gather(z_idx)
    kor = (nat == 1) & (zairyu == "特別永住者").to_numpy()
    # 通称 (a Japanese name in daily use) for some special permanent residents
    tsusho_names, _ = _names(rng, total, m.male, fam.copy(), np.full(total, -1))
    tsusho = where(kor & (rng.random(total) < 0.6), tsusho_names, "")
    hittosha = where((nat < 0) & (group != G_JUTO), shimei.gather(head), "")
    tennyu_moto = where(np.isin(group, (G_ARR, G_ERR)), places.outside(total, rng), "")
    prev = where(
        (group == G_RES) & (rng.random(total) < 0.15),
        hh_addr.gather(rng.integers(0, m.n_hh_all, total)),
        "",
    )
    return {
        "jumin_kbn": jumin_kbn,
        "jumin_jiyu": jiyu_v.gather(jiyu_i),
        "kokuseki": kokuseki,
        "zairyu_shikaku": zairyu,
        "tsusho": tsusho,
        "hittosha": hittosha,
        "tennyu_moto_address": tennyu_moto,
        "prev_address": prev,
    }


def _protected(rng, m: _Members, sz: _Sizes) -> np.ndarray:
    """Protected (支援措置) at start: ~0.3% of residents, whole households."""
    protect = np.zeros(m.total, bool)
    res_hh = np.unique(m.hh[m.group == G_RES])
    cand = pick(rng, res_hh, max(1, int(sz.res * 0.003 / 2.2) + 1))
    protect[np.isin(m.hh, cand) & (m.group == G_RES)] = True
    return protect


def _former_residents(
    rng,
    m: _Members,
    sz: _Sizes,
    places: _Places,
    meiji: np.ndarray,
    has_kojin: np.ndarray,
    kojin_int: np.ndarray,
) -> dict:
    """消除 before START: date, reason (death or move out), where to; and the 個人番号 column
    (none for deaths before the introduction of 個人番号)."""
    total = m.total
    shojo = np.full(total, np.datetime64("NaT"), dtype="datetime64[D]")
    hm = m.group == G_HIST
    shojo[hm] = np.datetime64("2016-04-01") + rng.integers(0, 3600, sz.hist).astype(
        "timedelta64[D]"
    )
    shojo[meiji] = np.datetime64("2000-04-01") + rng.integers(0, 3000, len(meiji)).astype(
        "timedelta64[D]"
    )
    shojo[hm] = np.minimum(shojo[hm], np.datetime64(INITIAL) - np.timedelta64(10, "D"))
    sj = np.zeros(total, np.int8)  # 0 none, 1 death, 2 move out
    sj[hm] = np.where(rng.random(sz.hist) < 0.6, 1, 2)
    sj[meiji] = 1
    tenshutsu = where(hm & (sj == 2), places.outside(total, rng), "")
    has_kojin = has_kojin & ~(hm & (shojo < np.datetime64("2016-01-01")))
    return {
        "shojo": shojo,
        "shojo_jiyu": S(["", "01", "02"]).gather(sj),
        "tenshutsu_saki_address": tenshutsu,
        "kojin_no": where(has_kojin, num(kojin_int), ""),
    }


def _first_changed_at(
    rng, m: _Members, birth: np.ndarray, shojo: np.ndarray, appear: np.ndarray, act: np.ndarray
) -> np.ndarray:
    """changed_at of each record's first delivery: some time before the initial set (after a
    former resident's 消除), or the day it appears in the period."""
    total = m.total
    hm = m.group == G_HIST
    lo = np.maximum(birth, np.datetime64("2003-01-06")).astype("datetime64[s]")
    hi = np.datetime64(INITIAL, "s")
    span = (hi - lo).astype(np.int64)
    created = lo + (rng.random(total) * np.maximum(span - 86400, 1)).astype("timedelta64[s]")
    created = np.where(
        hm,
        shojo.astype("datetime64[s]")
        + rng.integers(86400, 6 * 86400, total).astype("timedelta64[s]"),
        created,
    )
    day_start = act.astype("datetime64[s]")
    late_time = rng.integers(9 * 3600, 17 * 3600, total).astype("timedelta64[s]")
    return np.where(appear >= 0, day_start[np.maximum(appear, 0)] + late_time, created)


# ---------------------------------------------------------------- events of the period
def _period_events(
    rng,
    seed: int,
    m: _Members,
    protect: np.ndarray,
    places: _Places,
    act: np.ndarray,
    frac: float,
) -> dict:
    """At most one event a resident in the period (move out, 転居, death, 職権消除, new
    protection), its day and time, the new address of a 転居, and the columns that go with them."""
    total, hh = m.total, m.hh
    days = len(act)
    event = np.zeros(total, dtype=np.int8)
    ev_day = np.full(total, -1)
    r_res = m.group == G_RES
    # household moves (out of the city, or within it)
    hh_u = rng.random(m.n_hh_all)
    hh_day = rng.integers(0, days, m.n_hh_all)
    mv_out = hh_u < 0.04 * frac
    mv_in = (hh_u >= 0.04 * frac) & (hh_u < 0.07 * frac)
    hmask = r_res & ~protect
    event[hmask & mv_out[hh]] = EV_MOVEOUT
    event[hmask & mv_in[hh]] = EV_TENKYO
    ev_day[event > 0] = hh_day[hh[event > 0]]
    # deaths by age
    ages = m.ages
    mort = np.select(
        [ages < 40, ages < 60, ages < 75, ages < 85, ages < 95],
        [0.0005, 0.002, 0.008, 0.03, 0.1],
        0.25,
    )
    dies = r_res & (event == 0) & (rng.random(total) < mort * frac)
    event[dies] = EV_DEATH
    shokken = r_res & (event == 0) & (rng.random(total) < 0.0005 * frac)
    event[shokken] = EV_SHOKKEN
    newprot = r_res & (event == 0) & ~protect & (rng.random(total) < 0.0003 * frac)
    event[newprot] = EV_PROTECT
    single_ev = (event == EV_DEATH) | (event == EV_SHOKKEN) | (event == EV_PROTECT)
    ev_day[single_ev] = rng.integers(0, days, single_ev.sum())
    day_start = act.astype("datetime64[s]")
    ev_time = np.where(
        ev_day >= 0,
        day_start[np.maximum(ev_day, 0)]
        + rng.integers(9 * 3600, 17 * 3600, total).astype("timedelta64[s]"),
        np.datetime64("NaT"),
    )
    # new addresses for 転居 (same for the whole household)
    hh_new_block, hh_new_addr = places.homes(m.n_hh_all, stream(seed, "people", "tenkyo"))
    new_block = np.where(event == EV_TENKYO, hh_new_block[hh], -1)
    new_addr = where(event == EV_TENKYO, hh_new_addr.gather(hh), "")
    new_out = places.outside(total, rng)
    ev_date = np.where(ev_day >= 0, act[np.maximum(ev_day, 0)], np.datetime64("NaT"))
    death_date = ev_date - rng.integers(1, 8, total).astype("timedelta64[D]")
    return {
        "event": event,
        "event_day": ev_day,
        "event_time": ev_time,
        "death_date": death_date,
        "new_block": new_block,
        "new_address": new_addr,
        "out_address": new_out,
    }


def _late_versions(
    rng, event: np.ndarray, ev_day: np.ndarray, ev_time: np.ndarray, days: int
) -> pl.DataFrame:
    """Out-of-order older versions for some moves (delivered 1-3 days after the newer change)."""
    can_late = ((event == EV_TENKYO) | (event == EV_MOVEOUT)) & (ev_day >= 0) & (ev_day + 3 < days)
    late_p = pick(rng, np.flatnonzero(can_late), max(1, int(can_late.sum() * 0.08)))
    return pl.DataFrame(
        {
            "pidx": late_p,
            "deliver_day": ev_day[late_p] + rng.integers(1, 4, len(late_p)),
            "changed_at": (
                ev_time[late_p]
                - rng.integers(3600, 20 * 3600, len(late_p)).astype("timedelta64[s]")
            ).astype("datetime64[ms]"),
        },
        schema={"pidx": pl.Int64, "deliver_day": pl.Int64, "changed_at": pl.Datetime("ms")},
    )


def age_on(birth: np.ndarray, on: dt.date) -> np.ndarray:
    """Age in whole years on a date."""
    by, bm, bd = ymd(np.asarray(birth, dtype="datetime64[D]"))
    return on.year - by - ((on.month * 100 + on.day) < (bm * 100 + bd))


def atena_rows(people: People, cal: Calendar) -> pl.DataFrame:
    """Every version of every 宛名 record: extract columns as text, plus _pidx, _changed_at,
    _ct (I/U/D) and _deliver (extract date)."""
    df = people.df
    act = np.array(cal.activity, dtype="datetime64[D]")
    state = _atena_state(df)
    appear = df["appear_day"].to_numpy()
    deliver = np.where(appear >= 0, act[np.maximum(appear, 0)], np.datetime64(INITIAL))
    first = state.with_columns(
        _changed_at=df["created_at"], _ct=pl.lit("I"), _deliver=pl.Series(deliver).cast(pl.Date)
    )
    parts = [first]
    parts += _atena_deletions(df, state, act, cal.days)
    parts += _atena_event_updates(df, state, act)
    parts.append(_new_heads(people, state, cal))
    parts += _atena_late_versions(people, state, act)
    return pl.concat(parts)


def _atena_state(df: pl.DataFrame) -> pl.DataFrame:
    """The 宛名 record of each person as text, as it stands at the start (plus _pidx)."""
    state = df.select(
        "atena_no",
        "kojin_no",
        "setai_no",
        "shimei",
        "shimei_kana",
        pl.Series("birth_date", era(df["birth"].to_numpy())),
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
        pl.Series("shojo_date", era(df["shojo"].to_numpy())),
        "shojo_jiyu",
        "kokuseki",
        "tsusho",
        pl.when(pl.col("protected")).then(pl.lit("1")).otherwise(pl.lit("0")).alias("shori_teishi"),
        "zairyu_shikaku",
        pl.col("pidx").alias("_pidx"),
    )
    return state


def _atena_deletions(
    df: pl.DataFrame, state: pl.DataFrame, act: np.ndarray, days: int
) -> list[pl.DataFrame]:
    """Erroneous double registrations, deleted a few days later."""
    err = df.filter(pl.col("group") == G_ERR)
    if not err.height:
        return []
    e_day = np.minimum(err["appear_day"].to_numpy() + 2, days - 1)
    return [
        state.filter(pl.col("_pidx").is_in(err["pidx"].implode())).with_columns(
            _changed_at=pl.Series(
                act[e_day].astype("datetime64[ms]") + np.timedelta64(15 * 3600 * 1000, "ms")
            ),
            _ct=pl.lit("D"),
            _deliver=pl.Series(act[e_day]).cast(pl.Date),
        )
    ]


def _atena_event_updates(
    df: pl.DataFrame, state: pl.DataFrame, act: np.ndarray
) -> list[pl.DataFrame]:
    """The U row of each event of the period: 消除 (death, move out, 職権), 転居, protection."""
    ev = df.filter(pl.col("event") > 0)
    if not ev.height:
        return []
    e = ev["event"].to_numpy()
    edate = act[ev["event_day"].to_numpy()]
    cur = state.filter(pl.col("_pidx").is_in(ev["pidx"].implode())).sort("_pidx")
    ev = ev.sort("pidx")
    shojo = np.where(
        e == EV_DEATH,
        ev["death_date"].to_numpy(),
        np.where(np.isin(e, (EV_MOVEOUT, EV_SHOKKEN)), edate, np.datetime64("NaT")),
    )
    upd = cur.with_columns(
        shojo_date=pl.Series(era(shojo.astype("datetime64[D]"))),
        shojo_jiyu=pl.Series(
            np.select([e == EV_DEATH, e == EV_MOVEOUT, e == EV_SHOKKEN], ["01", "02", "03"], "")
        ),
        tenshutsu_saki_address=pl.when(pl.Series(e == EV_MOVEOUT))
        .then(ev["out_address"])
        .otherwise(pl.col("tenshutsu_saki_address")),
        address=pl.when(pl.Series(e == EV_TENKYO))
        .then(ev["new_address"])
        .otherwise(pl.col("address")),
        prev_address=pl.when(pl.Series(e == EV_TENKYO))
        .then(pl.col("address"))
        .otherwise(pl.col("prev_address")),
        ward_code=pl.when(pl.Series(e == EV_TENKYO))
        .then(ev["new_ward_code"])
        .otherwise(pl.col("ward_code")),
        jumin_jiyu=pl.when(pl.Series(e == EV_TENKYO))
        .then(pl.lit("転居"))
        .otherwise(pl.col("jumin_jiyu")),
        shori_teishi=pl.when(pl.Series(e == EV_PROTECT))
        .then(pl.lit("1"))
        .otherwise(pl.col("shori_teishi")),
        _changed_at=ev["event_time"],
        _ct=pl.lit("U"),
        _deliver=pl.Series(edate).cast(pl.Date),
    )
    return [upd]


def _atena_late_versions(
    people: People, state: pl.DataFrame, act: np.ndarray
) -> list[pl.DataFrame]:
    """Out-of-order older versions, delivered after the newer change."""
    if not people.late.height:
        return []
    late = people.late.sort("pidx")
    old = state.filter(pl.col("_pidx").is_in(late["pidx"].implode())).sort("_pidx")
    return [
        old.with_columns(
            _changed_at=late["changed_at"],
            _ct=pl.lit("U"),
            _deliver=pl.Series(act[late["deliver_day"].to_numpy()]).cast(pl.Date),
        )
    ]


def _new_heads(people: People, state: pl.DataFrame, cal: Calendar) -> pl.DataFrame:
    """世帯主 changes: some days after the head of a household dies, the household gets a new head
    (the spouse, else the eldest member) and every remaining member a U row pointing to them."""
    df = people.df
    r = stream(people.seed, "people", "new-heads")
    act = np.array(cal.activity, dtype="datetime64[D]")
    heads = df.filter(
        (pl.col("event") == EV_DEATH) & (pl.col("role") == 0) & (pl.col("group") == G_RES)
    ).select("hh", "event_day")
    heads = heads.with_columns(
        change_day=pl.col("event_day") + pl.Series(r.integers(3, 11, heads.height))
    ).filter(pl.col("change_day") < cal.days)
    members = (
        df.filter(
            pl.col("hh").is_in(heads["hh"].implode())
            & (pl.col("group") == G_RES)
            & (pl.col("event") == EV_NONE)
        )
        .select("pidx", "hh", "zokugara", "birth", "atena_no")
        .join(heads.select("hh", "change_day"), on="hh", how="left", maintain_order="left")
    )
    if members.height == 0:
        return state.head(0).with_columns(
            _changed_at=pl.lit(None, pl.Datetime("ms")),
            _ct=pl.lit("U"),
            _deliver=pl.lit(None, pl.Date),
        )
    rank = members.with_columns(spouse=pl.col("zokugara").is_in(["妻", "夫"]).cast(pl.Int8)).sort(
        "hh", "spouse", "birth", "pidx", descending=[False, True, False, False]
    )
    new_head = (
        rank.group_by("hh", maintain_order=True)
        .first()
        .select("hh", new_head="pidx", new_no="atena_no")
    )
    members = members.join(new_head, on="hh", how="left", maintain_order="left").sort("pidx")
    day = members["change_day"].to_numpy()
    changed = act[day].astype("datetime64[ms]") + (
        r.integers(9 * 3600, 17 * 3600, members.height) * 1000
    ).astype("timedelta64[ms]")
    cur = state.filter(pl.col("_pidx").is_in(members["pidx"].implode())).sort("_pidx")
    is_head = pl.Series((members["pidx"] == members["new_head"]).to_numpy())
    return cur.with_columns(
        setainushi_atena_no=members["new_no"],
        zokugara=pl.when(is_head).then(pl.lit("世帯主")).otherwise(pl.col("zokugara")),
        _changed_at=pl.Series(changed),
        _ct=pl.lit("U"),
        _deliver=pl.Series(act[day]).cast(pl.Date),
    )
