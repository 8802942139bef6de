{#- The reference date of person attributes that change with time (age bands): the latest date
    the delivered data describes — the latest of the 宛名 changes, the access-log days, the staff
    snapshots and the filings received, never after the run date (the run clock, clock.py: rows
    dated after it are quarantined as `future_date:<column>`, so no delivered date can move the
    clock). One row. Overridable with the var `reference_date`
    ('YYYY-MM-DD') for reproducible reports. -#}
{%- set override = var('reference_date') -%}
with data_dates as (
    select max(cast(changed_at as date)) as data_date from {{ ref('stg_atena__persons') }}
    union all
    select max(access_date) from {{ ref('stg_kiban__access_log') }}
    union all
    select max(snapshot_date) from {{ ref('stg_kiban__staff_snapshots') }}
    union all
    select max(uketsuke_date) from {{ ref('stg_nenkin__todokede') }}
),

final as (
    select
        {%- if override %}
        cast('{{ override }}' as date) as reference_date
        {%- else %}
            least(coalesce(max(data_date), {{ run_date() }}), {{ run_date() }}) as reference_date
        {%- endif %}
    from data_dates
)

select * from final
