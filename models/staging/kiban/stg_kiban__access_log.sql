-- Access-log lines per log_id (tens of millions of rows at city scale: kept lean).
-- log_id is never reused, so a log_id seen twice can only be a redelivery; the later delivery
-- wins. Only the few duplicated log_ids are ranked, the rest passes straight through.

with

source as (
    select * from {{ ref('base_kiban__access_log') }}
    where reject_reason is null
),

redelivered as (
    select log_id
    from source
    group by log_id
    having count(*) > 1
),

superseded as (
    -- rows of a redelivered log_id that are not its latest delivery
    select _file_name, _line_no
    from (
        select
            source._file_name,
            source._line_no,
            row_number() over (
                partition by source.log_id
                order by {{ delivery_order() }}
            ) as _delivery_rank
        from source
        inner join redelivered on redelivered.log_id = source.log_id
    ) as ranked
    where _delivery_rank > 1
),

final as (
    select
        source.log_id,
        source.accessed_at,
        cast(source.accessed_at as date) as access_date,
        source.staff_id,
        source.dept_code,
        source.terminal_id,
        source.shori_jiyu,
        source.operation,
        source.screen_id,
        source.atena_no,
        source.hit_count,
        source._file_name,
        source._line_no
    from source
    where not exists (
        select 1
        from superseded
        where superseded._file_name = source._file_name
            and superseded._line_no = source._line_no
    )
)

select * from final
