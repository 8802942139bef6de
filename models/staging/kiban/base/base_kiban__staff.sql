-- 職員・権限 daily snapshots: one row per raw row, typed, with its reject reason.

with

source as (
    {{ incremental_source_rows(source('kiban', 'staff')) }}
),

renamed as (
    select
        {{ base_renamed_columns('kiban', 'staff') }}
    from source
),

final as (
    select
        {{ base_typed_columns('kiban', 'staff') }},
        {{ reject_reason(
            base_column_rules('kiban', 'staff') + base_key_rules('kiban', 'staff')
        ) }} as reject_reason
    from renamed
)

select * from final
