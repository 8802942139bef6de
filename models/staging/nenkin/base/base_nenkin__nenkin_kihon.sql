-- 年金基本, change file: one row per raw row, typed, with its reject reason.
-- Still holds 個人番号, tel and 特記事項: restricted, read only by staging.

with

source as (
    {{ incremental_source_rows(source('nenkin', 'nenkin_kihon')) }}
),

renamed as (
    select
        {{ base_renamed_columns('nenkin', 'nenkin_kihon') }}
    from source
),

final as (
    select
        {{ base_typed_columns('nenkin', 'nenkin_kihon') }},
        {{ reject_reason(
            base_column_rules('nenkin', 'nenkin_kihon') + base_key_rules('nenkin', 'nenkin_kihon')
        ) }} as reject_reason
    from renamed
)

select * from final
