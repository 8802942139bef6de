-- 付加情報, change file: one row per raw row, typed, with its reject reason.

with

source as (
    {{ incremental_source_rows(source('nenkin', 'fuka')) }}
),

renamed as (
    select
        {{ base_renamed_columns('nenkin', 'fuka') }}
    from source
),

final as (
    select
        {{ base_typed_columns('nenkin', 'fuka') }},
        {{ reject_reason(
            base_column_rules('nenkin', 'fuka') + base_key_rules('nenkin', 'fuka')
        ) }} as reject_reason
    from renamed
)

select * from final
