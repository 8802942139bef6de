{#- The extract dates an incremental staging model rebuilds on a daily run (it is keyed on
    _extract_date, strategy delete+insert, on DuckDB and PostgreSQL alike): the dates of raw rows
    from files the model has not seen yet, and the dates of rows it rejected as lying in the
    future (the run date moves on, so such a row may be valid now, as a full rebuild would judge
    it). With `repeated_key` (a key never delivered again under another extract date: the
    model quarantines its later deliveries), also the later dates of built rows whose key a new
    file delivers under an earlier date: those rows are no longer the first delivery. Every
    other date's rows depend on nothing that a new delivery can change. -#}
{% macro incremental_extract_dates(source_relation, repeated_key=none) -%}
    {%- set seen_files -%}
        select seen._file_name from {{ this }} as seen group by seen._file_name
    {%- endset %}
    select new_rows._extract_date
    from {{ source_relation }} as new_rows
    where new_rows._file_name not in ({{ seen_files }})
    group by new_rows._extract_date
    union
    select future_rows._extract_date
    from {{ this }} as future_rows
    where future_rows.reject_reason like '%future_date:%'
    group by future_rows._extract_date
    {%- if repeated_key %}
    union
    select later_rows._extract_date
    from {{ this }} as later_rows
    inner join (
        select
            {{ normalise_text('new_rows.' ~ repeated_key) }} as key_value,
            min(new_rows._extract_date) as first_extract_date
        from {{ source_relation }} as new_rows
        where new_rows._file_name not in ({{ seen_files }})
        group by {{ normalise_text('new_rows.' ~ repeated_key) }}
    ) as new_keys
        on later_rows.{{ repeated_key }} = new_keys.key_value
            and later_rows._extract_date > new_keys.first_extract_date
    group by later_rows._extract_date
    {%- endif %}
{%- endmacro %}

{#- The rows an incremental base_ model reads from its raw relation: all of them on a full build,
    those of incremental_extract_dates() on a daily run. -#}
{% macro incremental_source_rows(source_relation, repeated_key=none) -%}
    select * from {{ source_relation }}
    {%- if is_incremental() %}
        where _extract_date in ({{ incremental_extract_dates(source_relation, repeated_key) }})
    {%- endif %}
{%- endmacro %}
