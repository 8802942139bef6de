-- 処理結果一覧表 (JPS result lists), append-only: one row per raw row, typed, with its reject
-- reason. Still holds 個人番号 and the 氏名カナ printed on the list: restricted.

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
