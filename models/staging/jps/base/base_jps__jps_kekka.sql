-- 処理結果一覧表 (JPS result lists), append-only: one row per raw row, typed, with its reject
-- reason. Still holds 個人番号 and the 氏名カナ printed on the list: restricted.

-- Incremental (delete+insert keyed on _extract_date): every rule is one row's or one file's,
-- so a daily run types only the extract dates of new files (macro incremental_extract_dates).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='_extract_date',
) }}

with

source as (
    select * from {{ source('jps', 'jps_kekka') }}
    {%- if is_incremental() %}
        where _extract_date in ({{ incremental_extract_dates(source('jps', 'jps_kekka')) }})
    {%- endif %}
),

renamed as (
    select
        list_id || '|' || row_no as record_key,
        {{ normalise_text('list_id') }} as list_id,
        {{ normalise_text('list_date') }} as list_date,
        {{ normalise_text('row_no') }} as row_no,
        {{ normalise_text('kiso_nenkin_no') }} as kiso_nenkin_no,
        {{ normalise_text('kojin_no') }} as kojin_no,
        shimei_kana,
        {{ normalise_text('todokede_shubetsu') }} as todokede_shubetsu,
        {{ normalise_text('taisho_date') }} as taisho_date,
        {{ normalise_text('kekka') }} as kekka,
        {{ normalise_text('kekka_date') }} as kekka_date,
        {{ normalise_text('shubetsu_after') }} as shubetsu_after,
        {{ normalise_text('menjo_shurui') }} as menjo_shurui,
        henrei_riyu,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        nullif(list_id, '') as list_id,
        {{ era_to_date('list_date') }} as list_date,
        {{ to_integer('row_no') }} as row_no,
        {{ normalise_kiso_nenkin_no('kiso_nenkin_no') }} as kiso_nenkin_no,
        nullif(kojin_no, '') as kojin_no,
        nullif(shimei_kana, '') as shimei_kana,
        nullif(todokede_shubetsu, '') as todokede_shubetsu,
        {{ era_to_date('taisho_date') }} as taisho_date,
        nullif(kekka, '') as kekka,
        {{ era_to_date('kekka_date') }} as kekka_date,
        nullif(shubetsu_after, '') as shubetsu_after,
        nullif(menjo_shurui, '') as menjo_shurui,
        nullif(henrei_riyu, '') as henrei_riyu,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_required('list_id'),
            rule_era_date('list_date', required=true),
            rule_integer('row_no', required=true),
            rule_kiso_nenkin_no('kiso_nenkin_no'),
            rule_kojin_no('kojin_no'),
            rule_code('todokede_shubetsu', 'code_todokede_shubetsu', required=true),
            rule_era_date('taisho_date'),
            rule_code('kekka', 'code_jps_kekka', required=true),
            rule_era_date('kekka_date'),
            rule_code('shubetsu_after', 'code_hihokensha_shubetsu', seed_column='shubetsu'),
            rule_code('menjo_shurui', 'code_menjo_shurui'),
            rule_not_future(era_to_date('list_date'), 'list_date'),
            rule_unique_in_file(['list_id', 'row_no']),
        ]) }} as reject_reason
    from renamed
)

select * from final
