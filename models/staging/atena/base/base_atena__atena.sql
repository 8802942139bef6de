-- 宛名 (総合宛名システム), change file: one row per raw row, typed, with its reject reason.
-- Still holds 個人番号 and the 4情報: restricted, read only by the stg_atena__ models.

with

source as (
    {{ incremental_source_rows(source('atena', 'atena')) }}
),

renamed as (
    select
        {{ base_renamed_columns('atena', 'atena') }}
    from source
),

final as (
    select
        {{ base_typed_columns('atena', 'atena') }},
        {{ reject_reason(
            base_column_rules('atena', 'atena') + base_key_rules('atena', 'atena')
        ) }} as reject_reason
    from renamed
)

select * from final
