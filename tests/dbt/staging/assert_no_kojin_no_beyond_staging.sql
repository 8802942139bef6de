{{ config(group='nenkin_warehouse') }}

-- Invariant 1: 個人番号 never leaves staging. No stg_, intermediate or mart relation may have a
-- column named like kojin_no other than a boolean flag (*_valid, *_present, or the permission
-- may_display_kojin_no, which is not derived from any 個人番号); and, as docs/internal-contracts.md §B says for
-- staging, no column tel, tokki, shindansho or subj_*. Only the base_ models (and the ephemeral
-- link, never stored) hold those.
-- Two views: the columns every model declares in its YAML (from the graph, whatever has been
-- built) and the columns of the relations that exist now (information schema).
-- Runs after every stg_ model (depends_on below); intermediate and mart relations are checked as
-- they exist at that moment, their declared columns always.
-- depends_on: {{ ref('stg_atena__persons') }} {{ ref('stg_atena__person_history') }}
-- depends_on: {{ ref('stg_nenkin__kihon') }} {{ ref('stg_nenkin__shikaku') }} {{ ref('stg_nenkin__fuka') }}
-- depends_on: {{ ref('stg_nenkin__menjo') }} {{ ref('stg_nenkin__saitei') }} {{ ref('stg_nenkin__todokede') }}
-- depends_on: {{ ref('stg_zei__shotoku') }} {{ ref('stg_jps__kekka') }} {{ ref('stg_kiban__access_log') }}
-- depends_on: {{ ref('stg_kiban__staff_snapshots') }} {{ ref('stg_kiban__staff_history') }} {{ ref('stg_kiban__staff') }}
-- depends_on: {{ ref('stg_kiban__jinji_ido') }} {{ ref('stg_kiban__terminals') }} {{ ref('stg_kiban__teikyo_iten') }}

{%- set checked_schemas = ['staging', 'intermediate', 'marts'] %}
{%- set restricted_models = ['stg_nenkin__kojin_no_links'] %}
{%- set declared = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() %}
        {%- if node.resource_type == 'model'
            and node.package_name == project_name
            and (node.fqn[1] if node.fqn | length > 1 else '') in checked_schemas
            and not node.name.startswith('base_')
            and node.name not in restricted_models %}
            {%- for column_name in node.columns %}
                {%- do declared.append((node.name, column_name | lower)) %}
            {%- endfor %}
        {%- endif %}
    {%- endfor %}
{%- endif %}

with

declared_columns as (
    {%- for model_name, column_name in declared %}
    select
        '{{ model_name }}' as relation_name,
        '{{ column_name }}' as column_name,
        cast(null as varchar) as data_type
    union all
    {%- endfor %}
    select
        cast(null as varchar) as relation_name,
        cast(null as varchar) as column_name,
        cast(null as varchar) as data_type
    where 1 = 0
),

existing_columns as (
    select
        table_schema || '.' || table_name as relation_name,
        lower(column_name) as column_name,
        lower(data_type) as data_type
    from information_schema.columns
    where table_schema in ('{{ checked_schemas | join("', '") }}')
        and table_name not like 'base\_%' escape '\'
),

all_columns as (
    select relation_name, column_name, data_type, 'declared in yaml' as found_in
    from declared_columns
    union all
    select relation_name, column_name, data_type, 'in the warehouse' as found_in
    from existing_columns
)

select *
from all_columns
where (
        column_name like '%kojin%'
        and not (
            (column_name like '%\_valid' escape '\' or column_name like '%\_present' escape '\'
                or column_name = 'may_display_kojin_no')
            and coalesce(data_type, 'boolean') = 'boolean'
        )
    )
    or column_name in ('tel', 'tokki', 'shindansho')
    or column_name like 'subj\_%' escape '\'
