{#-
    Reconciliation of filings (stg_nenkin__todokede) with the JPS 処理結果一覧表 rows
    (stg_jps__kekka): the matching of docs block `filings_reconciliation_matching`, step by step.
    One row per filing received, plus one row per JPS row that decides no filing.
    Steps 1-3 are int_filings__result_candidates, steps 4-6 int_filings__result_pairs, step 9's
    choice int_filings__hold_matches; steps 7 and 8 and the rows themselves are here.
    Restricted (kiso_nenkin_no): the public fct_reconciliation selects from it.
-#}

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

-- the JPS rows of step 2 (code_jps_kekka.is_final; 返戻 is outcome returned), compared in step 8
results as (
    select
        jps.list_id,
        jps.list_date,
        jps.row_no,
        jps.kiso_nenkin_no,
        jps.kiso_nenkin_no_source,
        jps.todokede_shubetsu,
        jps.taisho_date,
        jps.kekka,
        jps.kekka_date,
        jps.shubetsu_after,
        jps.menjo_shurui,
        jps.henrei_riyu,
        codes.is_final,
        codes.outcome = 'returned' as is_returned
    from {{ ref('stg_jps__kekka') }} as jps
    left join {{ ref('code_jps_kekka') }} as codes
        on jps.kekka = codes.kekka
),

-- steps 1-3: int_filings__result_candidates; steps 4-6: int_filings__result_pairs
pairs as (
    select
        list_id,
        row_no,
        uketsuke_no,
        delta_days,
        match_stage
    from {{ ref('int_filings__result_pairs') }}
    where is_paired
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
    from {{ ref('int_filings__result_candidates') }}
    where is_final
        and is_within_window
    union
    select
        list_id,
        row_no,
        uketsuke_no,
        shintatsu_date,
        delta_days
    from {{ ref('int_filings__result_pairs') }}
    where not is_paired
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
                {{ filings_nearest_candidate_first('c') }}
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

-- step 9: int_filings__hold_matches (each 保留 row's nearest candidate, is_carried by a pending
-- filing); a 保留 row without a candidate is unmatched_result
hold_counts as (
    select
        uketsuke_no,
        count(*) as hold_rows
    from {{ ref('int_filings__hold_matches') }}
    group by uketsuke_no
),

unmatched_holds as (
    select
        r.list_id,
        r.row_no
    from results as r
    left join {{ ref('int_filings__hold_matches') }} as h
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
        r.is_returned,
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
            when p.is_returned then 'returned'
            when p.differs_taisho_date or p.differs_shubetsu_after or p.differs_menjo_shurui
                then 'mismatched'
            else 'matched'
        end as status,
        case
            when p.list_id is not null and not p.is_returned
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
            when p.list_id is not null and not p.is_returned then p.taisho_shift_days
        end as taisho_shift_days,
        f.kiso_nenkin_no,
        f.kiso_nenkin_no_source,
        coalesce(hc.hold_rows, 0) as hold_rows,
        coalesce(dc.duplicate_rows, 0) as duplicate_rows
    from filings as f
    left join filing_pairs as p
        on f.uketsuke_no = p.uketsuke_no
    left join {{ ref('int_filings__hold_matches') }} as h
        on
            f.uketsuke_no = h.uketsuke_no
            and h.is_carried
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
