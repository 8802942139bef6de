-- 処理結果一覧表 (JPS result lists), append-only: one row per raw row, typed, with its reject
-- reason. Still holds 個人番号 and the 氏名カナ printed on the list: restricted.

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
    {{ incremental_source_rows(source('jps', 'jps_kekka')) }}
),

renamed as (
    select
        {{ base_renamed_columns('jps', 'jps_kekka') }}
    from source
),

final as (
    select
        {{ base_typed_columns('jps', 'jps_kekka') }},
        {{ reject_reason(
            base_column_rules('jps', 'jps_kekka') + base_key_rules('jps', 'jps_kekka')
        ) }} as reject_reason
    from renamed
)

select * from final
