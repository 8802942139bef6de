{#-
    Reconciliation of filings (stg_nenkin__todokede) with the JPS 処理結果一覧表 rows
    (stg_jps__kekka): the matching of docs block `filings_reconciliation_matching`, step by step.
    One row per filing received, plus one row per JPS row that decides no filing.
    Restricted (kiso_nenkin_no): the public fct_reconciliation selects from it.
-#}
{%- set window_days = var('reconciliation_window_days') -%}
{#- A row's nearest candidate filing (docs/internal-contracts.md §F step 5, also used by steps 7 and 9): smallest
    |Δ taisho_date|, then the later 進達, then the smaller 受付番号. -#}
{%- set nearest_candidate_first = "c.delta_days asc, c.shintatsu_date desc, c.uketsuke_no asc" -%}

with

filings as (
    select
        uketsuke_no,
        kiso_nenkin_no,
        kiso_nenkin_no_source,
        todokede_shubetsu,
        taisho_date,
        shubetsu_after,
        menjo_shurui,
        shintatsu_date,
        coalesce(is_withdrawn, false) as is_withdrawn
    from {{ ref('stg_nenkin__todokede') }}
),

-- step 1: forwarded, not withdrawn filings are the candidates
forwarded as (
    select *
    from filings
    where not is_withdrawn
        and shintatsu_date is not null
),

-- step 2: final rows (kekka <> '3') and interim 保留 rows (kekka = '3')
results as (
    select
        list_id,
        list_date,
        row_no,
        kiso_nenkin_no,
        kiso_nenkin_no_source,
        todokede_shubetsu,
        taisho_date,
        kekka,
        kekka_date,
        shubetsu_after,
        menjo_shurui,
        henrei_riyu,
        kekka <> '3' as is_final
    from {{ ref('stg_jps__kekka') }}
),

-- step 3: candidate pairs: same person, same type, forwarded by the list date, target dates
-- at most W days apart
candidates as (
    select
        r.list_id,
        r.row_no,
        r.list_date,
        r.is_final,
        f.uketsuke_no,
        f.shintatsu_date,
        abs(r.taisho_date - f.taisho_date) as delta_days
    from results as r
    inner join forwarded as f
        on r.kiso_nenkin_no = f.kiso_nenkin_no
            and r.todokede_shubetsu = f.todokede_shubetsu
            and r.list_date >= f.shintatsu_date
            and abs(r.taisho_date - f.taisho_date) <= {{ window_days }}
),

-- step 4: exact dates, first in first out within (person, type, target date)
exact_results as (
    select
        list_id,
        row_no,
        list_date,
        row_number() over (
            partition by kiso_nenkin_no, todokede_shubetsu, taisho_date
            order by list_date asc, list_id asc, row_no asc
        ) as exact_rank,
        kiso_nenkin_no,
        todokede_shubetsu,
        taisho_date
    from results
    where is_final
        and kiso_nenkin_no is not null
        and taisho_date is not null
),

exact_filings as (
    select
        uketsuke_no,
        shintatsu_date,
        row_number() over (
            partition by kiso_nenkin_no, todokede_shubetsu, taisho_date
            order by shintatsu_date asc, uketsuke_no asc
        ) as exact_rank,
        kiso_nenkin_no,
        todokede_shubetsu,
        taisho_date
    from forwarded
    where kiso_nenkin_no is not null
        and taisho_date is not null
),

stage1_pairs as (
    select
        r.list_id,
        r.row_no,
        f.uketsuke_no,
        0 as delta_days,
        'exact' as match_stage
    from exact_results as r
    inner join exact_filings as f
        on r.kiso_nenkin_no = f.kiso_nenkin_no
            and r.todokede_shubetsu = f.todokede_shubetsu
            and r.taisho_date = f.taisho_date
            and r.exact_rank = f.exact_rank
    where f.shintatsu_date <= r.list_date
),

-- step 5: each final row still unpaired picks its nearest candidate among the filings without
-- a final row; each filing keeps the first picker
stage2_choices as (
    select
        c.list_id,
        c.row_no,
        c.list_date,
        c.uketsuke_no,
        c.delta_days,
        row_number() over (
            partition by c.list_id, c.row_no
            order by {{ nearest_candidate_first }}
        ) as choice_rank
    from candidates as c
    left join stage1_pairs as paired_row
        on c.list_id = paired_row.list_id
            and c.row_no = paired_row.row_no
    left join stage1_pairs as paired_filing
        on c.uketsuke_no = paired_filing.uketsuke_no
    where c.is_final
        and paired_row.list_id is null
        and paired_filing.uketsuke_no is null
),

stage2_kept as (
    select
        list_id,
        row_no,
        uketsuke_no,
        delta_days,
        row_number() over (
            partition by uketsuke_no
            order by delta_days asc, list_date asc, list_id asc, row_no asc
        ) as keep_rank
    from stage2_choices
    where choice_rank = 1
),

stage12_pairs as (
    select
        list_id,
        row_no,
        uketsuke_no,
        delta_days,
        match_stage
    from stage1_pairs
    union all
    select
        list_id,
        row_no,
        uketsuke_no,
        delta_days,
        'nearest' as match_stage
    from stage2_kept
    where keep_rank = 1
),

-- step 6: each final row still unpaired whose person and type have exactly one open filing
-- (forwarded by the list date, no final row from steps 4-5) belongs to it at any distance of
-- the target dates (no window); a filing picked by several rows keeps the first by
-- (|Δ|, list_date, list_id, row_no)
stage3_open as (
    select
        r.list_id,
        r.row_no,
        r.list_date,
        f.uketsuke_no,
        f.shintatsu_date,
        abs(r.taisho_date - f.taisho_date) as delta_days,
        count(*) over (partition by r.list_id, r.row_no) as open_filings
    from results as r
    inner join forwarded as f
        on r.kiso_nenkin_no = f.kiso_nenkin_no
            and r.todokede_shubetsu = f.todokede_shubetsu
            and r.list_date >= f.shintatsu_date
    left join stage12_pairs as paired_row
        on r.list_id = paired_row.list_id
            and r.row_no = paired_row.row_no
    left join stage12_pairs as paired_filing
        on f.uketsuke_no = paired_filing.uketsuke_no
    where r.is_final
        and paired_row.list_id is null
        and paired_filing.uketsuke_no is null
),

stage3_only as (
    select
        list_id,
        row_no,
        uketsuke_no,
        shintatsu_date,
        delta_days,
        row_number() over (
            partition by uketsuke_no
            order by delta_days asc nulls last, list_date asc, list_id asc, row_no asc
        ) as keep_rank
    from stage3_open
    where open_filings = 1
),

pairs as (
    select
        list_id,
        row_no,
        uketsuke_no,
        delta_days,
        match_stage
    from stage12_pairs
    union all
    select
        list_id,
        row_no,
        uketsuke_no,
        delta_days,
        'only_open' as match_stage
    from stage3_only
    where keep_rank = 1
),

-- step 7: final rows left unpaired: duplicate_result when they have any candidate (within the
-- window, or the only open filing of step 6 that another row took; the filing named is the
-- candidate that already has a final row, else the nearest), else unmatched_result
duplicate_candidates as (
    select
        list_id,
        row_no,
        uketsuke_no,
        shintatsu_date,
        delta_days
    from candidates
    where is_final
    union
    select
        list_id,
        row_no,
        uketsuke_no,
        shintatsu_date,
        delta_days
    from stage3_only
    where keep_rank > 1
),

unpaired_final_choice as (
    select
        c.list_id,
        c.row_no,
        c.uketsuke_no,
        c.delta_days,
        row_number() over (
            partition by c.list_id, c.row_no
            order by
                case when filing_pair.uketsuke_no is not null then 0 else 1 end asc,
                {{ nearest_candidate_first }}
        ) as choice_rank
    from duplicate_candidates as c
    left join pairs as row_pair
        on c.list_id = row_pair.list_id
            and c.row_no = row_pair.row_no
    left join pairs as filing_pair
        on c.uketsuke_no = filing_pair.uketsuke_no
    where row_pair.list_id is null
),

unpaired_finals as (
    select
        r.list_id,
        r.row_no,
        d.uketsuke_no,
        d.delta_days,
        case
            when d.uketsuke_no is not null then 'duplicate_result'
            else 'unmatched_result'
        end as status
    from results as r
    left join pairs as p
        on r.list_id = p.list_id
            and r.row_no = p.row_no
    left join unpaired_final_choice as d
        on r.list_id = d.list_id
            and r.row_no = d.row_no
            and d.choice_rank = 1
    where r.is_final
        and p.list_id is null
),

-- step 9: each 保留 row picks its nearest candidate among all forwarded filings
hold_choices as (
    select
        c.list_id,
        c.row_no,
        c.list_date,
        c.uketsuke_no,
        c.delta_days,
        row_number() over (
            partition by c.list_id, c.row_no
            order by {{ nearest_candidate_first }}
        ) as choice_rank
    from candidates as c
    where not c.is_final
),

hold_carried as (
    select
        h.list_id,
        h.row_no,
        h.uketsuke_no,
        h.delta_days,
        row_number() over (
            partition by h.uketsuke_no
            order by h.list_date desc, h.list_id desc, h.row_no desc
        ) as latest_rank,
        count(*) over (partition by h.uketsuke_no) as hold_rows
    from hold_choices as h
    left join pairs as p
        on h.uketsuke_no = p.uketsuke_no
    where h.choice_rank = 1
        and p.uketsuke_no is null
),

hold_counts as (
    select
        uketsuke_no,
        count(*) as hold_rows
    from hold_choices
    where choice_rank = 1
    group by uketsuke_no
),

unmatched_holds as (
    select
        r.list_id,
        r.row_no
    from results as r
    left join hold_choices as h
        on r.list_id = h.list_id
            and r.row_no = h.row_no
    where not r.is_final
        and h.list_id is null
),

duplicate_counts as (
    select
        uketsuke_no,
        count(*) as duplicate_rows
    from unpaired_finals
    where status = 'duplicate_result'
    group by uketsuke_no
),

-- step 8: compare the filing with its final row, null-safe (null vs a value differs, two nulls
-- do not)
filing_pairs as (
    select
        f.uketsuke_no,
        p.list_id,
        p.row_no,
        p.match_stage,
        p.delta_days,
        r.taisho_date - f.taisho_date as taisho_shift_days,
        r.kekka,
        coalesce(r.taisho_date <> f.taisho_date, false)
        or (r.taisho_date is null) <> (f.taisho_date is null) as differs_taisho_date,
        coalesce(r.shubetsu_after <> f.shubetsu_after, false)
        or (r.shubetsu_after is null) <> (f.shubetsu_after is null) as differs_shubetsu_after,
        coalesce(r.menjo_shurui <> f.menjo_shurui, false)
        or (r.menjo_shurui is null) <> (f.menjo_shurui is null) as differs_menjo_shurui
    from pairs as p
    inner join filings as f
        on p.uketsuke_no = f.uketsuke_no
    inner join results as r
        on
            p.list_id = r.list_id
            and p.row_no = r.row_no
),

-- step 8 and the filing side of step 9: one row per filing
filing_rows as (
    select
        f.uketsuke_no,
        coalesce(p.list_id, h.list_id) as list_id,
        coalesce(p.row_no, h.row_no) as row_no,
        case
            when f.is_withdrawn then 'withdrawn'
            when f.shintatsu_date is null then 'not_forwarded'
            when p.list_id is null then 'pending'
            when p.kekka = '2' then 'returned'
            when p.differs_taisho_date or p.differs_shubetsu_after or p.differs_menjo_shurui
                then 'mismatched'
            else 'matched'
        end as status,
        case
            when p.list_id is not null and p.kekka <> '2'
                then nullif(concat_ws(
                        ',',
                        case when p.differs_menjo_shurui then 'menjo_shurui' end,
                        case when p.differs_shubetsu_after then 'shubetsu_after' end,
                        case when p.differs_taisho_date then 'taisho_date' end
                    ), '')
        end as mismatch_fields,
        case
            when p.list_id is not null then p.match_stage
            when h.list_id is not null then 'hold'
        end as match_stage,
        coalesce(p.delta_days, h.delta_days) as delta_days,
        case
            when p.list_id is not null and p.kekka <> '2' then p.taisho_shift_days
        end as taisho_shift_days,
        f.kiso_nenkin_no,
        f.kiso_nenkin_no_source,
        coalesce(hc.hold_rows, 0) as hold_rows,
        coalesce(dc.duplicate_rows, 0) as duplicate_rows
    from filings as f
    left join filing_pairs as p
        on f.uketsuke_no = p.uketsuke_no
    left join hold_carried as h
        on
            f.uketsuke_no = h.uketsuke_no
            and h.latest_rank = 1
    left join hold_counts as hc
        on f.uketsuke_no = hc.uketsuke_no
    left join duplicate_counts as dc
        on f.uketsuke_no = dc.uketsuke_no
),

result_rows as (
    select
        uketsuke_no,
        list_id,
        row_no,
        status,
        cast(null as varchar) as mismatch_fields,
        cast(null as varchar) as match_stage,
        delta_days,
        cast(null as bigint) as taisho_shift_days
    from unpaired_finals
    union all
    select
        cast(null as varchar) as uketsuke_no,
        list_id,
        row_no,
        'unmatched_result' as status,
        cast(null as varchar) as mismatch_fields,
        cast(null as varchar) as match_stage,
        cast(null as bigint) as delta_days,
        cast(null as bigint) as taisho_shift_days
    from unmatched_holds
),

all_rows as (
    select
        uketsuke_no,
        list_id,
        row_no,
        status,
        mismatch_fields,
        match_stage,
        delta_days,
        taisho_shift_days,
        true as is_filing,
        kiso_nenkin_no,
        kiso_nenkin_no_source,
        hold_rows,
        duplicate_rows
    from filing_rows
    union all
    select
        rr.uketsuke_no,
        rr.list_id,
        rr.row_no,
        rr.status,
        rr.mismatch_fields,
        rr.match_stage,
        rr.delta_days,
        rr.taisho_shift_days,
        false as is_filing,
        r.kiso_nenkin_no,
        r.kiso_nenkin_no_source,
        0 as hold_rows,
        0 as duplicate_rows
    from result_rows as rr
    inner join results as r
        on rr.list_id = r.list_id
            and rr.row_no = r.row_no
),

final as (
    select
        a.uketsuke_no,
        a.list_id,
        a.row_no,
        a.status,
        a.mismatch_fields,
        a.is_filing,
        a.match_stage,
        a.delta_days,
        a.taisho_shift_days,
        a.hold_rows,
        a.duplicate_rows,
        a.kiso_nenkin_no,
        a.kiso_nenkin_no_source,
        r.kiso_nenkin_no_source as result_kiso_nenkin_no_source,
        r.list_date as result_list_date,
        r.kekka as result_kekka,
        r.kekka_date as result_kekka_date,
        r.todokede_shubetsu as result_todokede_shubetsu,
        r.taisho_date as result_taisho_date,
        r.shubetsu_after as result_shubetsu_after,
        r.menjo_shurui as result_menjo_shurui,
        r.henrei_riyu as result_henrei_riyu
    from all_rows as a
    left join results as r
        on a.list_id = r.list_id
            and a.row_no = r.row_no
)

select * from final
