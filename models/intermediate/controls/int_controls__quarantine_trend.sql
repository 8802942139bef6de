{#- Restricted. Control `quarantine_trend` (PIA III-7 リスク2): per month of the extract date and
    extract, the rows stored from loaded files (load ledger) and the rows of them quarantined
    (any reason). An extract-month is an exception when its share is above the threshold; the
    month's measure is the share over all extracts. -#}
with control as (
    select
        control_code,
        threshold_value
    from {{ ref('control_catalogue') }}
    where control_code = 'quarantine_trend'
),

files as (
    select
        file_name,
        extract,
        extract_date,
        loaded_rows
    from {{ ref('stg_ledger__load_files') }}
    where status = 'loaded' and extract_date is not null
),

quarantined as (
    select
        _file_name as file_name,
        count(*) as rows_quarantined
    from {{ ref('quarantine_rows') }}
    group by _file_name
),

months as (
    select
        cast(date_trunc('month', files.extract_date) as date) as period_month,
        files.extract,
        max(files.extract_date) as last_extract_date,
        sum(files.loaded_rows) as rows_loaded,
        sum(coalesce(quarantined.rows_quarantined, 0)) as rows_quarantined
    from files
    left join quarantined
        on files.file_name = quarantined.file_name
    group by cast(date_trunc('month', files.extract_date) as date), files.extract
),

final as (
    select
        control.control_code,
        months.period_month,
        months.extract || ':' || cast(months.period_month as varchar) as item_id,
        months.last_extract_date as item_date,
        coalesce(
            months.rows_quarantined > control.threshold_value * months.rows_loaded, false
        ) as is_exception,
        case
            when months.rows_quarantined > control.threshold_value * months.rows_loaded
                then 'share_above_threshold'
            else 'share_within_threshold'
        end as rule_code,
        cast(null as varchar) as staff_id,
        cast(null as varchar) as log_id,
        cast(null as varchar) as record_id,
        cast(months.rows_quarantined as double precision) as measure_numerator,
        cast(months.rows_loaded as double precision) as measure_denominator,
        cast(null as integer) as days_value,
        cast(months.rows_quarantined as bigint) as line_count,
        months.extract || ': 隔離 ' || cast(months.rows_quarantined as varchar) || '行 / 受付 '
        || cast(months.rows_loaded as varchar) || '行' as detail_ja
    from months
    cross join control
)

select * from final
