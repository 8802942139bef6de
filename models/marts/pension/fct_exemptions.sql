{#- 保険料免除・納付猶予・学生納付特例 decisions (免除情報), one row per 基礎年金番号 × 免除年度
    (July–June) × 免除種類 in its current state. The school code of 学生納付特例 is not published
    (it narrows a student down to one school); periods are months. -#}
with menjo as (
    select * from {{ ref('stg_nenkin__menjo') }}
),

keys as (
    select
        kiso_nenkin_no,
        person_pid
    from {{ ref('int_identity__kiso_keys') }}
),

shurui as (
    select * from {{ ref('code_menjo_shurui') }}
),

kekka as (
    select * from {{ ref('code_menjo_kekka') }}
),

final as (
    select
        cast(keys.person_pid as varchar) as person_pid,
        cast(menjo.nendo as bigint) as exemption_year,
        cast(menjo.menjo_shurui as varchar) as menjo_shurui,
        cast(shurui.menjo_name as varchar) as menjo_name,
        cast(menjo.shinsei_date as date) as shinsei_date,
        cast(date_trunc('month', menjo.kikan_from) as date) as kikan_from_month,
        cast(date_trunc('month', menjo.kikan_to) as date) as kikan_to_month,
        cast(menjo.kekka as varchar) as kekka,
        cast(kekka.kekka_name as varchar) as kekka_name,
        cast(menjo.kekka_date as date) as kekka_date,
        cast(menjo.kekka_date - menjo.shinsei_date as bigint) as days_to_decision,
        cast(date_trunc('month', menjo.shuryo_date) as date) as shuryo_month,
        cast(menjo.homen_shometsu_date as date) as homen_shometsu_date,
        cast(menjo.sofu_date as date) as sofu_date
    from menjo
    inner join keys
        on menjo.kiso_nenkin_no = keys.kiso_nenkin_no
    left join shurui
        on cast(menjo.menjo_shurui as varchar) = cast(shurui.menjo_shurui as varchar)
    left join kekka
        on cast(menjo.kekka as varchar) = cast(kekka.kekka as varchar)
)

select * from final
