{#-
    Local recoding for k-anonymity: every row is published at the finest generalisation level
    whose group (rows still unplaced that share the level's published values) has at least k rows.

    Emits CTEs (to be placed inside a `with` after the CTE named `source_cte`), ending with a CTE
    named `output_cte` that has one row per `id_column` with the published columns and
    `disclosure_level` (1 = finest; len(levels) + 1 = every column suppressed, i.e. null).

    levels: a list of {'eligible': SQL boolean (may this row be published at this level?),
                       'columns': {published column: SQL expression}} — every level has the same
            published column names, in the same order.
    sensitive: columns of source_cte whose value a group must not disclose: a group is placed only
            when it holds two values of each (null and false counting as one, "nothing") or
            nobody with a value (distinct l-diversity).

    The rows not placed before are found by id_not_among (below).

    Why it is k-anonymous: a level-i group is placed only when it has >= k rows among the rows not
    placed before; rows published with equal values at several levels form the union of such
    groups, still >= k. Only the last, fully suppressed residue may be smaller, and it publishes
    none of the columns (the k_anonymity test ignores such rows).
-#}
{% macro disclosure_cascade(source_cte, id_column, levels, k, output_cte, sensitive=[]) -%}
{%- set names = levels[0]['columns'].keys() | list -%}
{%- for level in levels %}
{%- set i = loop.index %}
cascade_remaining_{{ i }} as (
    select *
    from {{ source_cte }}
    {%- if i > 1 %}
    {%- set placed = [] %}
    {%- for j in range(1, i) %}{% do placed.append('cascade_placed_' ~ j) %}{% endfor %}
    where {{ id_not_among(source_cte, id_column, placed) }}
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
        {%- for s in sensitive %}
        {%- set value = "coalesce(case when lower(cast(" ~ s ~ " as varchar)) <> 'false' then cast(" ~ s ~ " as varchar) end, '∅')" %},
        min({{ value }}) over (
            partition by
            {%- for name in names %}
            {{ level['columns'][name] }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as sensitive_min_{{ loop.index }},
        max({{ value }}) over (
            partition by
            {%- for name in names %}
            {{ level['columns'][name] }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as sensitive_max_{{ loop.index }}
        {%- endfor %}
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
    {%- for s in sensitive %}
        -- l-diversity: two values in the group, or nobody with a value (null and false publish nothing)
        and (sensitive_min_{{ loop.index }} <> sensitive_max_{{ loop.index }} or sensitive_max_{{ loop.index }} = '∅')
    {%- endfor %}
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
    {%- set placed = [] %}
    {%- for level in levels %}{% do placed.append('cascade_placed_' ~ loop.index) %}{% endfor %}
    where {{ id_not_among(source_cte, id_column, placed) }}
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


{#-
    Person-level local recoding for facts with several rows per person: each person's rows are
    published at the finest level whose class — the persons whose rows, as published at that
    level, form the same sorted list of tuples — holds at least k persons among the persons not
    placed before, and is l-diverse (every sensitive column, as the set of the person's values,
    takes at least 2 values in the class, "none" counting as one; a class where nobody has a value
    passes). This is exactly what the linkage check (macros/governance/linkage.sql) measures for a
    model that is alone in its pseudonym domain.

    Emits CTEs (to be placed inside a `with` after `source_cte`), ending with `output_cte`: every
    row of source_cte with its columns, `published_<id_column>` (null for the residue, whose rows
    are then no one's), the level's columns as `published_<name>` and `disclosure_level` (1 = finest;
    len(levels) + 1 = residue: every published column null, person withheld).

    levels:    a list of {'columns': {published column: SQL expression}}, same names in each.
    sensitive: SQL expressions of the sensitive columns published unchanged.
-#}
{% macro person_disclosure_cascade(source_cte, id_column, levels, k, sensitive, output_cte) -%}
{%- set names = levels[0]['columns'].keys() | list -%}
{%- for level in levels %}
{%- set i = loop.index %}
pdc_signature_{{ i }} as (
    select
        {{ id_column }},
        {%- set tuple -%}
        {%- if names -%}
        concat_ws('|'{% for name in names %}, coalesce(cast({{ level['columns'][name] }} as varchar), '∅'){% endfor %})
        {%- else -%}
        ''
        {%- endif -%}
        {%- endset %}
        {%- if names %}
        string_agg({{ tuple }}, '§' order by {{ tuple }}) as signature
        {%- else %}
        cast(count(*) as varchar) as signature
        {%- endif %}
        {%- for s in sensitive %},
        string_agg(distinct cast({{ s }} as varchar), ',' order by cast({{ s }} as varchar))
            filter (where {{ s }} is not null and lower(cast({{ s }} as varchar)) <> 'false') as sensitive_{{ loop.index }}
        {%- endfor %}
    from {{ source_cte }}
    where {{ id_column }} is not null
    {%- if i > 1 %}
        {%- set placed = [] %}
        {%- for j in range(1, i) %}{% do placed.append('pdc_placed_' ~ j) %}{% endfor %}
        and {{ id_not_among(source_cte, id_column, placed) }}
    {%- endif %}
    group by {{ id_column }}
),

pdc_classes_{{ i }} as (
    select
        signature,
        count(*) as class_size
        {%- for s in sensitive %},
        count(distinct sensitive_{{ loop.index }})
        + case when count(*) > count(sensitive_{{ loop.index }}) then 1 else 0 end as values_{{ loop.index }},
        count(sensitive_{{ loop.index }}) as with_value_{{ loop.index }}
        {%- endfor %}
    from pdc_signature_{{ i }}
    group by signature
),

pdc_placed_{{ i }} as (
    select
        s.{{ id_column }},
        {{ i }} as disclosure_level
    from pdc_signature_{{ i }} as s
    inner join pdc_classes_{{ i }} as c
        on s.signature = c.signature
    where c.class_size >= {{ k }}
    {%- for s in sensitive %}
        and (c.with_value_{{ loop.index }} = 0 or c.values_{{ loop.index }} >= 2)
    {%- endfor %}
),
{%- endfor %}

pdc_placed as (
    {%- for level in levels %}
    select * from pdc_placed_{{ loop.index }}{% if not loop.last %}
    union all{% endif %}
    {%- endfor %}
),

{{ output_cte }} as (
    select
        src.*,
        case when pdc_placed.disclosure_level is not null then src.{{ id_column }} end
            as published_{{ id_column }},
        {%- for name in names %}
        case
            {%- for level in levels %}
            when pdc_placed.disclosure_level = {{ loop.index }} then {{ level['columns'][name] }}
            {%- endfor %}
        end as published_{{ name }},
        {%- endfor %}
        coalesce(pdc_placed.disclosure_level, {{ levels | length + 1 }}) as disclosure_level
    from {{ source_cte }} as src
    left join pdc_placed
        on src.{{ id_column }} = pdc_placed.{{ id_column }}
)
{%- endmacro %}


{#- 年度 (April–March, named by the calendar year it starts in) of a date, as bigint; null → null. -#}
{% macro fiscal_year(date_expr) -%}
cast(extract(year from {{ date_expr }}) - case when extract(month from {{ date_expr }}) < 4 then 1 else 0 end as bigint)
{%- endmacro %}


{#- `<outer>.<id_column>` is not null and is not among the ids of the relations `placed` (CTE
    names). PostgreSQL: `not exists`, an anti-join; its `not in` over a set larger than work_mem
    is a rescan per row (int_persons__disclosed at city scale, 1.4M persons: hours, against 14 s).
    DuckDB: `not in`, which it runs as an anti-join too, twice as fast there as `not exists`. -#}
{% macro id_not_among(outer, id_column, placed) -%}
    {{ return(adapter.dispatch('id_not_among', 'nenkin_audit')(outer, id_column, placed)) }}
{%- endmacro %}

{% macro default__id_not_among(outer, id_column, placed) -%}
    {{ outer }}.{{ id_column }} is not null and not exists (
        select 1
        from (
            {%- for relation in placed %}
            select {{ id_column }} from {{ relation }}{% if not loop.last %} union all{% endif %}
            {%- endfor %}
        ) as placed
        where placed.{{ id_column }} = {{ outer }}.{{ id_column }}
    )
{%- endmacro %}

{% macro duckdb__id_not_among(outer, id_column, placed) -%}
    {{ outer }}.{{ id_column }} not in (
        {%- for relation in placed %}
        select {{ id_column }} from {{ relation }}{% if not loop.last %} union all{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
