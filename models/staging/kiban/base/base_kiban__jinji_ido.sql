-- 人事異動 (personnel events, new events only): one row per raw row, typed, with its reject reason.

with

source as (
    select * from {{ source('kiban', 'jinji_ido') }}
),

renamed as (
    select
        staff_id || '|' || effective_date || '|' || ido_type as record_key,
        {{ normalise_text('staff_id') }} as staff_id,
        {{ normalise_text('effective_date') }} as effective_date,
        {{ normalise_text('ido_type') }} as ido_type,
        {{ normalise_text('from_dept') }} as from_dept,
        {{ normalise_text('to_dept') }} as to_dept,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        nullif(staff_id, '') as staff_id,
        {{ iso_to_date('effective_date') }} as effective_date,
        nullif(ido_type, '') as ido_type,
        nullif(from_dept, '') as from_dept,
        nullif(to_dept, '') as to_dept,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_required('staff_id'),
            rule_iso_date('effective_date', required=true),
            rule_code('ido_type', 'code_ido_type', required=true),
            rule_code('from_dept', 'code_offices', seed_column='office_code'),
            rule_code('to_dept', 'code_offices', seed_column='office_code'),
            rule_unique_in_file(['staff_id', 'effective_date', 'ido_type']),
        ]) }} as reject_reason
    from renamed
)

select * from final
