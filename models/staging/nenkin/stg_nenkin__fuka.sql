-- Current 付加 enrolments per (kiso_nenkin_no, kanyu_date).

with

source as (
    {{ latest_rows(ref('base_nenkin__fuka'), ['kiso_nenkin_no', 'kanyu_date'], change_order()) }}
),

final as (
    select
        kiso_nenkin_no,
        kanyu_date,
        dattai_date,
        changed_at,
        _file_name,
        _line_no
    from source
    where change_type <> 'D'
)

select * from final
