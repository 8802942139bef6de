{#- Whole numbers delivered as text (counts, years, sequence numbers, yen amounts).
    Only digits with an optional leading minus sign (amounts) are numbers; '1.5', '1e3', '+3'
    are not (try_cast would accept some of them). Null for anything else, including ''.
    Expects text normalised with normalise_text(). -#}

{% macro _is_whole_number(col, max_digits, signed) -%}
    {{ return(adapter.dispatch('_is_whole_number', 'nenkin_audit')(col, max_digits, signed)) }}
{%- endmacro %}

{% macro duckdb___is_whole_number(col, max_digits, signed) -%}
    regexp_full_match({{ col }}, '{{ "-?" if signed else "" }}[0-9]{1,{{ max_digits }}}')
{%- endmacro %}

{% macro default___is_whole_number(col, max_digits, signed) -%}
    {%- if signed -%}
        {%- set digits = "case when " ~ col ~ " like '-%' then substr(" ~ col ~ ", 2) else " ~ col ~ " end" -%}
    {%- else -%}
        {%- set digits = col -%}
    {%- endif -%}
    (length({{ digits }}) between 1 and {{ max_digits }} and translate({{ digits }}, '0123456789', '') = '')
{%- endmacro %}

{#- integer (up to 9 digits, never negative: counts, years, sequence and row numbers) -#}
{% macro to_integer(col) -%}
    (case when {{ _is_whole_number(col, 9, false) }} then cast({{ col }} as integer) end)
{%- endmacro %}

{#- bigint (up to 18 digits, optional minus sign: yen amounts) -#}
{% macro to_bigint(col) -%}
    (case when {{ _is_whole_number(col, 18, true) }} then cast({{ col }} as bigint) end)
{%- endmacro %}
