-- Current income data per (atena_no, nendo).

with

source as (
    {{ latest_rows(ref('base_zei__shotoku'), ['atena_no', 'nendo'], change_order()) }}
),

final as (
    select
        atena_no,
        nendo,
        ippan_fuyo,
        rojin_fuyo,
        tokutei_fuyo,
        kojo_haigusha,
        shogaisha_fuyo,
        tokubetsu_shogaisha_fuyo,
        nensho_fuyo,
        honnin_shogai,
        honnin_kafu,
        honnin_kinro_gakusei,
        koteki_nenkin_shunyu,
        koteki_nenkin_zatsu_shotoku,
        gokei_shotoku,
        junsonshitsu,
        zasson_kojo,
        iryohi_kojo,
        shakai_hoken_kojo,
        haigusha_tokubetsu_kojo,
        changed_at,
        _file_name,
        _line_no
    from source
    where change_type <> 'D'
)

select * from final
