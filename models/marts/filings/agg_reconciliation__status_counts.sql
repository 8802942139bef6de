{#- Reconciliation status counts for dashboards: filing type × status (rows of
    fct_reconciliation) with totals; person counts below var('suppression_threshold') suppressed
    with complementary suppression. -#}

with

reconciliation as (
    select * from {{ ref('int_filings__reconciliation') }}
),

lifecycle as (
    select
        uketsuke_no,
        todokede_shubetsu,
        as_of_date
    from {{ ref('int_filings__lifecycle') }}
),

as_of as (
    select max(as_of_date) as as_of_date from lifecycle
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
),

final as (
    select
        cast(s.row_value as varchar) as todokede_shubetsu,
        cast(s.column_value as varchar) as status,
        cast(s.grouping_level as varchar) as grouping_level,
        cast(s.published_count as bigint) as rows_count,
        s.is_suppressed,
        a.as_of_date
    from suppressed as s
    cross join as_of as a
)

select * from final
