-- 提供・移転の記録, append-only: one row per raw row, typed, with its reject reason.

-- Incremental (delete+insert keyed on _extract_date): every rule is one row's or one file's,
-- so a daily run types only the extract dates of new files (macros incremental_source_rows,
-- incremental_extract_dates).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='_extract_date',
) }}

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
