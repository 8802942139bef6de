{#- Row validation (contracts B). Each rule_* macro returns a list of (condition, code, column)
    triples; reject_reason() turns a list of such lists into one expression:
    null when no condition holds, else the codes of the conditions that hold, as
    'code:column' joined with '; ' in the order given.

    Columns are the normalised text of the renamed CTE (normalise_text()); an empty field is ''.
    Empty is only an error where rule_required (or required=true) says so. -#}

{% macro reject_reason(rules) -%}
    {%- set parts = [] -%}
    {%- for rule in rules -%}
        {%- for condition, code, column in rule -%}
            {%- do parts.append("case when " ~ condition ~ " then '" ~ code ~ ":" ~ column ~ "' end") -%}
        {%- endfor -%}
    {%- endfor -%}
    nullif(concat_ws(
        '; ',
        {{ parts | join(',\n        ') }}
    ), '')
{%- endmacro %}

{% macro rule_required(col) -%}
    {{ return([(col ~ " = ''", 'missing_value', col)]) }}
{%- endmacro %}

{#- 宛名番号 / 世帯番号: 10 digits -#}
{% macro rule_id(col, required=false) -%}
    {%- set rules = rule_required(col) if required else [] -%}
    {{ return(rules + [(col ~ " <> '' and not " ~ has_shape(col, '0000000000'), 'invalid_id', col)]) }}
{%- endmacro %}

{% macro rule_kiso_nenkin_no(col, required=false) -%}
    {%- set rules = rule_required(col) if required else [] -%}
    {{ return(rules + [(col ~ " <> '' and " ~ normalise_kiso_nenkin_no(col) ~ " is null", 'invalid_kiso_nenkin_no', col)]) }}
{%- endmacro %}

{#- 個人番号: empty is fine (住登外者, filings by post, JPS rows); otherwise 12 digits + check digit -#}
{% macro rule_kojin_no(col) -%}
    {{ return([(col ~ " <> '' and not " ~ kojin_no_is_valid(col), 'invalid_kojin_no', col)]) }}
{%- endmacro %}

{% macro rule_era_date(col, required=false) -%}
    {%- set rules = rule_required(col) if required else [] -%}
    {{ return(rules + [(col ~ " <> '' and " ~ era_to_date(col) ~ " is null", 'invalid_era_date', col)]) }}
{%- endmacro %}

{% macro rule_iso_date(col, required=false) -%}
    {%- set rules = rule_required(col) if required else [] -%}
    {{ return(rules + [(col ~ " <> '' and " ~ iso_to_date(col) ~ " is null", 'invalid_iso_date', col)]) }}
{%- endmacro %}

{% macro rule_timestamp(col, required=false) -%}
    {%- set rules = rule_required(col) if required else [] -%}
    {{ return(rules + [(col ~ " <> '' and " ~ iso_to_timestamp(col) ~ " is null", 'invalid_timestamp', col)]) }}
{%- endmacro %}

{% macro rule_integer(col, required=false) -%}
    {%- set rules = rule_required(col) if required else [] -%}
    {{ return(rules + [(col ~ " <> '' and " ~ to_integer(col) ~ " is null", 'invalid_number', col)]) }}
{%- endmacro %}

{% macro rule_bigint(col, required=false) -%}
    {%- set rules = rule_required(col) if required else [] -%}
    {{ return(rules + [(col ~ " <> '' and " ~ to_bigint(col) ~ " is null", 'invalid_number', col)]) }}
{%- endmacro %}

{#- A code checked against a code-set seed (seeds/codes/code_*.csv). -#}
{% macro rule_code(col, seed, seed_column=none, required=false) -%}
    {%- set rules = rule_required(col) if required else [] -%}
    {%- set condition = col ~ " <> '' and " ~ col ~ " not in (select " ~ (seed_column or col) ~ " from " ~ ref(seed) ~ ")" -%}
    {{ return(rules + [(condition, 'unknown_code', col)]) }}
{%- endmacro %}

{#- A code checked against a small code set given inline in raw interface §3 (no seed). -#}
{% macro rule_code_in(col, values, required=false) -%}
    {%- set rules = rule_required(col) if required else [] -%}
    {%- set quoted = [] -%}
    {%- for v in values -%}{%- do quoted.append("'" ~ v ~ "'") -%}{%- endfor -%}
    {{ return(rules + [(col ~ " <> '' and " ~ col ~ " not in (" ~ quoted | join(', ') ~ ")", 'unknown_code', col)]) }}
{%- endmacro %}

{#- change files: change_type I/U/D and changed_at (ISO timestamp) are both required -#}
{% macro rule_change_columns() -%}
    {{ return(
        rule_required('change_type')
        + [("change_type <> '' and change_type not in ('I', 'U', 'D')", 'invalid_change_type', 'change_type')]
        + rule_timestamp('changed_at', required=true)
    ) }}
{%- endmacro %}
