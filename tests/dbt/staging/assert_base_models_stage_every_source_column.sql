{{ config(group='nenkin_warehouse') }}

-- The raw interface's columns are declared once, in the sources' YAML (which
-- nenkin_audit.spec reads for the loader and the generator). Every base_ model documents each
-- column of its source, except those whose meta says `staged: false` (they stay in the raw
-- layer). One row per column a base_ model leaves out, so a column added to an extract cannot
-- be forgotten in staging.

{%- set missing = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name.startswith('base_') %}
        {%- for parent in node.depends_on.nodes if parent.startswith('source.') %}
            {%- set src = graph.sources[parent] %}
            {%- for col in src.columns.values() if not col.name.startswith('_') %}
                {%- set meta = (col.get('config') or {}).get('meta') or col.get('meta') or {} %}
                {%- if meta.get('staged', true) and col.name not in node.columns %}
                    {%- do missing.append((node.name, col.name)) %}
                {%- endif %}
            {%- endfor %}
        {%- endfor %}
    {%- endfor %}
{%- endif %}

with

missing_columns as (
    {%- for model_name, column_name in missing %}
    select
        '{{ model_name }}' as model_name,
        '{{ column_name }}' as column_name
    union all
    {%- endfor %}
    select
        cast(null as varchar) as model_name,
        cast(null as varchar) as column_name
    where 1 = 0
),

final as (
    select * from missing_columns
)

select * from final
