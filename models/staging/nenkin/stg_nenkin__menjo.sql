-- Current exemption applications per (kiso_nenkin_no, nendo, menjo_shurui).

with

source as (
    {{ latest_rows(ref('base_nenkin__menjo'), ['kiso_nenkin_no', 'nendo', 'menjo_shurui'], change_order()) }}
),

final as (
    select
        kiso_nenkin_no,
        nendo,
        menjo_shurui,
        shinsei_date,
        kikan_from,
        kikan_to,
        kekka,
        kekka_date,
        shuryo_date,
        homen_shometsu_date,
        sofu_date,
        gakko_code,
        changed_at,
        _file_name,
        _line_no
    from source
    where change_type <> 'D'
)

select * from final
