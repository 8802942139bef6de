-- Staff and permission history (SCD2) from the daily snapshots: one row per staff_id and
-- unbroken run of snapshots with unchanged attributes. A run ends at the first snapshot date
-- that shows other attributes or no longer shows the member (valid_to_date, exclusive); the
-- run that reaches the latest snapshot is current (valid_to_date null). _file_name / _line_no
-- point at the snapshot row where the run starts.

with

snapshots as (
    select * from {{ ref('stg_kiban__staff_snapshots') }}
),

snapshot_dates as (
    select
        snapshot_date,
        row_number() over (order by snapshot_date) as date_index,
        lead(snapshot_date) over (order by snapshot_date) as next_snapshot_date
    from (select distinct snapshot_date from snapshots) as delivered_dates
),

islands as (
    -- consecutive snapshot dates with equal attributes share (date_index - rank)
    select
        snapshots.*,
        snapshot_dates.date_index - row_number() over (
            partition by
                snapshots.staff_id,
                snapshots.staff_atena_no,
                snapshots.dept_code,
                snapshots.role,
                snapshots.may_display_kojin_no,
                snapshots.account_status,
                snapshots.contractor_code,
                snapshots.valid_from,
                snapshots.valid_to
            order by snapshots.snapshot_date
        ) as island
    from snapshots
    inner join snapshot_dates on snapshots.snapshot_date = snapshot_dates.snapshot_date
),

runs as (
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
        min(snapshot_date) as valid_from_date,
        max(snapshot_date) as last_snapshot_date
    from islands
    group by
        staff_id,
        staff_atena_no,
        dept_code,
        role,
        may_display_kojin_no,
        account_status,
        contractor_code,
        valid_from,
        valid_to,
        island
),

final as (
    select
        runs.staff_id,
        runs.staff_atena_no,
        runs.dept_code,
        runs.role,
        runs.may_display_kojin_no,
        runs.account_status,
        runs.contractor_code,
        runs.account_valid_from,
        runs.account_valid_to,
        runs.valid_from_date,
        snapshot_dates.next_snapshot_date as valid_to_date,
        snapshot_dates.next_snapshot_date is null as is_current,
        first_snapshot._file_name,
        first_snapshot._line_no
    from runs
    inner join snapshot_dates on runs.last_snapshot_date = snapshot_dates.snapshot_date
    -- lineage: the snapshot row where this version first appears
    inner join snapshots as first_snapshot
        on runs.staff_id = first_snapshot.staff_id
            and runs.valid_from_date = first_snapshot.snapshot_date
)

select * from final
