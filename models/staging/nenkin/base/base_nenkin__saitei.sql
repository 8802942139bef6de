-- 裁定受付情報 (pension claims), change file: one row per raw row, typed, with its reject reason.
-- Still holds 個人番号 and 診断書情報 (health information): restricted, read only by staging.

with

source as (
    {{ incremental_source_rows(source('nenkin', 'saitei')) }}
),

renamed as (
    select
        {{ base_renamed_columns('nenkin', 'saitei') }}
    from source
),

final as (
    select
        {{ base_typed_columns('nenkin', 'saitei') }},
        {{ reject_reason(
            base_column_rules('nenkin', 'saitei') + base_key_rules('nenkin', 'saitei')
        ) }} as reject_reason
    from renamed
)

select * from final
