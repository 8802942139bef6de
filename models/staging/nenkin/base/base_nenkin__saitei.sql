-- 裁定受付情報 (pension claims), change file: one row per raw row, typed, with its reject reason.
-- Still holds 個人番号 and 診断書情報 (health information): restricted, read only by staging.

with

source as (
    select * from {{ source('nenkin', 'saitei') }}
),

renamed as (
    select
        uketsuke_no as record_key,
        {{ normalise_text('uketsuke_no') }} as uketsuke_no,
        {{ normalise_text('nenkin_kbn') }} as nenkin_kbn,
        {{ normalise_text('atena_no') }} as atena_no,
        {{ normalise_text('kojin_no') }} as kojin_no,
        {{ normalise_text('kiso_nenkin_no') }} as kiso_nenkin_no,
        {{ normalise_text('shosho_no') }} as shosho_no,
        nenkin_code,
        {{ normalise_text('seikyu_date') }} as seikyu_date,
        shindansho,
        {{ normalise_text('seikyusha_atena_no') }} as seikyusha_atena_no,
        {{ normalise_text('change_type') }} as change_type,
        {{ normalise_text('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        nullif(uketsuke_no, '') as uketsuke_no,
        nullif(nenkin_kbn, '') as nenkin_kbn,
        nullif(atena_no, '') as atena_no,
        nullif(kojin_no, '') as kojin_no,
        {{ normalise_kiso_nenkin_no('kiso_nenkin_no') }} as kiso_nenkin_no,
        nullif(shosho_no, '') as shosho_no,
        nullif(nenkin_code, '') as nenkin_code,
        {{ era_to_date('seikyu_date') }} as seikyu_date,
        nullif(shindansho, '') as shindansho,
        nullif(seikyusha_atena_no, '') as seikyusha_atena_no,
        nullif(change_type, '') as change_type,
        {{ iso_to_timestamp('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_required('uketsuke_no'),
            rule_code('nenkin_kbn', 'code_nenkin_kbn'),
            rule_id('atena_no'),
            rule_kojin_no('kojin_no'),
            rule_kiso_nenkin_no('kiso_nenkin_no'),
            rule_era_date('seikyu_date'),
            rule_id('seikyusha_atena_no'),
            rule_change_columns(['uketsuke_no']),
        ]) }} as reject_reason
    from renamed
)

select * from final
