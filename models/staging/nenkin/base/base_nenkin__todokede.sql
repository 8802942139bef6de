-- 届出・申出・申請・請求の受付簿, change file: one row per raw row, typed, with its reject reason.
-- Hand-keyed fields (kojin_no, kiso_nenkin_no, taisho_date) may hold full-width digits and `－`:
-- they are NFKC-normalised before validation, which is not an error.

with

source as (
    select * from {{ source('nenkin', 'todokede') }}
),

renamed as (
    select
        uketsuke_no as record_key,
        {{ normalise_text('uketsuke_no') }} as uketsuke_no,
        {{ normalise_text('uketsuke_date') }} as uketsuke_date,
        {{ normalise_text('office_code') }} as office_code,
        {{ normalise_text('staff_id') }} as staff_id,
        {{ normalise_text('todokede_shubetsu') }} as todokede_shubetsu,
        {{ normalise_text('atena_no') }} as atena_no,
        {{ normalise_text('kojin_no') }} as kojin_no,
        {{ normalise_text('kiso_nenkin_no') }} as kiso_nenkin_no,
        {{ normalise_text('taisho_date') }} as taisho_date,
        {{ normalise_text('shubetsu_after') }} as shubetsu_after,
        {{ normalise_text('menjo_shurui') }} as menjo_shurui,
        {{ normalise_text('nenkin_kbn') }} as nenkin_kbn,
        {{ normalise_text('shintatsu_date') }} as shintatsu_date,
        {{ normalise_text('shintatsu_batch') }} as shintatsu_batch,
        {{ normalise_text('torisage') }} as torisage,
        {{ normalise_text('change_type') }} as change_type,
        {{ normalise_text('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        nullif(uketsuke_no, '') as uketsuke_no,
        {{ era_to_date('uketsuke_date') }} as uketsuke_date,
        nullif(office_code, '') as office_code,
        nullif(staff_id, '') as staff_id,
        nullif(todokede_shubetsu, '') as todokede_shubetsu,
        nullif(atena_no, '') as atena_no,
        nullif(kojin_no, '') as kojin_no,
        {{ normalise_kiso_nenkin_no('kiso_nenkin_no') }} as kiso_nenkin_no,
        {{ era_to_date('taisho_date') }} as taisho_date,
        nullif(shubetsu_after, '') as shubetsu_after,
        nullif(menjo_shurui, '') as menjo_shurui,
        nullif(nenkin_kbn, '') as nenkin_kbn,
        {{ era_to_date('shintatsu_date') }} as shintatsu_date,
        nullif(shintatsu_batch, '') as shintatsu_batch,
        nullif(torisage, '') as torisage,
        nullif(change_type, '') as change_type,
        {{ iso_to_timestamp('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_required('uketsuke_no'),
            rule_era_date('uketsuke_date', required=true),
            rule_not_future(era_to_date('uketsuke_date'), 'uketsuke_date'),
            rule_code('office_code', 'code_offices'),
            rule_code('todokede_shubetsu', 'code_todokede_shubetsu', required=true),
            rule_id('atena_no'),
            rule_kojin_no('kojin_no'),
            rule_kiso_nenkin_no('kiso_nenkin_no'),
            rule_era_date('taisho_date'),
            rule_code('shubetsu_after', 'code_hihokensha_shubetsu', seed_column='shubetsu'),
            rule_code('menjo_shurui', 'code_menjo_shurui'),
            rule_code('nenkin_kbn', 'code_nenkin_kbn'),
            rule_era_date('shintatsu_date'),
            rule_code_in('torisage', ['0', '1']),
            rule_change_columns(['uketsuke_no']),
        ]) }} as reject_reason
    from renamed
)

select * from final
