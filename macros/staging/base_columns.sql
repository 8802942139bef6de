{#- The columns of a base_ model, written from the raw interface as the sources' YAML declares it
    (macros/staging/raw_interface.sql, generated from that YAML): the model names its source table
    and these macros write its renamed columns, its typed columns and its column rules, so a
    column is declared once, in the YAML (docs/internal-contracts.md §B). -#}

{#- The extract `source_name.table_name` of raw_interface_extracts(): kind, key, columns. -#}
{% macro base_extract(source_name, table_name) -%}
    {%- set name = source_name ~ '.' ~ table_name -%}
    {%- set extract = raw_interface_extracts().get(name) -%}
    {%- if extract is none -%}
        {{ exceptions.raise_compiler_error(
            "no extract " ~ name ~ " in macros/staging/raw_interface.sql: declare it in the sources' YAML "
            ~ "(config: meta: extract_kind, key) and run `python -m nenkin_audit.raw_columns_macro`"
        ) }}
    {%- endif -%}
    {{ return(extract) }}
{%- endmacro %}

{#- The renamed CTE's select list: the record key (the extract's key, '|'-joined, as delivered),
    each staged column as normalised text (free_text columns as delivered), the lineage columns. -#}
{% macro base_renamed_columns(source_name, table_name) -%}
    {%- set extract = base_extract(source_name, table_name) -%}
    {{ extract['key'] | join(" || '|' || ") }} as record_key,
    {%- for column in extract['columns'] %}
        {% if column['parse'] == 'free_text' -%}
            {{ column['name'] }}
        {%- else -%}
            {{ normalise_text(column['name']) }} as {{ column['name'] }}
        {%- endif %},
    {%- endfor %}
        {{ raw_lineage_columns() }}
{%- endmacro %}

{#- A staged column's typed value, from its normalised text ('' is null). -#}
{% macro base_typed_value(column) -%}
    {%- set parse = column['parse'] -%}
    {%- set name = column['name'] -%}
    {%- if parse == 'era_date' -%}{{ era_to_date(name) }}
    {%- elif parse == 'iso_date' -%}{{ iso_to_date(name) }}
    {%- elif parse == 'timestamp' -%}{{ iso_to_timestamp(name) }}
    {%- elif parse == 'integer' -%}{{ to_integer(name) }}
    {%- elif parse == 'bigint' -%}{{ to_bigint(name) }}
    {%- elif parse == 'kiso_nenkin_no' -%}{{ normalise_kiso_nenkin_no(name) }}
    {%- else -%}nullif({{ name }}, '')
    {%- endif -%}
{%- endmacro %}

{#- The final CTE's typed columns, then the lineage columns and record_key. -#}
{% macro base_typed_columns(source_name, table_name) -%}
    {%- set extract = base_extract(source_name, table_name) -%}
    {%- for column in extract['columns'] %}
        {{ base_typed_value(column) }} as {{ column['name'] }},
    {%- endfor %}
        {{ raw_lineage_columns() }},
        record_key
{%- endmacro %}

{#- The rules of one column, in this order: its parse rule (with required), its range, its code
    set (a seed, or values given inline). Text columns with a code set take `required` there. -#}
{% macro base_rules_of_column(column) -%}
    {%- set name = column['name'] -%}
    {%- set parse = column['parse'] -%}
    {%- set required = column.get('required', false) -%}
    {%- set rules = [] -%}
    {%- if parse in ['text', 'free_text'] -%}
        {%- if column.get('code') -%}
            {%- do rules.append(rule_code(name, column['code'], seed_column=column.get('code_column'), required=required)) -%}
        {%- elif column.get('values') -%}
            {%- do rules.append(rule_code_in(name, column['values'], required=required)) -%}
        {%- elif required -%}
            {%- do rules.append(rule_required(name)) -%}
        {%- endif -%}
    {%- else -%}
        {%- if parse == 'kojin_no' -%}
            {%- do rules.append(rule_kojin_no(name)) -%}
        {%- else -%}
            {%- set parse_rules = {
                'id': rule_id, 'kiso_nenkin_no': rule_kiso_nenkin_no, 'era_date': rule_era_date,
                'iso_date': rule_iso_date, 'timestamp': rule_timestamp, 'integer': rule_integer,
                'bigint': rule_bigint,
            } -%}
            {%- do rules.append(parse_rules[parse](name, required=required)) -%}
        {%- endif -%}
        {%- if column.get('range') -%}
            {%- set high = var(column['range']['max_var']) -%}
            {%- set low = 0 - high if column['range'].get('signed') else 0 -%}
            {%- do rules.append(rule_range(name, low, high, bigint=(parse == 'bigint'))) -%}
        {%- endif -%}
        {%- if column.get('values') -%}
            {%- do rules.append(rule_code_in(name, column['values'])) -%}
        {%- endif -%}
        {%- if column.get('code') -%}
            {%- do rules.append(rule_code(name, column['code'], seed_column=column.get('code_column'))) -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(rules) }}
{%- endmacro %}

{#- The column rules of an extract, for reject_reason(): each column's rules in delivered order,
    then `not_future` for the columns that have it. The change columns of a change file
    (change_type, changed_at) are checked by rule_change_columns (base_key_rules). -#}
{% macro base_column_rules(source_name, table_name) -%}
    {%- set extract = base_extract(source_name, table_name) -%}
    {%- set rules = [] -%}
    {%- for column in extract['columns'] -%}
        {%- if not (extract['kind'] == 'change' and column['name'] in ['change_type', 'changed_at']) -%}
            {%- do rules.extend(base_rules_of_column(column)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for column in extract['columns'] if column.get('not_future') -%}
        {%- do rules.append(rule_not_future(base_typed_value(column), column['name'])) -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}

{#- The key rules of an extract: a change file's change columns and one change per key and time
    (rule_change_columns); any other kind, its key once per file (rule_unique_in_file). -#}
{% macro base_key_rules(source_name, table_name) -%}
    {%- set extract = base_extract(source_name, table_name) -%}
    {%- if extract['kind'] == 'change' -%}
        {{ return([rule_change_columns(extract['key'])]) }}
    {%- else -%}
        {{ return([rule_unique_in_file(extract['key'])]) }}
    {%- endif -%}
{%- endmacro %}
