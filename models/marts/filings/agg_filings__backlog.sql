{#- Backlog as of the data's as-of date: received but not forwarded (not_forwarded) and
    forwarded without a final JPS result (pending), office × aging bucket with totals; person
    counts below var('suppression_threshold') suppressed with complementary suppression. -#}

with

lifecycle as (
    select * from {{ ref('int_filings__lifecycle') }}
),

units as (
    select
        backlog_kind,
        coalesce(office_code, 'unknown') as office_code,
        aging_bucket,
        coalesce(atena_no, uketsuke_no) as person_key
    from lifecycle
    where backlog_kind is not null
),

as_of as (
    select max(as_of_date) as as_of_date from lifecycle
),

suppressed as (
    {{ suppress_crosstab('units', ['backlog_kind'], 'office_code', 'aging_bucket', 'person_key') }}
),

final as (
    select
        cast(s.backlog_kind as varchar) as backlog_kind,
        cast(s.row_value as varchar) as office_code,
        cast(s.column_value as varchar) as aging_bucket,
        cast(s.grouping_level as varchar) as grouping_level,
        cast(s.published_count as bigint) as filings,
        s.is_suppressed,
        a.as_of_date
    from suppressed as s
    cross join as_of as a
)

select * from final
