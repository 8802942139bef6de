-- 提供・移転の記録, append-only: one row per raw row, typed, with its reject reason.

with

source as (
    {{ incremental_source_rows(source('kiban', 'teikyo_iten')) }}
),

renamed as (
    select
        {{ base_renamed_columns('kiban', 'teikyo_iten') }}
    from source
),

final as (
    select
        {{ base_typed_columns('kiban', 'teikyo_iten') }},
        {{ reject_reason(
            base_column_rules('kiban', 'teikyo_iten') + base_key_rules('kiban', 'teikyo_iten')
        ) }} as reject_reason
    from renamed
)

select * from final
