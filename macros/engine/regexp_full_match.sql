{#- True when the whole of `value` matches the regular expression `pattern` (both SQL
    expressions). DuckDB has regexp_full_match; PostgreSQL anchors the pattern with ~. -#}
{% macro regexp_full_match(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'nenkin_audit')(value, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(value, pattern) -%}
    regexp_full_match({{ value }}, {{ pattern }})
{%- endmacro %}

{% macro postgres__regexp_full_match(value, pattern) -%}
    ({{ value }} ~ ('^(?:' || {{ pattern }} || ')$'))
{%- endmacro %}
