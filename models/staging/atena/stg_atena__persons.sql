-- Current 宛名 per atena_no: the latest change wins (changed_at, then later delivery), a `D`
-- removes the person. 個人番号 is reduced to presence / validity flags here.

with

source as (
    {{ latest_rows(ref('base_atena__atena'), ['atena_no'], change_order()) }}
),

final as (
    select
        atena_no,
        setai_no,
        setainushi_atena_no,
        zokugara,
        jumin_kbn,
        jumin_jiyu,
        ward_code,
        sex,
        birth_date,
        shojo_date,
        shojo_jiyu,
        kokuseki,
        zairyu_shikaku,
        coalesce(shori_teishi = '1', false) as is_protected,
        kojin_no is not null as kojin_no_present,
        {{ kojin_no_is_valid('kojin_no') }} as kojin_no_valid,
        shimei,
        shimei_kana,
        address,
        changed_at,
        _file_name,
        _line_no
    from source
    where change_type <> 'D'
)

select * from final
