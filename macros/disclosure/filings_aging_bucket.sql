{#- Aging bucket of a backlog item from its age in days (null when not in the backlog).
    Buckets sort as text: '00-07', '08-14', '15-30', '31-60', '61-90', '91+'. -#}
{% macro filings_aging_bucket(age_days) -%}
    case
        when {{ age_days }} is null then null
        when {{ age_days }} <= 7 then '00-07'
        when {{ age_days }} <= 14 then '08-14'
        when {{ age_days }} <= 30 then '15-30'
        when {{ age_days }} <= 60 then '31-60'
        when {{ age_days }} <= 90 then '61-90'
        else '91+'
    end
{%- endmacro %}
