{#- Era dates (和暦, GYYMMDD) and ISO dates / timestamps (docs/raw-interface.md §2).

    Every parser returns null for text that is not a date; the matching rule_* macro turns a
    non-empty value that parses to null into a reject reason, so nothing becomes a silent null.
    All parsers expect text normalised with normalise_text(). -#}

{#- Era code -> first day. Must equal seeds/codes/code_eras.csv (a singular test compares them);
    constants rather than a join keep the conversion a pure expression. -#}
{% macro era_starts() -%}
    {{ return({
        '1': '1868-01-25',
        '2': '1912-07-30',
        '3': '1926-12-25',
        '4': '1989-01-08',
        '5': '2019-05-01',
    }) }}
{%- endmacro %}

{#- GYYMMDD -> date, null when the date does not exist in that era: wrong layout, unknown era,
    year 00, no such calendar day, before the era's first day or on/after the next era's first
    day (昭和64年1月8日 = 3640108 and 平成31年5月1日 = 4310501 are null).
    The era bounds are compared on the YYMMDD text in the era's own numbering, so the
    expression casts only text that is known to be digits. -#}
{% macro era_to_date(col) -%}
    {%- set starts = era_starts() -%}
    {%- set codes = starts.keys() | list | sort -%}
    {%- set in_era = [] -%}
    {%- set year_offset = [] -%}
    {%- for code in codes -%}
        {%- set start = starts[code] -%}
        {%- set offset = (start[:4] | int) - 1 -%}
        {%- set lo = '01' ~ start[5:7] ~ start[8:10] -%}
        {%- set cond = "substr(" ~ col ~ ", 1, 1) = '" ~ code ~ "' and substr(" ~ col ~ ", 2, 6) >= '" ~ lo ~ "'" -%}
        {%- if not loop.last -%}
            {%- set nxt = starts[codes[loop.index]] -%}
            {%- set hi = '%02d' | format((nxt[:4] | int) - offset) ~ nxt[5:7] ~ nxt[8:10] -%}
            {%- set cond = cond ~ " and substr(" ~ col ~ ", 2, 6) < '" ~ hi ~ "'" -%}
        {%- endif -%}
        {%- do in_era.append("(" ~ cond ~ ")") -%}
        {%- do year_offset.append("when '" ~ code ~ "' then " ~ offset) -%}
    {%- endfor -%}
    {%- set iso -%}
        cast(cast(substr({{ col }}, 2, 2) as integer) + case substr({{ col }}, 1, 1) {{ year_offset | join(' ') }} end as varchar)
        || '-' || substr({{ col }}, 4, 2) || '-' || substr({{ col }}, 6, 2)
    {%- endset -%}
    (case
        when {{ has_shape(col, '0000000') }} and ({{ in_era | join(' or ') }})
            then {{ cast_iso_date(iso) }}
    end)
{%- endmacro %}

{#- `YYYY-MM-DD` -> date; null for any other layout or a day that does not exist. -#}
{% macro iso_to_date(col) -%}
    (case when {{ has_shape(col, '0000-00-00') }} then {{ cast_iso_date(col) }} end)
{%- endmacro %}

{#- `YYYY-MM-DD HH:MM:SS` (JST wall clock, no zone) -> timestamp; null for anything else
    (24:00:00 and leap seconds included: engines would roll them over to another time). -#}
{% macro iso_to_timestamp(col) -%}
    (case
        when {{ has_shape(col, '0000-00-00 00:00:00') }}
            and substr({{ col }}, 12, 2) <= '23'
            and substr({{ col }}, 15, 2) <= '59'
            and substr({{ col }}, 18, 2) <= '59'
            then {{ cast_iso_timestamp(col) }}
    end)
{%- endmacro %}


{#- Engine-specific: text already known to have the layout YYYY-MM-DD [HH:MM:SS] (and a clock
    time within 00:00:00-23:59:59) -> value, or null when the calendar day does not exist.
    DuckDB: try_cast. The default is plain standard SQL (checks month and day of month incl.
    leap years before an ordinary cast), for PostgreSQL and any engine without try_cast. -#}
{% macro cast_iso_date(col) -%}
    {{ return(adapter.dispatch('cast_iso_date', 'nenkin_audit')(col)) }}
{%- endmacro %}

{% macro duckdb__cast_iso_date(col) -%}
    try_cast({{ col }} as date)
{%- endmacro %}

{% macro default__cast_iso_date(col) -%}
    (case when {{ _iso_day_exists(col) }} then cast({{ col }} as date) end)
{%- endmacro %}

{% macro cast_iso_timestamp(col) -%}
    {{ return(adapter.dispatch('cast_iso_timestamp', 'nenkin_audit')(col)) }}
{%- endmacro %}

{% macro duckdb__cast_iso_timestamp(col) -%}
    try_cast({{ col }} as timestamp)
{%- endmacro %}

{% macro default__cast_iso_timestamp(col) -%}
    (case when {{ _iso_day_exists(col) }} then cast({{ col }} as timestamp) end)
{%- endmacro %}

{#- Text starting YYYY-MM-DD (digits known): is that a calendar day? -#}
{% macro _iso_day_exists(col) -%}
    {%- set month = "substr(" ~ col ~ ", 6, 2)" -%}
    {%- set day = "substr(" ~ col ~ ", 9, 2)" -%}
    {%- set year = "cast(substr(" ~ col ~ ", 1, 4) as integer)" -%}
    ({{ month }} between '01' and '12'
        and {{ day }} >= '01'
        and {{ day }} <= case
            when {{ month }} in ('04', '06', '09', '11') then '30'
            when {{ month }} <> '02' then '31'
            when {{ year }} % 4 = 0 and ({{ year }} % 100 <> 0 or {{ year }} % 400 = 0) then '29'
            else '28'
        end)
{%- endmacro %}
