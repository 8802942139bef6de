-- 提供・移転の記録, append-only: one row per raw row, typed, with its reject reason.

-- Incremental (delete+insert keyed on _extract_date): every rule is one row's or one file's,
-- so a daily run types only the extract dates of new files (macro incremental_extract_dates).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='_extract_date',
) }}

with

source as (
    select * from {{ source('kiban', 'teikyo_iten') }}
    {%- if is_incremental() %}
        where _extract_date in ({{ incremental_extract_dates(source('kiban', 'teikyo_iten')) }})
    {%- endif %}
),

renamed as (
    select
        record_id as record_key,
        {{ normalise_text('record_id') }} as record_id,
        {{ normalise_text('sent_at') }} as sent_at,
        {{ normalise_text('recipient_code') }} as recipient_code,
        {{ normalise_text('method') }} as method,
        {{ normalise_text('record_count') }} as record_count,
        legal_basis,
        file_name,
        {{ normalise_text('operator_staff_id') }} as operator_staff_id,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        nullif(record_id, '') as record_id,
        {{ iso_to_timestamp('sent_at') }} as sent_at,
        nullif(recipient_code, '') as recipient_code,
        nullif(method, '') as method,
        {{ to_integer('record_count') }} as record_count,
        nullif(legal_basis, '') as legal_basis,
        nullif(file_name, '') as file_name,
        nullif(operator_staff_id, '') as operator_staff_id,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_required('record_id'),
            rule_timestamp('sent_at', required=true),
            rule_code('recipient_code', 'code_recipients'),
            rule_code('method', 'code_teikyo_method'),
            rule_integer('record_count'),
            rule_not_future(iso_to_timestamp('sent_at'), 'sent_at'),
            rule_unique_in_file(['record_id']),
        ]) }} as reject_reason
    from renamed
)

select * from final
