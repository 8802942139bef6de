-- JPS result rows per (list_id, row_no); a redelivered row: the later delivery wins.
-- A row without 基礎年金番号 but with a valid 個人番号 gets the 基礎年金番号 of an unambiguous
-- 個人番号 link (kiso_nenkin_no_source 'kojin_no_link'); 個人番号 and 氏名カナ stop here.

with

source as (
    {{ latest_rows(ref('base_jps__jps_kekka'), ['list_id', 'row_no'], delivery_order()) }}
),

links as (
    select * from {{ ref('stg_nenkin__kojin_no_links') }}
),

final as (
    select
        results.list_id,
        results.list_date,
        results.row_no,
        coalesce(results.kiso_nenkin_no, links.kiso_nenkin_no) as kiso_nenkin_no,
        case
            when results.kiso_nenkin_no is not null then 'delivered'
            when links.kiso_nenkin_no is not null then 'kojin_no_link'
        end as kiso_nenkin_no_source,
        {{ kojin_no_is_valid('results.kojin_no') }} as kojin_no_valid,
        results.todokede_shubetsu,
        results.taisho_date,
        results.kekka,
        results.kekka_date,
        results.shubetsu_after,
        results.menjo_shurui,
        -- 返戻理由 is free text: only a text cleared in seed code_henrei_riyu travels on, any
        -- other becomes 'その他' (it may hold a name, a phone number, a formula)
        case
            when results.henrei_riyu is null then null
            when cleared.henrei_riyu is not null then cleared.henrei_riyu
            else 'その他'
        end as henrei_riyu,
        results._file_name,
        results._line_no
    from source as results
    left join links
        on results.kiso_nenkin_no is null
            and results.kojin_no = links.kojin_no
    left join {{ ref('code_henrei_riyu') }} as cleared
        on results.henrei_riyu = cleared.henrei_riyu
)

select * from final
