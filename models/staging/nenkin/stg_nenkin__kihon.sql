-- Current 年金基本 per atena_no. 個人番号, tel and 特記事項 stop here: only flags go on.

with

source as (
    {{ latest_rows(ref('base_nenkin__nenkin_kihon'), ['atena_no'], change_order()) }}
),

final as (
    select
        atena_no,
        kiso_nenkin_no,
        {{ kojin_no_is_valid('kojin_no') }} as kojin_no_valid,
        coalesce(trim(tel), '') <> '' as has_tel,
        coalesce(trim(tokki), '') <> '' as has_tokki,
        changed_at,
        _file_name,
        _line_no
    from source
    where change_type <> 'D'
)

select * from final
