{#- Restricted. Control `revocation` (PIA III-3 リスク2, 速やかに管理者がアクセス権限を削除): one
    row per departure from the pension departments (退職, effective the day after its date; 転出
    with no to_dept, effective that day; the same rule as int_audit__access_context), the first
    staff snapshot from the departure on that shows the account stopped, outside its validity,
    missing, or in another department ("revoked"), the days in between, and the lines the
    account made in between (int_audit__access_context.is_after_departure). -#}
with control as (
    select
        control_code,
        window_days
    from {{ ref('control_catalogue') }}
    where control_code = 'revocation'
),

reference as (
    select reference_date from {{ ref('int_persons__reference_date') }}
),

departures as (
    -- code_ido_type: the personnel states that leave the department, from their offset day
    select
        ido.staff_id,
        ido_types.personnel_state,
        ido.from_dept,
        ido.effective_date + ido_types.state_from_offset_days as departure_date
    from {{ ref('stg_kiban__jinji_ido') }} as ido
    inner join {{ ref('code_ido_type') }} as ido_types
        on ido.ido_type = ido_types.ido_type
    where ido_types.personnel_state in ('retired', 'transferred_out')
        and (not ido_types.departs_only_without_to_dept or ido.to_dept is null)
),

snapshots as (
    select
        snapshot_date,
        staff_id,
        dept_code,
        account_status,
        valid_from,
        valid_to
    from {{ ref('stg_kiban__staff_snapshots') }}
),

snapshot_dates as (
    select distinct snapshot_date from snapshots
),

member_days as (
    -- every snapshot from the departure on, with the member's row in it (if any)
    select
        departures.staff_id,
        departures.departure_date,
        snapshot_dates.snapshot_date,
        (
            snapshots.staff_id is null
            or not account_states.is_active
            or coalesce(snapshots.valid_to < snapshot_dates.snapshot_date, false)
            or coalesce(snapshots.valid_from > snapshot_dates.snapshot_date, false)
            or coalesce(snapshots.dept_code <> departures.from_dept, false)
        ) as is_revoked
    from departures
    inner join snapshot_dates
        on departures.departure_date <= snapshot_dates.snapshot_date
    left join snapshots
        on departures.staff_id = snapshots.staff_id
            and snapshot_dates.snapshot_date = snapshots.snapshot_date
    left join {{ ref('code_account_status') }} as account_states
        on snapshots.account_status = account_states.account_status
),

revoked as (
    select
        staff_id,
        departure_date,
        min(snapshot_date) as revoked_date
    from member_days
    where is_revoked
    group by staff_id, departure_date
),

lines_between as (
    select
        departures.staff_id,
        departures.departure_date,
        count(*) as line_count
    from departures
    inner join {{ ref('int_audit__access_context') }} as access_lines
        on departures.staff_id = access_lines.staff_id
            and departures.departure_date <= access_lines.access_date
    left join revoked
        on departures.staff_id = revoked.staff_id
            and departures.departure_date = revoked.departure_date
    where
        access_lines.is_after_departure
        and (revoked.revoked_date is null or access_lines.access_date < revoked.revoked_date)
    group by departures.staff_id, departures.departure_date
),

judged as (
    select
        departures.staff_id,
        departures.personnel_state,
        departures.departure_date,
        revoked.revoked_date,
        coalesce(revoked.revoked_date, reference.reference_date) - departures.departure_date
            as lag_days,
        coalesce(lines_between.line_count, 0) as line_count,
        control.control_code,
        control.window_days
    from departures
    cross join control
    cross join reference
    left join revoked
        on departures.staff_id = revoked.staff_id
            and departures.departure_date = revoked.departure_date
    left join lines_between
        on departures.staff_id = lines_between.staff_id
            and departures.departure_date = lines_between.departure_date
    where departures.departure_date <= reference.reference_date
),

final as (
    select
        control_code,
        cast(date_trunc('month', departure_date) as date) as period_month,
        staff_id || ':' || cast(departure_date as varchar) as item_id,
        departure_date as item_date,
        (lag_days > window_days or line_count > 0) as is_exception,
        case
            when line_count > 0 then 'accessed_after_departure'
            when lag_days > window_days and revoked_date is null then 'not_revoked'
            when lag_days > window_days then 'late_revocation'
            when revoked_date is null then 'within_window_not_yet_revoked'
            else 'revoked_in_time'
        end as rule_code,
        staff_id,
        cast(null as varchar) as log_id,
        cast(null as varchar) as record_id,
        cast(case when lag_days > window_days or line_count > 0 then 1 else 0 end as double precision)
            as measure_numerator,
        cast(null as double precision) as measure_denominator,
        cast(lag_days as integer) as days_value,
        cast(line_count as bigint) as line_count,
        case when personnel_state = 'retired' then '退職' else '転出' end
        || ' ' || cast(departure_date as varchar) || ' → '
        || coalesce('停止・異動 ' || cast(revoked_date as varchar), '未停止')
        || '（' || cast(lag_days as varchar) || '日、期限 ' || cast(window_days as varchar) || '日）'
        || '、離任後のアクセス ' || cast(line_count as varchar) || '件' as detail_ja
    from judged
)

select * from final
