-- 宛名 (総合宛名システム), change file: one row per raw row, typed, with its reject reason.
-- Still holds 個人番号 and the 4情報: restricted, read only by the stg_atena__ models.

with

source as (
    select * from {{ source('atena', 'atena') }}
),

renamed as (
    select
        atena_no as record_key,
        {{ normalise_text('atena_no') }} as atena_no,
        {{ normalise_text('kojin_no') }} as kojin_no,
        {{ normalise_text('setai_no') }} as setai_no,
        shimei,
        shimei_kana,
        {{ normalise_text('birth_date') }} as birth_date,
        {{ normalise_text('sex') }} as sex,
        zokugara,
        {{ normalise_text('jumin_kbn') }} as jumin_kbn,
        {{ normalise_text('setainushi_atena_no') }} as setainushi_atena_no,
        jumin_jiyu,
        {{ normalise_text('ward_code') }} as ward_code,
        address,
        prev_address,
        tennyu_moto_address,
        tenshutsu_saki_address,
        hittosha,
        {{ normalise_text('shojo_date') }} as shojo_date,
        {{ normalise_text('shojo_jiyu') }} as shojo_jiyu,
        kokuseki,
        tsusho,
        {{ normalise_text('shori_teishi') }} as shori_teishi,
        zairyu_shikaku,
        {{ normalise_text('change_type') }} as change_type,
        {{ normalise_text('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        nullif(atena_no, '') as atena_no,
        nullif(kojin_no, '') as kojin_no,
        nullif(setai_no, '') as setai_no,
        nullif(shimei, '') as shimei,
        nullif(shimei_kana, '') as shimei_kana,
        {{ era_to_date('birth_date') }} as birth_date,
        nullif(sex, '') as sex,
        nullif(zokugara, '') as zokugara,
        nullif(jumin_kbn, '') as jumin_kbn,
        nullif(setainushi_atena_no, '') as setainushi_atena_no,
        nullif(jumin_jiyu, '') as jumin_jiyu,
        nullif(ward_code, '') as ward_code,
        nullif(address, '') as address,
        nullif(prev_address, '') as prev_address,
        nullif(tennyu_moto_address, '') as tennyu_moto_address,
        nullif(tenshutsu_saki_address, '') as tenshutsu_saki_address,
        nullif(hittosha, '') as hittosha,
        {{ era_to_date('shojo_date') }} as shojo_date,
        nullif(shojo_jiyu, '') as shojo_jiyu,
        nullif(kokuseki, '') as kokuseki,
        nullif(tsusho, '') as tsusho,
        nullif(shori_teishi, '') as shori_teishi,
        nullif(zairyu_shikaku, '') as zairyu_shikaku,
        nullif(change_type, '') as change_type,
        {{ iso_to_timestamp('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_id('atena_no', required=true),
            rule_kojin_no('kojin_no'),
            rule_id('setai_no'),
            rule_era_date('birth_date'),
            rule_code('sex', 'code_sex'),
            rule_code('jumin_kbn', 'code_jumin_kbn'),
            rule_id('setainushi_atena_no'),
            rule_code('ward_code', 'code_wards'),
            rule_era_date('shojo_date'),
            rule_code('shojo_jiyu', 'code_shojo_jiyu'),
            rule_code_in('shori_teishi', ['0', '1']),
            rule_change_columns(['atena_no']),
        ]) }} as reject_reason
    from renamed
)

select * from final
