-- 免除情報, change file: one row per raw row, typed, with its reject reason.

with

source as (
    select * from {{ source('nenkin', 'menjo') }}
),

renamed as (
    select
        kiso_nenkin_no || '|' || nendo || '|' || menjo_shurui as record_key,
        {{ normalise_text('kiso_nenkin_no') }} as kiso_nenkin_no,
        {{ normalise_text('kojin_no') }} as kojin_no,
        {{ normalise_text('nendo') }} as nendo,
        {{ normalise_text('menjo_shurui') }} as menjo_shurui,
        {{ normalise_text('shinsei_date') }} as shinsei_date,
        {{ normalise_text('kikan_from') }} as kikan_from,
        {{ normalise_text('kikan_to') }} as kikan_to,
        {{ normalise_text('kekka') }} as kekka,
        {{ normalise_text('kekka_date') }} as kekka_date,
        {{ normalise_text('shuryo_date') }} as shuryo_date,
        {{ normalise_text('homen_shometsu_date') }} as homen_shometsu_date,
        {{ normalise_text('sofu_date') }} as sofu_date,
        gakko_code,
        {{ normalise_text('change_type') }} as change_type,
        {{ normalise_text('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        {{ normalise_kiso_nenkin_no('kiso_nenkin_no') }} as kiso_nenkin_no,
        nullif(kojin_no, '') as kojin_no,
        {{ to_integer('nendo') }} as nendo,
        nullif(menjo_shurui, '') as menjo_shurui,
        {{ era_to_date('shinsei_date') }} as shinsei_date,
        {{ era_to_date('kikan_from') }} as kikan_from,
        {{ era_to_date('kikan_to') }} as kikan_to,
        nullif(kekka, '') as kekka,
        {{ era_to_date('kekka_date') }} as kekka_date,
        {{ era_to_date('shuryo_date') }} as shuryo_date,
        {{ era_to_date('homen_shometsu_date') }} as homen_shometsu_date,
        {{ era_to_date('sofu_date') }} as sofu_date,
        nullif(gakko_code, '') as gakko_code,
        nullif(change_type, '') as change_type,
        {{ iso_to_timestamp('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_kiso_nenkin_no('kiso_nenkin_no', required=true),
            rule_kojin_no('kojin_no'),
            rule_integer('nendo', required=true),
            rule_code('menjo_shurui', 'code_menjo_shurui', required=true),
            rule_era_date('shinsei_date'),
            rule_era_date('kikan_from'),
            rule_era_date('kikan_to'),
            rule_code('kekka', 'code_menjo_kekka'),
            rule_era_date('kekka_date'),
            rule_era_date('shuryo_date'),
            rule_era_date('homen_shometsu_date'),
            rule_era_date('sofu_date'),
            rule_change_columns(['kiso_nenkin_no', 'nendo', 'menjo_shurui']),
        ]) }} as reject_reason
    from renamed
)

select * from final
