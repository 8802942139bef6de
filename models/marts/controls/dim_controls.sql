-- The PIA self-check controls, their PIA sections and thresholds (seed control_catalogue).

with catalogue as (
    select * from {{ ref('control_catalogue') }}
),

final as (
    select
        cast(control_code as varchar) as control_code,
        cast(sort_order as bigint) as sort_order,
        cast(control_name_ja as varchar) as control_name_ja,
        cast(pia_section as varchar) as pia_section,
        cast(measure_ja as varchar) as measure_ja,
        cast(threshold_value as double precision) as threshold_value,
        cast(threshold_rule as varchar) as threshold_rule,
        cast(window_days as bigint) as window_days,
        cast(evaluated_in as varchar) as evaluated_in,
        cast(method_ja as varchar) as method_ja,
        cast(description as varchar) as description
    from catalogue
)

select * from final
