-- 所得情報 (税システム), change file: one row per raw row, typed, with its reject reason.
-- Counts are integer, amounts bigint yen (an optional minus sign is accepted for amounts).
-- kojo_haigusha, honnin_shogai, honnin_kafu and honnin_kinro_gakusei are small code sets of
-- docs/raw-interface.md §3 (0/1, 0/1/2), typed integer like the counts they sit with.

with

source as (
    select * from {{ source('zei', 'shotoku') }}
),

renamed as (
    select
        atena_no || '|' || nendo as record_key,
        {{ normalise_text('atena_no') }} as atena_no,
        {{ normalise_text('nendo') }} as nendo,
        {{ normalise_text('ippan_fuyo') }} as ippan_fuyo,
        {{ normalise_text('rojin_fuyo') }} as rojin_fuyo,
        {{ normalise_text('tokutei_fuyo') }} as tokutei_fuyo,
        {{ normalise_text('kojo_haigusha') }} as kojo_haigusha,
        {{ normalise_text('shogaisha_fuyo') }} as shogaisha_fuyo,
        {{ normalise_text('tokubetsu_shogaisha_fuyo') }} as tokubetsu_shogaisha_fuyo,
        {{ normalise_text('nensho_fuyo') }} as nensho_fuyo,
        {{ normalise_text('honnin_shogai') }} as honnin_shogai,
        {{ normalise_text('honnin_kafu') }} as honnin_kafu,
        {{ normalise_text('honnin_kinro_gakusei') }} as honnin_kinro_gakusei,
        {{ normalise_text('koteki_nenkin_shunyu') }} as koteki_nenkin_shunyu,
        {{ normalise_text('koteki_nenkin_zatsu_shotoku') }} as koteki_nenkin_zatsu_shotoku,
        {{ normalise_text('gokei_shotoku') }} as gokei_shotoku,
        {{ normalise_text('junsonshitsu') }} as junsonshitsu,
        {{ normalise_text('zasson_kojo') }} as zasson_kojo,
        {{ normalise_text('iryohi_kojo') }} as iryohi_kojo,
        {{ normalise_text('shakai_hoken_kojo') }} as shakai_hoken_kojo,
        {{ normalise_text('haigusha_tokubetsu_kojo') }} as haigusha_tokubetsu_kojo,
        {{ normalise_text('change_type') }} as change_type,
        {{ normalise_text('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        nullif(atena_no, '') as atena_no,
        {{ to_integer('nendo') }} as nendo,
        {{ to_integer('ippan_fuyo') }} as ippan_fuyo,
        {{ to_integer('rojin_fuyo') }} as rojin_fuyo,
        {{ to_integer('tokutei_fuyo') }} as tokutei_fuyo,
        {{ to_integer('kojo_haigusha') }} as kojo_haigusha,
        {{ to_integer('shogaisha_fuyo') }} as shogaisha_fuyo,
        {{ to_integer('tokubetsu_shogaisha_fuyo') }} as tokubetsu_shogaisha_fuyo,
        {{ to_integer('nensho_fuyo') }} as nensho_fuyo,
        {{ to_integer('honnin_shogai') }} as honnin_shogai,
        {{ to_integer('honnin_kafu') }} as honnin_kafu,
        {{ to_integer('honnin_kinro_gakusei') }} as honnin_kinro_gakusei,
        {{ to_bigint('koteki_nenkin_shunyu') }} as koteki_nenkin_shunyu,
        {{ to_bigint('koteki_nenkin_zatsu_shotoku') }} as koteki_nenkin_zatsu_shotoku,
        {{ to_bigint('gokei_shotoku') }} as gokei_shotoku,
        {{ to_bigint('junsonshitsu') }} as junsonshitsu,
        {{ to_bigint('zasson_kojo') }} as zasson_kojo,
        {{ to_bigint('iryohi_kojo') }} as iryohi_kojo,
        {{ to_bigint('shakai_hoken_kojo') }} as shakai_hoken_kojo,
        {{ to_bigint('haigusha_tokubetsu_kojo') }} as haigusha_tokubetsu_kojo,
        nullif(change_type, '') as change_type,
        {{ iso_to_timestamp('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_id('atena_no', required=true),
            rule_integer('nendo', required=true),
            rule_integer('ippan_fuyo'),
            rule_range('ippan_fuyo', 0, var('max_dependants')),
            rule_integer('rojin_fuyo'),
            rule_range('rojin_fuyo', 0, var('max_dependants')),
            rule_integer('tokutei_fuyo'),
            rule_range('tokutei_fuyo', 0, var('max_dependants')),
            rule_integer('kojo_haigusha'),
            rule_code_in('kojo_haigusha', ['0', '1']),
            rule_integer('shogaisha_fuyo'),
            rule_range('shogaisha_fuyo', 0, var('max_dependants')),
            rule_integer('tokubetsu_shogaisha_fuyo'),
            rule_range('tokubetsu_shogaisha_fuyo', 0, var('max_dependants')),
            rule_integer('nensho_fuyo'),
            rule_range('nensho_fuyo', 0, var('max_dependants')),
            rule_integer('honnin_shogai'),
            rule_code_in('honnin_shogai', ['0', '1', '2']),
            rule_integer('honnin_kafu'),
            rule_code_in('honnin_kafu', ['0', '1', '2']),
            rule_integer('honnin_kinro_gakusei'),
            rule_code_in('honnin_kinro_gakusei', ['0', '1']),
            rule_bigint('koteki_nenkin_shunyu'),
            rule_range('koteki_nenkin_shunyu', -var('max_amount_yen'), var('max_amount_yen'), bigint=true),
            rule_bigint('koteki_nenkin_zatsu_shotoku'),
            rule_range('koteki_nenkin_zatsu_shotoku', -var('max_amount_yen'), var('max_amount_yen'), bigint=true),
            rule_bigint('gokei_shotoku'),
            rule_range('gokei_shotoku', -var('max_amount_yen'), var('max_amount_yen'), bigint=true),
            rule_bigint('junsonshitsu'),
            rule_range('junsonshitsu', -var('max_amount_yen'), var('max_amount_yen'), bigint=true),
            rule_bigint('zasson_kojo'),
            rule_range('zasson_kojo', -var('max_amount_yen'), var('max_amount_yen'), bigint=true),
            rule_bigint('iryohi_kojo'),
            rule_range('iryohi_kojo', -var('max_amount_yen'), var('max_amount_yen'), bigint=true),
            rule_bigint('shakai_hoken_kojo'),
            rule_range('shakai_hoken_kojo', -var('max_amount_yen'), var('max_amount_yen'), bigint=true),
            rule_bigint('haigusha_tokubetsu_kojo'),
            rule_range('haigusha_tokubetsu_kojo', -var('max_amount_yen'), var('max_amount_yen'), bigint=true),
            rule_change_columns(['atena_no', 'nendo']),
        ]) }} as reject_reason
    from renamed
)

select * from final
