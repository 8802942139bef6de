-- 端末台帳 (each delivery the full ledger): one row per raw row, typed, with its reject reason.

with

source as (
    {{ incremental_source_rows(source('kiban', 'terminal')) }}
),

renamed as (
    select
        {{ base_renamed_columns('kiban', 'terminal') }}
    from source
),

final as (
    select
        {{ base_typed_columns('kiban', 'terminal') }},
        {{ reject_reason(
            base_column_rules('kiban', 'terminal') + base_key_rules('kiban', 'terminal')
        ) }} as reject_reason
    from renamed
)

select * from final
