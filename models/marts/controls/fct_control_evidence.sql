-- The evidence behind every dbt-evaluated control: every exception, and every judged item
-- that is not an access-log line (departures, provision records, weeks, extract-months,
-- event-months), so an ok month shows what was checked. Access-log lines within the rule
-- (authorised 個人番号表示, contractor work in scope) are counted in agg_controls__results only.
-- No person appears here: staff by staff_id, lines by log_id, provisions by record_id.

with evidence as (
    select * from {{ ref('int_controls__evidence') }}
),

final as (
    select
        cast(control_code as varchar) as control_code,
        cast(period_month as date) as period_month,
        cast(item_id as varchar) as item_id,
        cast(item_date as date) as item_date,
        cast(is_exception as boolean) as is_exception,
        cast(rule_code as varchar) as rule_code,
        cast(staff_id as varchar) as staff_id,
        cast(log_id as varchar) as log_id,
        cast(record_id as varchar) as record_id,
        cast(days_value as bigint) as days_value,
        cast(line_count as bigint) as line_count,
        cast(detail_ja as varchar) as detail_ja
    from evidence
    where is_exception or log_id is null
)

select * from final
