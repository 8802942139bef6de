-- 人事異動 (personnel events, new events only): one row per raw row, typed, with its reject reason.

with

source as (
    {{ incremental_source_rows(source('kiban', 'jinji_ido')) }}
),

renamed as (
    select
        {{ base_renamed_columns('kiban', 'jinji_ido') }}
    from source
),

final as (
    select
        {{ base_typed_columns('kiban', 'jinji_ido') }},
        {{ reject_reason(
            base_column_rules('kiban', 'jinji_ido') + base_key_rules('kiban', 'jinji_ido')
        ) }} as reject_reason
    from renamed
)

select * from final
