{#- Reconciliation status counts for dashboards: filing type × status (rows of
    fct_reconciliation) with totals; person counts below var('suppression_threshold') suppressed
    with complementary suppression. -#}

with

reconciliation as (
    select * from {{ ref('int_filings__reconciliation') }}
),

lifecycle as (
    select uketsuke_no, todokede_shubetsu from {{ ref('int_filings__lifecycle') }}
),

units as (
    select
        coalesce(l.todokede_shubetsu, r.result_todokede_shubetsu, 'unknown') as todokede_shubetsu,
        r.status,
        coalesce(
            r.kiso_nenkin_no,
            r.uketsuke_no,
            concat(r.list_id, '#', cast(r.row_no as varchar))
        ) as person_key
    from reconciliation as r
    left join lifecycle as l
        on r.is_filing
        and r.uketsuke_no = l.uketsuke_no
),

suppressed as (
    {{ suppress_crosstab('units', [], 'todokede_shubetsu', 'status', 'person_key') }}
)

select
    cast(row_value as varchar) as todokede_shubetsu,
    cast(column_value as varchar) as status,
    cast(grouping_level as varchar) as grouping_level,
    cast(published_count as bigint) as rows_count,
    is_suppressed,
    (select max(as_of_date) from {{ ref('int_filings__lifecycle') }}) as as_of_date
from suppressed
