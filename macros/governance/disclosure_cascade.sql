{#-
    Local recoding for k-anonymity: every row is published at the finest generalisation level
    whose group (rows still unplaced that share the level's published values) has at least k rows.

    Emits CTEs (to be placed inside a `with` after the CTE named `source_cte`), ending with a CTE
    named `output_cte` that has one row per `id_column` with the published columns and
    `disclosure_level` (1 = finest; len(levels) + 1 = every column suppressed, i.e. null).

    levels: a list of {'eligible': SQL boolean (may this row be published at this level?),
                       'columns': {published column: SQL expression}} — every level has the same
            published column names, in the same order.

    Why it is k-anonymous: a level-i group is placed only when it has >= k rows among the rows not
    placed before; rows published with equal values at several levels form the union of such
    groups, still >= k. Only the last, fully suppressed residue may be smaller, and it publishes
    none of the columns (the k_anonymity test ignores such rows).
-#}
{% macro disclosure_cascade(source_cte, id_column, levels, k, output_cte) -%}
{%- set names = levels[0]['columns'].keys() | list -%}
{%- for level in levels %}
{%- set i = loop.index %}
cascade_remaining_{{ i }} as (
    select *
    from {{ source_cte }}
    {%- if i > 1 %}
    where {{ id_column }} not in (
        {%- for j in range(1, i) %}
        select {{ id_column }} from cascade_placed_{{ j }}{% if not loop.last %} union all{% endif %}
        {%- endfor %}
    )
    {%- endif %}
),

cascade_counted_{{ i }} as (
    select
        {{ id_column }},
        {%- for name in names %}
        {{ level['columns'][name] }} as {{ name }},
        {%- endfor %}
        count(*) over (
            partition by
            {%- for name in names %}
            {{ level['columns'][name] }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as group_size
    from cascade_remaining_{{ i }}
    where {{ level['eligible'] }}
),

cascade_placed_{{ i }} as (
    select
        {{ id_column }},
        {%- for name in names %}
        {{ name }},
        {%- endfor %}
        {{ i }} as disclosure_level
    from cascade_counted_{{ i }}
    where group_size >= {{ k }}
),
{%- endfor %}

{{ output_cte }} as (
    {%- for level in levels %}
    select * from cascade_placed_{{ loop.index }}
    union all
    {%- endfor %}
    select
        {{ id_column }},
        {%- for name in names %}
        null as {{ name }},
        {%- endfor %}
        {{ levels | length + 1 }} as disclosure_level
    from {{ source_cte }}
    where {{ id_column }} not in (
        {%- for level in levels %}
        select {{ id_column }} from cascade_placed_{{ loop.index }}{% if not loop.last %} union all{% endif %}
        {%- endfor %}
    )
)
{%- endmacro %}


{#- Age band label of an integer age: width 5 → '00-04' … '85-89', '90+'; width 10 → '00-09' …
    '80-89', '90+'; width 20 → '00-19' … '60-79', '80+'. Null age → null. -#}
{% macro age_band(age, width) -%}
{%- set top = 80 if width == 20 else 90 -%}
case
    when {{ age }} is null then null
    when {{ age }} >= {{ top }} then '{{ top }}+'
    else
        lpad(cast(cast(floor({{ age }} / {{ width }}.0) as integer) * {{ width }} as varchar), 2, '0')
        || '-'
        || lpad(cast(cast(floor({{ age }} / {{ width }}.0) as integer) * {{ width }} + {{ width - 1 }} as varchar), 2, '0')
end
{%- endmacro %}
