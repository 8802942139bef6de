{#- The keyed pseudonym, per engine. DuckDB: the functions the dbt-duckdb plugin registers
    (nenkin_audit.dbt_pseudonym, key read from the key file in Python). PostgreSQL: the
    SECURITY DEFINER functions in the schema keyring (nenkin_audit.postgres.bootstrap), whose key
    table only the key role can read. Same construction, same pseudonyms for the same key. -#}
{% macro pseudonym(kind, value) -%}
    {{ return(adapter.dispatch('pseudonym', 'nenkin_audit')(kind, value)) }}
{%- endmacro %}

{% macro default__pseudonym(kind, value) -%}
    pseudonym({{ kind }}, {{ value }})
{%- endmacro %}

{% macro postgres__pseudonym(kind, value) -%}
    keyring.pseudonym({{ kind }}, {{ value }})
{%- endmacro %}

{% macro pseudonym_key_id() -%}
    {{ return(adapter.dispatch('pseudonym_key_id', 'nenkin_audit')()) }}
{%- endmacro %}

{% macro default__pseudonym_key_id() -%}
    pseudonym_key_id()
{%- endmacro %}

{% macro postgres__pseudonym_key_id() -%}
    keyring.pseudonym_key_id()
{%- endmacro %}
