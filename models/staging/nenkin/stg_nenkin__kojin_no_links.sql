{{ config(materialized='ephemeral') }}

-- 個人番号 → 基礎年金番号 links, used only to fill a missing 基礎年金番号 on filings and JPS
-- result rows (docs/internal-contracts.md §B). Ephemeral: it is inlined into stg_nenkin__todokede and
-- stg_jps__kekka and never stored, so the number itself never leaves staging.
-- Evidence: the current 年金基本 and every valid filing and JPS row that carries both numbers.
-- A 個人番号 seen with two different 基礎年金番号 is ambiguous and links to nothing.

with

kihon as (
    {{ latest_rows(ref('base_nenkin__nenkin_kihon'), ['atena_no'], change_order()) }}
),

pairs as (
    select
        kojin_no,
        kiso_nenkin_no
    from kihon
    where change_type <> 'D'
        and kojin_no is not null
        and kiso_nenkin_no is not null

    union all

    select
        kojin_no,
        kiso_nenkin_no
    from {{ ref('base_nenkin__todokede') }}
    where reject_reason is null
        and kojin_no is not null
        and kiso_nenkin_no is not null

    union all

    select
        kojin_no,
        kiso_nenkin_no
    from {{ ref('base_jps__jps_kekka') }}
    where reject_reason is null
        and kojin_no is not null
        and kiso_nenkin_no is not null
),

final as (
    select
        kojin_no,
        min(kiso_nenkin_no) as kiso_nenkin_no
    from pairs
    group by kojin_no
    having count(distinct kiso_nenkin_no) = 1
)

select * from final
