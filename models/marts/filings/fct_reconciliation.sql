{#- Published reconciliation of filings against the JPS result lists (docs/published-contract.md §3.2).
    No person identifier: uketsuke_no is the city's case number. -#}

with

reconciliation as (
    select * from {{ ref('int_filings__reconciliation') }}
),

lifecycle as (
    select * from {{ ref('int_filings__lifecycle') }}
),

as_of as (
    select max(as_of_date) as as_of_date from lifecycle
),

filing_types as (
    select
        cast(todokede_shubetsu as varchar) as todokede_shubetsu,
        category
    from {{ ref('code_todokede_shubetsu') }}
),

jps_codes as (
    select
        cast(kekka as varchar) as kekka,
        kekka_name,
        outcome
    from {{ ref('code_jps_kekka') }}
),

final as (
    select
        r.uketsuke_no,
        r.list_id,
        cast(r.row_no as bigint) as row_no,
        r.status,
        r.mismatch_fields,
        r.is_filing,
        r.match_stage,
        cast(r.delta_days as bigint) as taisho_date_delta_days,
        cast(r.taisho_shift_days as bigint) as taisho_date_shift_days,
        l.office_code,
        coalesce(l.todokede_shubetsu, r.result_todokede_shubetsu) as todokede_shubetsu,
        t.category,
        l.uketsuke_date as received_date,
        l.shintatsu_date as forwarded_date,
        l.shintatsu_batch as forwarded_batch,
        r.result_list_date,
        r.result_kekka_date,
        r.result_kekka as jps_kekka,
        j.kekka_name as jps_kekka_name,
        j.outcome as jps_outcome,
        r.result_henrei_riyu as henrei_riyu,
        cast(r.hold_rows as bigint) as hold_rows,
        cast(r.duplicate_rows as bigint) as duplicate_rows,
        case when r.is_filing and r.status = 'pending' then a.as_of_date - l.shintatsu_date end
            as days_pending,
        a.as_of_date
    from reconciliation as r
    left join lifecycle as l
        on r.uketsuke_no = l.uketsuke_no
    left join filing_types as t
        on coalesce(l.todokede_shubetsu, r.result_todokede_shubetsu) = t.todokede_shubetsu
    left join jps_codes as j
        on r.result_kekka = j.kekka
    cross join as_of as a
)

select
    cast(uketsuke_no as varchar) as uketsuke_no,
    cast(list_id as varchar) as list_id,
    row_no,
    cast(status as varchar) as status,
    cast(mismatch_fields as varchar) as mismatch_fields,
    is_filing,
    cast(match_stage as varchar) as match_stage,
    taisho_date_delta_days,
    taisho_date_shift_days,
    cast(office_code as varchar) as office_code,
    cast(todokede_shubetsu as varchar) as todokede_shubetsu,
    cast(category as varchar) as category,
    received_date,
    forwarded_date,
    cast(forwarded_batch as varchar) as forwarded_batch,
    result_list_date,
    result_kekka_date,
    cast(jps_kekka as varchar) as jps_kekka,
    cast(jps_kekka_name as varchar) as jps_kekka_name,
    cast(jps_outcome as varchar) as jps_outcome,
    cast(henrei_riyu as varchar) as henrei_riyu,
    hold_rows,
    duplicate_rows,
    cast(days_pending as bigint) as days_pending,
    as_of_date
from final
