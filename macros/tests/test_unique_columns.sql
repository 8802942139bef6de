{#- Generic test: no two rows share the same values of `columns` (a composite key, the grain).
    Restrict it to some rows with dbt's own test config, e.g. `config: {where: "is_filing"}`. -#}
{% test unique_columns(model, columns) %}
    select
        {{ columns | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
