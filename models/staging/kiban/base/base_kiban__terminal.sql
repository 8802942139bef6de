-- 端末台帳 (each delivery the full ledger): one row per raw row, typed, with its reject reason.

with

source as (
    select * from {{ source('kiban', 'terminal') }}
),

renamed as (
    select
        terminal_id as record_key,
        {{ normalise_text('terminal_id') }} as terminal_id,
        {{ normalise_text('office_code') }} as office_code,
        {{ normalise_text('dept_code') }} as dept_code,
        {{ normalise_text('valid_from') }} as valid_from,
        {{ normalise_text('valid_to') }} as valid_to,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        nullif(terminal_id, '') as terminal_id,
        nullif(office_code, '') as office_code,
        nullif(dept_code, '') as dept_code,
        {{ iso_to_date('valid_from') }} as valid_from,
        {{ iso_to_date('valid_to') }} as valid_to,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_required('terminal_id'),
            rule_code('office_code', 'code_offices'),
            rule_code('dept_code', 'code_offices', seed_column='office_code'),
            rule_iso_date('valid_from'),
            rule_iso_date('valid_to'),
            rule_unique_in_file(['terminal_id']),
        ]) }} as reject_reason
    from renamed
)

select * from final
