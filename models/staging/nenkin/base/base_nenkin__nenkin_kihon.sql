-- 年金基本, change file: one row per raw row, typed, with its reject reason.
-- Still holds 個人番号, tel and 特記事項: restricted, read only by staging.

with

source as (
    select * from {{ source('nenkin', 'nenkin_kihon') }}
),

renamed as (
    select
        atena_no as record_key,
        {{ normalise_text('atena_no') }} as atena_no,
        {{ normalise_text('kojin_no') }} as kojin_no,
        {{ normalise_text('kiso_nenkin_no') }} as kiso_nenkin_no,
        tel,
        tokki,
        {{ normalise_text('change_type') }} as change_type,
        {{ normalise_text('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        nullif(atena_no, '') as atena_no,
        nullif(kojin_no, '') as kojin_no,
        {{ normalise_kiso_nenkin_no('kiso_nenkin_no') }} as kiso_nenkin_no,
        nullif(tel, '') as tel,
        nullif(tokki, '') as tokki,
        nullif(change_type, '') as change_type,
        {{ iso_to_timestamp('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_id('atena_no', required=true),
            rule_kojin_no('kojin_no'),
            rule_kiso_nenkin_no('kiso_nenkin_no'),
            rule_change_columns(['atena_no']),
        ]) }} as reject_reason
    from renamed
)

select * from final
