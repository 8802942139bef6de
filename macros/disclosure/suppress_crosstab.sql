{#-
    Disclosure control for a dashboard cross-tabulation: person counts below the threshold are
    suppressed (primary suppression), and complementary suppression makes sure that no
    suppressed value can be computed back from the published cells and totals.

    Input `relation`: one row per counted unit (a filing, a result row ...), with the partition
    columns, the row and column dimensions (not null, cast to text) and a person key. Per
    partition the macro publishes a table of cells (row × column) with its row totals, column
    totals and grand total, densified (a row/column pair with no unit is a published 0).

    Method (documented in the docs block `disclosure_suppression`):
    1. counts of the cells, row totals, column totals and grand total (one query each);
    2. primary: a value whose distinct persons are between 1 and threshold−1;
    3. complementary: for each primary value p = (r, c) the cheapest "rectangle"
       (r, c), (r2, c), (r, c2), (r2, c2) of the extended table (totals are the extra row/column)
       is suppressed as a whole. Cost = sum of the newly suppressed counts (+1 each), weighted
       ×100 for a row/column total and ×10000 for the grand total, so totals are kept where
       possible. A rectangle qualifies only when the four values can move by one unit along it
       without a negative count (opposite corner > 0, or both adjacent corners > 0).
    Why this is safe: the table with its totals is a set of linear equations in which every
    line (row or column) sums to its total; a suppressed value can be solved from them exactly
    when it lies on no cycle of suppressed values. Every suppressed value lies on its rectangle,
    a 4-cycle, so none can be solved, and the qualifying rule keeps that true under the
    constraint that counts are not negative.

    Returns a query (wrap it in parentheses) with: the partition columns, row_value,
    column_value (null on totals), grouping_level ('cell', 'row_total', 'column_total',
    'grand_total'), unit_count and person_count (unsuppressed: restricted, never publish them
    directly), is_primary, is_suppressed, published_count (null when suppressed).
-#}
{% macro suppress_crosstab(relation, partition_by, row_dim, column_dim, person_key, threshold=none) -%}
{%- set k = threshold if threshold is not none else var('suppression_threshold') -%}
{%- set parts = partition_by or [] -%}
{%- set all_key = "'~ALL'" -%}
{%- set part_list = parts | join(', ') -%}
{%- set part_prefix = (part_list ~ ', ') if parts else '' -%}
with
_sc_units as (
    select
        {{ part_prefix }}cast({{ row_dim }} as varchar) as _r,
        cast({{ column_dim }} as varchar) as _c,
        {{ person_key }} as _p
    from {{ relation }}
),

_sc_counts as (
    select
        {{ part_prefix }}_r as _rk,
        _c as _ck,
        count(*) as _n,
        count(distinct _p) as _persons
    from _sc_units
    group by {{ part_prefix }}_r, _c
    union all
    select
        {{ part_prefix }}_r as _rk,
        {{ all_key }} as _ck,
        count(*) as _n,
        count(distinct _p) as _persons
    from _sc_units
    group by {{ part_prefix }}_r
    union all
    select
        {{ part_prefix }}{{ all_key }} as _rk,
        _c as _ck,
        count(*) as _n,
        count(distinct _p) as _persons
    from _sc_units
    group by {{ part_prefix }}_c
    union all
    select
        {{ part_prefix }}{{ all_key }} as _rk,
        {{ all_key }} as _ck,
        count(*) as _n,
        count(distinct _p) as _persons
    from _sc_units
    {%- if parts %}
    group by {{ part_list }}
    {%- endif %}
),

_sc_rows as (
    select distinct {{ part_prefix }}_rk from _sc_counts
),

_sc_columns as (
    select distinct {{ part_prefix }}_ck from _sc_counts
),

_sc_grid as (
    select
        {% for p in parts %}r.{{ p }}, {% endfor %}r._rk,
        c._ck,
        coalesce(n._n, 0) as _n,
        coalesce(n._persons, 0) as _persons,
        coalesce(n._persons, 0) between 1 and {{ k - 1 }} as _primary,
        case
            when r._rk = {{ all_key }} and c._ck = {{ all_key }} then 10000
            when r._rk = {{ all_key }} or c._ck = {{ all_key }} then 100
            else 1
        end as _weight
    from _sc_rows as r
    inner join _sc_columns as c
        on {{ suppress_crosstab_same_partition(parts, 'r', 'c') }}
    left join _sc_counts as n
        on {{ suppress_crosstab_same_partition(parts, 'r', 'n') }}
        and r._rk = n._rk
        and c._ck = n._ck
),

_sc_cost as (
    select
        *,
        case when _primary then 0 else (_n + 1) * _weight end as _cost
    from _sc_grid
),

_sc_options as (
    select
        {% for p in parts %}pr.{{ p }}, {% endfor %}pr._rk,
        pr._ck,
        a._rk as _rk2,
        b._ck as _ck2,
        a._cost + b._cost + d._cost as _cost
    from _sc_cost as pr
    inner join _sc_cost as a
        on {{ suppress_crosstab_same_partition(parts, 'pr', 'a') }}
        and a._ck = pr._ck
        and a._rk <> pr._rk
    inner join _sc_cost as b
        on {{ suppress_crosstab_same_partition(parts, 'pr', 'b') }}
        and b._rk = pr._rk
        and b._ck <> pr._ck
    inner join _sc_cost as d
        on {{ suppress_crosstab_same_partition(parts, 'pr', 'd') }}
        and d._rk = a._rk
        and d._ck = b._ck
    where pr._primary
        and (d._n > 0 or (a._n > 0 and b._n > 0))
),

_sc_chosen as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ part_prefix }}_rk, _ck
                order by _cost, _rk2, _ck2
            ) as _choice
        from _sc_options
    ) as ranked
    where _choice = 1
),

_sc_suppressed as (
    select {{ part_prefix }}_rk, _ck from _sc_grid where _primary
    union
    select {{ part_prefix }}_rk2 as _rk, _ck from _sc_chosen
    union
    select {{ part_prefix }}_rk, _ck2 as _ck from _sc_chosen
    union
    select {{ part_prefix }}_rk2 as _rk, _ck2 as _ck from _sc_chosen
)

select
    {% for p in parts %}g.{{ p }}, {% endfor %}case when g._rk = {{ all_key }} then null else g._rk end as row_value,
    case when g._ck = {{ all_key }} then null else g._ck end as column_value,
    case
        when g._rk = {{ all_key }} and g._ck = {{ all_key }} then 'grand_total'
        when g._ck = {{ all_key }} then 'row_total'
        when g._rk = {{ all_key }} then 'column_total'
        else 'cell'
    end as grouping_level,
    g._n as unit_count,
    g._persons as person_count,
    g._primary as is_primary,
    s._rk is not null as is_suppressed,
    case when s._rk is null then g._n end as published_count
from _sc_grid as g
left join _sc_suppressed as s
    on {{ suppress_crosstab_same_partition(parts, 'g', 's') }}
    and g._rk = s._rk
    and g._ck = s._ck
{%- endmacro %}


{#- Join condition: the two aliases are in the same partition (always true without partitions). -#}
{% macro suppress_crosstab_same_partition(parts, a, b) -%}
    {%- if parts -%}
        {%- for p in parts %}{{ a }}.{{ p }} = {{ b }}.{{ p }}{% if not loop.last %} and {% endif %}{% endfor -%}
    {%- else -%}1 = 1{%- endif -%}
{%- endmacro %}
