{#-
    Lifecycle of each filing received: received → forwarded (進達 batch) → JPS result(s) → closed,
    with lead times and the backlog age as of the data's as-of date. One row per uketsuke_no.
    Restricted: carries atena_no for the exemption cross-check and person counts.
-#}

with

filings as (
    select
        uketsuke_no,
        uketsuke_date,
        office_code,
        staff_id,
        todokede_shubetsu,
        atena_no,
        taisho_date,
        shubetsu_after,
        menjo_shurui,
        nenkin_kbn,
        shintatsu_date,
        shintatsu_batch,
        coalesce(is_withdrawn, false) as is_withdrawn
    from {{ ref('stg_nenkin__todokede') }}
),

filing_types as (
    select
        cast(todokede_shubetsu as varchar) as todokede_shubetsu,
        category
    from {{ ref('code_todokede_shubetsu') }}
),

reconciliation as (
    select *
    from {{ ref('int_filings__reconciliation') }}
    where is_filing
),

-- the as-of date of the data: the latest date any filing or result list shows, never after the
-- run date (the run clock; rows dated later are quarantined in staging)
as_of as (
    select least(max(as_of_date), {{ run_date() }}) as as_of_date
    from (
        select max(uketsuke_date) as as_of_date from filings
        union all
        select max(shintatsu_date) from filings
        union all
        select max(list_date) from {{ ref('stg_jps__kekka') }}
    ) as dates
),

joined as (
    select
        f.uketsuke_no,
        f.uketsuke_date,
        f.office_code,
        f.staff_id,
        f.todokede_shubetsu,
        t.category,
        f.atena_no,
        f.taisho_date,
        f.shubetsu_after,
        f.menjo_shurui,
        f.nenkin_kbn,
        f.shintatsu_date,
        f.shintatsu_batch,
        f.is_withdrawn,
        r.status,
        r.mismatch_fields,
        r.match_stage,
        r.delta_days,
        r.hold_rows,
        r.duplicate_rows,
        r.list_id,
        r.row_no,
        r.result_list_date,
        r.result_kekka,
        r.result_kekka_date,
        r.result_taisho_date,
        r.result_shubetsu_after,
        r.result_menjo_shurui,
        r.result_henrei_riyu,
        r.status in ('matched', 'mismatched', 'returned') as has_final_result,
        a.as_of_date
    from filings as f
    inner join reconciliation as r
        on f.uketsuke_no = r.uketsuke_no
    left join filing_types as t
        on f.todokede_shubetsu = t.todokede_shubetsu
    cross join as_of as a
),

final as (
    select
        *,
        case when has_final_result then result_list_date end as final_result_date,
        has_final_result or is_withdrawn as is_closed,
        case
            when status = 'not_forwarded' then 'not_forwarded'
            when status = 'pending' then 'pending'
        end as backlog_kind,
        case when shintatsu_date is not null then shintatsu_date - uketsuke_date end
            as days_received_to_forwarded,
        case when has_final_result then result_list_date - shintatsu_date end
            as days_forwarded_to_result,
        case when has_final_result then result_list_date - uketsuke_date end
            as days_received_to_result,
        case when status = 'pending' then as_of_date - shintatsu_date end as days_pending,
        case
            when status = 'not_forwarded' then as_of_date - uketsuke_date
            when status = 'pending' then as_of_date - shintatsu_date
        end as backlog_age_days,
        cast(date_trunc('week', uketsuke_date) as date) as received_week,
        cast(date_trunc('month', uketsuke_date) as date) as received_month,
        cast(date_trunc('week', shintatsu_date) as date) as forwarded_week,
        case when has_final_result then cast(date_trunc('week', result_list_date) as date) end
            as result_week
    from joined
)

select
    *,
    {{ filings_aging_bucket('backlog_age_days') }} as aging_bucket
from final
