{#- Restricted. Every control item of the dbt-evaluated controls (control_catalogue,
    evaluated_in = dbt) in one shape: the control, the month it counts in, the item and its
    date, whether it is an exception and by which rule, the member of staff / access-log line /
    provision record it concerns where it has one, and its share of the month's measure
    (numerator, and denominator for a share). -#}
{%- set control_models = [
    'int_controls__revocation',
    'int_controls__provisions',
    'int_controls__jps_weeks',
    'int_controls__kojin_no_display',
    'int_controls__contractor_scope',
    'int_controls__check_digits',
    'int_controls__quarantine_trend',
    'int_controls__stale_records',
] -%}
-- the union is generated from the list of control models; its layout is the loop's
-- noqa: disable=LT02
with unioned as (
    {%- for model in control_models %}
    select
        control_code,
        period_month,
        item_id,
        item_date,
        is_exception,
        rule_code,
        staff_id,
        log_id,
        record_id,
        measure_numerator,
        measure_denominator,
        days_value,
        line_count,
        detail_ja
    from {{ ref(model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)
-- noqa: enable=LT02

select * from unioned
