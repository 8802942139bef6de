-- Current filings (受付簿) per uketsuke_no, not deleted. A filing without 基礎年金番号 but with a
-- valid 個人番号 gets the 基礎年金番号 of an unambiguous 個人番号 link (kiso_nenkin_no_source
-- 'kojin_no_link'); the 個人番号 itself stops here.

with

source as (
    {{ latest_rows(ref('base_nenkin__todokede'), ['uketsuke_no'], change_order()) }}
),

links as (
    select * from {{ ref('stg_nenkin__kojin_no_links') }}
),

final as (
    select
        filings.uketsuke_no,
        filings.uketsuke_date,
        filings.office_code,
        filings.staff_id,
        filings.todokede_shubetsu,
        filings.atena_no,
        coalesce(filings.kiso_nenkin_no, links.kiso_nenkin_no) as kiso_nenkin_no,
        case
            when filings.kiso_nenkin_no is not null then 'delivered'
            when links.kiso_nenkin_no is not null then 'kojin_no_link'
        end as kiso_nenkin_no_source,
        {{ kojin_no_is_valid('filings.kojin_no') }} as kojin_no_valid,
        filings.taisho_date,
        filings.shubetsu_after,
        filings.menjo_shurui,
        filings.nenkin_kbn,
        filings.shintatsu_date,
        filings.shintatsu_batch,
        coalesce(filings.torisage = '1', false) as is_withdrawn,
        filings.changed_at,
        filings._file_name,
        filings._line_no
    from source as filings
    left join links
        on filings.kiso_nenkin_no is null
            and filings.kojin_no = links.kojin_no
    where filings.change_type <> 'D'
)

select * from final
