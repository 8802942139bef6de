-- 資格情報 (insured periods), change file: one row per raw row, typed, with its reject reason.

with

source as (
    {{ incremental_source_rows(source('nenkin', 'shikaku')) }}
),

renamed as (
    select
        {{ base_renamed_columns('nenkin', 'shikaku') }}
    from source
),

final as (
    select
        {{ base_typed_columns('nenkin', 'shikaku') }},
        {{ reject_reason(
            base_column_rules('nenkin', 'shikaku') + base_key_rules('nenkin', 'shikaku')
        ) }} as reject_reason
    from renamed
)

select * from final
