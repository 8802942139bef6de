{#-
    Steps 1-3 of the reconciliation matching (docs block `filings_reconciliation_matching`,
    docs/internal-contracts.md §F): every (JPS row, forwarded filing) of the same person and type,
    forwarded by the list date, at any distance of the target dates. is_within_window marks the
    candidate pairs of step 3 (|Δ taisho_date| ≤ W); step 6 reads the pairs at any distance.
    Each side also carries its first-in-first-out rank of step 4, taken over all final rows and
    all forwarded filings of its (person, type, target date) before they are joined.
    Restricted: built from kiso_nenkin_no (the number itself is not kept).
-#}
{%- set window_days = var('reconciliation_window_days') -%}

with

-- step 1: forwarded, not withdrawn filings are the candidates
forwarded as (
    select
        uketsuke_no,
        kiso_nenkin_no,
        todokede_shubetsu,
        taisho_date,
        shintatsu_date
    from {{ ref('stg_nenkin__todokede') }}
    where not coalesce(is_withdrawn, false)
        and shintatsu_date is not null
),

-- step 2: final rows and interim 保留 rows (code_jps_kekka.is_final)
results as (
    select
        jps.list_id,
        jps.row_no,
        jps.list_date,
        jps.kiso_nenkin_no,
        jps.todokede_shubetsu,
        jps.taisho_date,
        codes.is_final
    from {{ ref('stg_jps__kekka') }} as jps
    left join {{ ref('code_jps_kekka') }} as codes
        on jps.kekka = codes.kekka
),

-- step 4's ranks: exact dates, first in first out within (person, type, target date)
result_ranks as (
    select
        list_id,
        row_no,
        row_number() over (
            partition by kiso_nenkin_no, todokede_shubetsu, taisho_date
            order by list_date asc, list_id asc, row_no asc
        ) as result_fifo_rank
    from results
    where is_final
        and kiso_nenkin_no is not null
        and taisho_date is not null
),

filing_ranks as (
    select
        uketsuke_no,
        row_number() over (
            partition by kiso_nenkin_no, todokede_shubetsu, taisho_date
            order by shintatsu_date asc, uketsuke_no asc
        ) as filing_fifo_rank
    from forwarded
    where kiso_nenkin_no is not null
        and taisho_date is not null
),

-- step 3: same person, same type, forwarded by the list date; a candidate pair when the target
-- dates are at most W days apart
final as (
    select
        r.list_id,
        r.row_no,
        r.list_date,
        r.is_final,
        f.uketsuke_no,
        f.shintatsu_date,
        abs(r.taisho_date - f.taisho_date) as delta_days,
        coalesce(abs(r.taisho_date - f.taisho_date) <= {{ window_days }}, false) as is_within_window,
        result_ranks.result_fifo_rank,
        filing_ranks.filing_fifo_rank
    from results as r
    inner join forwarded as f
        on r.kiso_nenkin_no = f.kiso_nenkin_no
            and r.todokede_shubetsu = f.todokede_shubetsu
            and r.list_date >= f.shintatsu_date
    left join result_ranks
        on r.list_id = result_ranks.list_id
            and r.row_no = result_ranks.row_no
    left join filing_ranks
        on f.uketsuke_no = filing_ranks.uketsuke_no
)

select * from final
