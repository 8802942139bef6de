-- The load ledger for the dashboards' data-quality page: per extract and ledger status, the
-- files offered, their rows and the newest delivery (the source's freshness). No file content.

with

ledger as (
    select
        extract,
        status,
        extract_date,
        data_rows,
        loaded_rows,
        loaded_at
    from {{ ref('stg_ledger__load_files') }}
),

final as (
    select
        coalesce(extract, '(invalid name)') as extract,
        status,
        count(*) as files,
        cast(sum(coalesce(data_rows, 0)) as bigint) as data_rows,
        cast(sum(coalesce(loaded_rows, 0)) as bigint) as loaded_rows,
        max(extract_date) as latest_extract_date,
        cast(max(loaded_at) as timestamp) as latest_loaded_at
    from ledger
    group by coalesce(extract, '(invalid name)'), status
)

select * from final
