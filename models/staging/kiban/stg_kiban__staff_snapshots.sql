-- Daily permission snapshots per (snapshot_date, staff_id); a snapshot delivered again: the
-- later delivery wins.

with

source as (
    {{ latest_rows(ref('base_kiban__staff'), ['snapshot_date', 'staff_id'], delivery_order()) }}
),

final as (
    select
        snapshot_date,
        staff_id,
        staff_atena_no,
        dept_code,
        role,
        coalesce(kojin_no_kengen = '1', false) as may_display_kojin_no,
        account_status,
        valid_from,
        valid_to,
        contractor_code,
        _file_name,
        _line_no
    from source
)

select * from final
