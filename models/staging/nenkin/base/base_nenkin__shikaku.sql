-- 資格情報 (insured periods), change file: one row per raw row, typed, with its reject reason.

with

source as (
    select * from {{ source('nenkin', 'shikaku') }}
),

renamed as (
    select
        kiso_nenkin_no || '|' || seq as record_key,
        {{ normalise_text('kiso_nenkin_no') }} as kiso_nenkin_no,
        {{ normalise_text('kojin_no') }} as kojin_no,
        {{ normalise_text('seq') }} as seq,
        {{ normalise_text('shubetsu') }} as shubetsu,
        {{ normalise_text('shutoku_date') }} as shutoku_date,
        shutoku_jiyu,
        shutoku_riyu,
        {{ normalise_text('soshitsu_date') }} as soshitsu_date,
        soshitsu_jiyu,
        soshitsu_riyu,
        {{ normalise_text('change_type') }} as change_type,
        {{ normalise_text('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        {{ normalise_kiso_nenkin_no('kiso_nenkin_no') }} as kiso_nenkin_no,
        nullif(kojin_no, '') as kojin_no,
        {{ to_integer('seq') }} as seq,
        nullif(shubetsu, '') as shubetsu,
        {{ era_to_date('shutoku_date') }} as shutoku_date,
        nullif(shutoku_jiyu, '') as shutoku_jiyu,
        nullif(shutoku_riyu, '') as shutoku_riyu,
        {{ era_to_date('soshitsu_date') }} as soshitsu_date,
        nullif(soshitsu_jiyu, '') as soshitsu_jiyu,
        nullif(soshitsu_riyu, '') as soshitsu_riyu,
        nullif(change_type, '') as change_type,
        {{ iso_to_timestamp('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_kiso_nenkin_no('kiso_nenkin_no', required=true),
            rule_kojin_no('kojin_no'),
            rule_integer('seq', required=true),
            rule_code('shubetsu', 'code_hihokensha_shubetsu'),
            rule_era_date('shutoku_date'),
            rule_era_date('soshitsu_date'),
            rule_change_columns(['kiso_nenkin_no', 'seq']),
        ]) }} as reject_reason
    from renamed
)

select * from final
