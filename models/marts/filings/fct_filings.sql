{#- Lifecycle facts of every filing received: received → forwarded → JPS result → closed. -#}

with

lifecycle as (
    select * from {{ ref('int_filings__lifecycle') }}
),

jps_codes as (
    select
        cast(kekka as varchar) as kekka,
        outcome
    from {{ ref('code_jps_kekka') }}
),

final as (
    select
        cast(l.uketsuke_no as varchar) as uketsuke_no,
        cast(l.office_code as varchar) as office_code,
        cast(l.todokede_shubetsu as varchar) as todokede_shubetsu,
        cast(l.category as varchar) as category,
        l.uketsuke_date as received_date,
        l.received_week,
        l.received_month,
        l.shintatsu_date as forwarded_date,
        cast(l.shintatsu_batch as varchar) as forwarded_batch,
        l.forwarded_week,
        cast(l.status as varchar) as status,
        l.is_withdrawn,
        l.has_final_result,
        l.is_closed,
        l.final_result_date,
        l.result_week,
        cast(case when l.has_final_result then l.result_kekka end as varchar) as jps_kekka,
        cast(case when l.has_final_result then j.outcome end as varchar) as jps_outcome,
        cast(l.hold_rows as bigint) as hold_rows,
        cast(l.days_received_to_forwarded as bigint) as days_received_to_forwarded,
        cast(l.days_forwarded_to_result as bigint) as days_forwarded_to_result,
        cast(l.days_received_to_result as bigint) as days_received_to_result,
        cast(l.backlog_kind as varchar) as backlog_kind,
        cast(l.backlog_age_days as bigint) as backlog_age_days,
        cast(l.aging_bucket as varchar) as aging_bucket,
        l.as_of_date
    from lifecycle as l
    left join jps_codes as j
        on l.result_kekka = j.kekka
)

select * from final
