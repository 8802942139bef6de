{#- Restricted. Control `check_digit` (PIA III-7 リスク2): one row per delivered row quarantined
    because its 個人番号 has a wrong length or check digit (reason invalid_kojin_no), by month of
    its file's extract date. The row itself stays in the restricted quarantine; only the file
    and line number are carried. -#}
with control as (
    select control_code
    from {{ ref('control_catalogue') }}
    where control_code = 'check_digit'
),

files as (
    select
        file_name,
        extract_date
    from {{ ref('stg_ledger__load_files') }}
    -- quarantined rows come from loaded files; a name may also have rejected or duplicate rows
    where status = 'loaded'
),

failures as (
    select
        quarantine.extract,
        quarantine._file_name as file_name,
        quarantine._line_no as line_no,
        quarantine.reject_reason,
        files.extract_date
    from {{ ref('quarantine_rows') }} as quarantine
    left join files
        on quarantine._file_name = files.file_name
    where substr(quarantine.reject_reason, 1, 17) = 'invalid_kojin_no:'
),

final as (
    select
        control.control_code,
        cast(date_trunc('month', failures.extract_date) as date) as period_month,
        failures.file_name || ':' || cast(failures.line_no as varchar) as item_id,
        failures.extract_date as item_date,
        true as is_exception,
        'invalid_kojin_no' as rule_code,
        cast(null as varchar) as staff_id,
        cast(null as varchar) as log_id,
        cast(null as varchar) as record_id,
        cast(1 as double precision) as measure_numerator,
        cast(null as double precision) as measure_denominator,
        cast(null as integer) as days_value,
        cast(1 as bigint) as line_count,
        failures.extract || ' ' || failures.file_name || ' ' || cast(failures.line_no as varchar)
        || '行目: 個人番号の桁数または検査数字が不正（' || failures.reject_reason || '）' as detail_ja
    from failures
    cross join control
)

select * from final
