{{ config(group='nenkin_warehouse') }}

-- Invariant 1: 個人番号 never leaves staging, nor do the other identifiers whose column meta in
-- the sources' YAML says `confined_to: staging` (telephone, 特記事項, 診断書, the subject's 4情報
-- of the access log). No stg_, intermediate or mart model may declare a column carrying one,
-- other than a boolean flag about it (kojin_no_valid, has_tel, ...); only the base_ models (and
-- the ephemeral link, never stored) hold them. This test reads the declarations (the graph); the
-- relations as built are checked by the post-hook governance_assert_no_confined_columns on every
-- model, so no list of models is kept here.

{%- set checked_layers = ['staging', 'intermediate', 'marts'] %}
{%- set restricted_models = ['stg_nenkin__kojin_no_links'] %}
{%- set confined = governance_confined_columns(['staging']) %}
{%- set found = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() %}
        {%- if node.resource_type == 'model'
            and node.package_name == project_name
            and (node.fqn[1] if node.fqn | length > 1 else '') in checked_layers
            and not node.name.startswith('base_')
            and node.name not in restricted_models %}
            {%- for column_name in node.columns %}
                {%- set identifier = governance_carried_identifier(column_name, confined) %}
                {%- if identifier and not governance_identifier_flag(column_name, identifier) %}
                    {%- do found.append((node.name, column_name | lower, identifier)) %}
                {%- endif %}
            {%- endfor %}
        {%- endif %}
    {%- endfor %}
{%- endif %}

with

declared_columns as (
    {%- for model_name, column_name, identifier in found %}
    select
        '{{ model_name }}' as relation_name,
        '{{ column_name }}' as column_name,
        '{{ identifier }}' as confined_identifier
    union all
    {%- endfor %}
    select
        cast(null as varchar) as relation_name,
        cast(null as varchar) as column_name,
        cast(null as varchar) as confined_identifier
    where 1 = 0
),

final as (
    select * from declared_columns
)

select * from final
