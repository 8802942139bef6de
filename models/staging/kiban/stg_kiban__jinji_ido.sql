-- Personnel events per (staff_id, effective_date, ido_type); an event delivered again: the later
-- delivery wins.

with

source as (
    {{ latest_rows(ref('base_kiban__jinji_ido'), ['staff_id', 'effective_date', 'ido_type'], delivery_order()) }}
),

final as (
    select
        staff_id,
        effective_date,
        ido_type,
        from_dept,
        to_dept,
        _file_name,
        _line_no
    from source
)

select * from final
