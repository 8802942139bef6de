-- Current pension claims (裁定請求) per uketsuke_no. 診断書情報 stops here: only has_shindansho.

with

source as (
    {{ latest_rows(ref('base_nenkin__saitei'), ['uketsuke_no'], change_order()) }}
),

final as (
    select
        uketsuke_no,
        nenkin_kbn,
        atena_no,
        kiso_nenkin_no,
        shosho_no,
        nenkin_code,
        seikyu_date,
        seikyusha_atena_no,
        coalesce(trim(shindansho), '') <> '' as has_shindansho,
        changed_at,
        _file_name,
        _line_no
    from source
    where change_type <> 'D'
)

select * from final
