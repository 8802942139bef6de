-- 所得情報 (税システム), change file: one row per raw row, typed, with its reject reason.
-- Counts are integer, amounts bigint yen (an optional minus sign is accepted for amounts).
-- kojo_haigusha, honnin_shogai, honnin_kafu and honnin_kinro_gakusei are small code sets of
-- docs/raw-interface.md §3 (0/1, 0/1/2), typed integer like the counts they sit with.

with

source as (
    {{ incremental_source_rows(source('zei', 'shotoku')) }}
),

renamed as (
    select
        {{ base_renamed_columns('zei', 'shotoku') }}
    from source
),

final as (
    select
        {{ base_typed_columns('zei', 'shotoku') }},
        {{ reject_reason(
            base_column_rules('zei', 'shotoku') + base_key_rules('zei', 'shotoku')
        ) }} as reject_reason
    from renamed
)

select * from final
