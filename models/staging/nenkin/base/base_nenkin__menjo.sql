-- 免除情報, change file: one row per raw row, typed, with its reject reason.

with

source as (
    {{ incremental_source_rows(source('nenkin', 'menjo')) }}
),

renamed as (
    select
        {{ base_renamed_columns('nenkin', 'menjo') }}
    from source
),

final as (
    select
        {{ base_typed_columns('nenkin', 'menjo') }},
        {{ reject_reason(
            base_column_rules('nenkin', 'menjo') + base_key_rules('nenkin', 'menjo')
        ) }} as reject_reason
    from renamed
)

select * from final
