-- 端末操作ログ, append-only: one row per raw row, typed, with its reject reason.
-- The subject's 4情報 as shown on screen (subj_*) duplicate atena: they are not carried here
-- (they stay in the raw layer only), which also keeps this largest table lean.

with

source as (
    select * from {{ source('kiban', 'access_log') }}
),

renamed as (
    select
        log_id as record_key,
        {{ normalise_text('log_id') }} as log_id,
        {{ normalise_text('accessed_at') }} as accessed_at,
        {{ normalise_text('staff_id') }} as staff_id,
        {{ normalise_text('dept_code') }} as dept_code,
        {{ normalise_text('terminal_id') }} as terminal_id,
        {{ normalise_text('shori_jiyu') }} as shori_jiyu,
        {{ normalise_text('operation') }} as operation,
        screen_id,
        {{ normalise_text('atena_no') }} as atena_no,
        {{ normalise_text('hit_count') }} as hit_count,
        {{ raw_lineage_columns() }}
    from source
),

final as (
    select
        nullif(log_id, '') as log_id,
        {{ iso_to_timestamp('accessed_at') }} as accessed_at,
        nullif(staff_id, '') as staff_id,
        nullif(dept_code, '') as dept_code,
        nullif(terminal_id, '') as terminal_id,
        nullif(shori_jiyu, '') as shori_jiyu,
        nullif(operation, '') as operation,
        nullif(screen_id, '') as screen_id,
        nullif(atena_no, '') as atena_no,
        {{ to_integer('hit_count') }} as hit_count,
        {{ raw_lineage_columns() }},
        record_key,
        {{ reject_reason([
            rule_required('log_id'),
            rule_timestamp('accessed_at', required=true),
            rule_required('staff_id'),
            rule_code('dept_code', 'code_offices', seed_column='office_code'),
            rule_code('shori_jiyu', 'code_shori_jiyu'),
            rule_code('operation', 'code_operations', required=true),
            rule_id('atena_no'),
            rule_integer('hit_count'),
        ]) }} as reject_reason
    from renamed
)

select * from final
