-- Every staff_id ever seen, with the attributes of its latest snapshot. last_snapshot_date
-- tells whether the member is still in the latest snapshot.

with

snapshots as (
    select * from {{ ref('stg_kiban__staff_snapshots') }}
),

latest as (
    select
        *,
        row_number() over (partition by staff_id order by snapshot_date desc) as _snapshot_rank
    from snapshots
),

final as (
    select
        staff_id,
        staff_atena_no,
        dept_code,
        role,
        may_display_kojin_no,
        account_status,
        contractor_code,
        valid_from as account_valid_from,
        valid_to as account_valid_to,
        snapshot_date as last_snapshot_date,
        _file_name,
        _line_no
    from latest
    where _snapshot_rank = 1
)

select * from final
