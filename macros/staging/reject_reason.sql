{#- Row validation (docs/internal-contracts.md §B). Each rule_* macro returns a list of (condition, code, column)
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

{#- A code checked against a small code set given inline in docs/raw-interface.md §3 (no seed). -#}
{% macro rule_code_in(col, values, required=false) -%}
    {%- set rules = rule_required(col) if required else [] -%}
    {%- set quoted = [] -%}
    {%- for v in values -%}{%- do quoted.append("'" ~ v ~ "'") -%}{%- endfor -%}
    {{ return(rules + [(col ~ " <> '' and " ~ col ~ " not in (" ~ quoted | join(', ') ~ ")", 'unknown_code', col)]) }}
{%- endmacro %}

{#- change files: change_type I/U/D and changed_at (ISO timestamp, not after the run date) are
    both required; a key may change only once per changed_at within one file. -#}
{% macro rule_change_columns(key_columns=none) -%}
    {{ return(
        rule_required('change_type')
        + [("change_type <> '' and change_type not in ('I', 'U', 'D')", 'invalid_change_type', 'change_type')]
        + rule_timestamp('changed_at', required=true)
        + rule_not_future(iso_to_timestamp('changed_at'), 'changed_at')
        + (rule_unique_in_file(key_columns + ['changed_at']) if key_columns else [])
    ) }}
{%- endmacro %}

{#- A whole number outside [lo, hi] (where it parses): 'out_of_range:col'. Keeps impossible
    values (999,999,999 dependants) out of the arithmetic downstream, where they would overflow
    a sum with no file or line named. -#}
{% macro rule_range(col, lo, hi, bigint=false) -%}
    {%- set value = to_bigint(col) if bigint else to_integer(col) -%}
    {{ return([(value ~ " not between " ~ lo ~ " and " ~ hi, 'out_of_range', col)]) }}
{%- endmacro %}

{#- The run clock (clock.py): `run` sets NENKIN_AUDIT_RUN_DATE for dbt; without it, today. -#}
{% macro run_date() -%}
    {%- set fixed = env_var('NENKIN_AUDIT_RUN_DATE', '') -%}
    {%- if fixed -%}cast('{{ fixed }}' as date){%- else -%}current_date{%- endif -%}
{%- endmacro %}

{#- An event or change time after the run date: 'future_date:col'. Nothing delivered can have
    happened after the run, and such a row must never become the clock (reference date, as-of
    date) of the mart. `parsed` is the column's parsed value (a date or timestamp). -#}
{% macro rule_not_future(parsed, col) -%}
    {{ return([("cast(" ~ parsed ~ " as date) > " ~ run_date(), 'future_date', col)]) }}
{%- endmacro %}

{#- A key seen again further down the same file: 'duplicate_key:<key columns>' on every
    occurrence but the first. Within one delivery nothing says which of two rows is meant, so
    neither may silently replace the other: the first is staged, each later one quarantined.
    (Across deliveries the later delivery wins: latest_rows.) Empty key parts are left to
    rule_required. -#}
{% macro rule_unique_in_file(key_columns) -%}
    {%- set present = [] -%}
    {%- for k in key_columns -%}{%- do present.append(k ~ " <> ''") -%}{%- endfor -%}
    {%- set condition -%}
        {{ present | join(' and ') }} and row_number() over (
            partition by _file_name, {{ key_columns | join(', ') }} order by _line_no
        ) > 1
    {%- endset -%}
    {{ return([(condition, 'duplicate_key', key_columns | join('+'))]) }}
{%- endmacro %}
