-- 付加情報, change file: one row per raw row, typed, with its reject reason.

with

source as (
    select * from {{ source('nenkin', 'fuka') }}
),

renamed as (
    select
        kiso_nenkin_no || '|' || kanyu_date as record_key,
        {{ normalise_text('kiso_nenkin_no') }} as kiso_nenkin_no,
        {{ normalise_text('kojin_no') }} as kojin_no,
        {{ normalise_text('kanyu_date') }} as kanyu_date,
        {{ normalise_text('dattai_date') }} as dattai_date,
        {{ normalise_text('change_type') }} as change_type,
        {{ normalise_text('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        {{ normalise_kiso_nenkin_no('kiso_nenkin_no') }} as kiso_nenkin_no,
        nullif(kojin_no, '') as kojin_no,
        {{ era_to_date('kanyu_date') }} as kanyu_date,
        {{ era_to_date('dattai_date') }} as dattai_date,
        nullif(change_type, '') as change_type,
        {{ iso_to_timestamp('changed_at') }} as changed_at,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_kiso_nenkin_no('kiso_nenkin_no', required=true),
            rule_kojin_no('kojin_no'),
            rule_era_date('kanyu_date', required=true),
            rule_era_date('dattai_date'),
            rule_change_columns(['kiso_nenkin_no', 'kanyu_date']),
        ]) }} as reject_reason
    from renamed
)

select * from final
