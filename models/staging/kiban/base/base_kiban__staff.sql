-- 職員・権限 daily snapshots: one row per raw row, typed, with its reject reason.

with

source as (
    select * from {{ source('kiban', 'staff') }}
),

renamed as (
    select
        snapshot_date || '|' || staff_id as record_key,
        {{ normalise_text('snapshot_date') }} as snapshot_date,
        {{ normalise_text('staff_id') }} as staff_id,
        {{ normalise_text('staff_atena_no') }} as staff_atena_no,
        {{ normalise_text('dept_code') }} as dept_code,
        {{ normalise_text('role') }} as role,
        {{ normalise_text('kojin_no_kengen') }} as kojin_no_kengen,
        {{ normalise_text('account_status') }} as account_status,
        {{ normalise_text('valid_from') }} as valid_from,
        {{ normalise_text('valid_to') }} as valid_to,
        contractor_code,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        {{ iso_to_date('snapshot_date') }} as snapshot_date,
        nullif(staff_id, '') as staff_id,
        nullif(staff_atena_no, '') as staff_atena_no,
        nullif(dept_code, '') as dept_code,
        nullif(role, '') as role,
        nullif(kojin_no_kengen, '') as kojin_no_kengen,
        nullif(account_status, '') as account_status,
        {{ iso_to_date('valid_from') }} as valid_from,
        {{ iso_to_date('valid_to') }} as valid_to,
        nullif(contractor_code, '') as contractor_code,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_iso_date('snapshot_date', required=true),
            rule_required('staff_id'),
            rule_id('staff_atena_no'),
            rule_code('dept_code', 'code_offices', seed_column='office_code'),
            rule_code('role', 'code_roles'),
            rule_code_in('kojin_no_kengen', ['0', '1']),
            rule_code('account_status', 'code_account_status'),
            rule_iso_date('valid_from'),
            rule_iso_date('valid_to'),
            rule_not_future(iso_to_date('snapshot_date'), 'snapshot_date'),
            rule_unique_in_file(['snapshot_date', 'staff_id']),
        ]) }} as reject_reason
    from renamed
)

select * from final
