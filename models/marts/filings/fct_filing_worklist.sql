{#- The offices' work list: filings that need a person to look at them, one row per filing
    (or per JPS row without a filing), with the reasons. Only the case number identifies it. -#}
{%- set pending_days = var('worklist_pending_days') -%}
{%- set unforwarded_days = var('worklist_unforwarded_days') -%}

with

lifecycle as (
    select * from {{ ref('int_filings__lifecycle') }}
),

as_of as (
    select max(as_of_date) as as_of_date from lifecycle
),

disagreements as (
    select
        uketsuke_no,
        nendo,
        applied_shurui,
        allowed_shurui,
        jps_kekka
    from {{ ref('int_filings__exemption_checks') }}
    where is_disagreement
),

filing_items as (
    select
        l.uketsuke_no,
        cast(null as varchar) as list_id,
        cast(null as bigint) as row_no,
        l.office_code,
        l.todokede_shubetsu,
        l.category,
        l.status,
        l.mismatch_fields,
        l.uketsuke_date,
        l.shintatsu_date,
        l.as_of_date - l.uketsuke_date as days_since_received,
        case when l.status = 'pending' then l.as_of_date - l.shintatsu_date end as days_pending,
        l.status = 'mismatched' as is_mismatched,
        l.status = 'returned' as is_returned,
        l.status = 'pending' and l.as_of_date - l.shintatsu_date > {{ pending_days }}
            as is_long_pending,
        l.status = 'not_forwarded' and l.as_of_date - l.uketsuke_date > {{ unforwarded_days }}
            as is_long_unforwarded,
        d.uketsuke_no is not null as is_exemption_disagreement,
        l.duplicate_rows > 0 as has_duplicate_result,
        d.applied_shurui as exemption_applied_shurui,
        d.allowed_shurui as exemption_allowed_shurui,
        l.as_of_date
    from lifecycle as l
    left join disagreements as d
        on l.uketsuke_no = d.uketsuke_no
),

unmatched_items as (
    select
        cast(null as varchar) as uketsuke_no,
        r.list_id,
        cast(r.row_no as bigint) as row_no,
        cast(null as varchar) as office_code,
        r.result_todokede_shubetsu as todokede_shubetsu,
        cast(null as varchar) as category,
        r.status,
        cast(null as varchar) as mismatch_fields,
        cast(null as date) as uketsuke_date,
        cast(null as date) as shintatsu_date,
        cast(null as bigint) as days_since_received,
        cast(null as bigint) as days_pending,
        false as is_mismatched,
        false as is_returned,
        false as is_long_pending,
        false as is_long_unforwarded,
        false as is_exemption_disagreement,
        false as has_duplicate_result,
        cast(null as varchar) as exemption_applied_shurui,
        cast(null as varchar) as exemption_allowed_shurui,
        a.as_of_date
    from {{ ref('int_filings__reconciliation') }} as r
    cross join as_of as a
    where r.status = 'unmatched_result'
),

items as (
    select * from filing_items
    where is_mismatched
        or is_returned
        or is_long_pending
        or is_long_unforwarded
        or is_exemption_disagreement
        or has_duplicate_result
    union all
    select * from unmatched_items
),

final as (
    select
        *,
        concat_ws(
            ',',
            case when is_exemption_disagreement then 'exemption_disagreement' end,
            case when has_duplicate_result then 'duplicate_result' end,
            case when is_long_pending then 'long_pending' end,
            case when is_long_unforwarded then 'long_unforwarded' end,
            case when is_mismatched then 'mismatched' end,
            case when is_returned then 'returned' end,
            case when status = 'unmatched_result' then 'unmatched_result' end
        ) as reasons
    from items
)

select
    cast(uketsuke_no as varchar) as uketsuke_no,
    cast(list_id as varchar) as list_id,
    row_no,
    cast(office_code as varchar) as office_code,
    cast(todokede_shubetsu as varchar) as todokede_shubetsu,
    cast(category as varchar) as category,
    cast(status as varchar) as status,
    cast(reasons as varchar) as reasons,
    cast(mismatch_fields as varchar) as mismatch_fields,
    is_mismatched,
    is_returned,
    is_long_pending,
    is_long_unforwarded,
    is_exemption_disagreement,
    has_duplicate_result,
    cast(exemption_applied_shurui as varchar) as exemption_applied_shurui,
    cast(exemption_allowed_shurui as varchar) as exemption_allowed_shurui,
    uketsuke_date as received_date,
    shintatsu_date as forwarded_date,
    cast(days_since_received as bigint) as days_since_received,
    cast(days_pending as bigint) as days_pending,
    as_of_date
from final
