-- 端末操作ログ, append-only: one row per raw row, typed, with its reject reason.
-- log_id is never reused (docs/raw-interface.md §3): a line whose log_id came before, further up the
-- same file or in a file of an earlier extract date, is `duplicate_key:log_id` (quarantined; the
-- first delivery stays). Files of one extract date are deliveries of the same lines (a
-- correction comes with a higher sequence): stg_kiban__access_log keeps the latest of those.
-- Only the few log_ids seen more than once are ranked, so the 20M-line table needs no sort.
-- The subject's 4情報 as shown on screen (subj_*) duplicate atena: they are not carried here
-- (they stay in the raw layer only), which also keeps this largest table lean.

-- Incremental (delete+insert keyed on _extract_date): a daily run types only the extract dates
-- of new files (macros incremental_source_rows, incremental_extract_dates); a log_id's earlier
-- deliveries are looked up in the rows already built, so a row's verdict is the one a full
-- rebuild gives. A new file that delivers a log_id again under an earlier date than its built
-- row also rebuilds that later date, whose row then becomes the quarantined repeat.
with

source as (
    {{ incremental_source_rows(source('kiban', 'access_log'), repeated_key='log_id') }}
),

renamed as (
    select
        {{ base_renamed_columns('kiban', 'access_log') }}
    from source
),

prior_ids as (
    -- the same log_ids in rows of other extract dates, built before (daily run only)
    {%- if is_incremental() %}
        select
            prior.log_id,
            prior._extract_date
        from {{ this }} as prior
        where prior.log_id in (select renamed.log_id from renamed)
            and prior._extract_date not in (select renamed._extract_date from renamed)
    {%- else %}
        select
            cast(null as varchar) as log_id,
            cast(null as date) as _extract_date
        where false
    {%- endif %}
),

repeated_ids as (
    select
        log_id,
        min(_extract_date) as first_extract_date
    from (
        select
            log_id,
            _extract_date
        from renamed
        where log_id <> ''
        union all
        select
            log_id,
            _extract_date
        from prior_ids
    ) as ids
    group by log_id
    having count(*) > 1
),

repeated_lines as (
    select
        renamed._file_name as reused_file_name,
        renamed._line_no as reused_line_no,
        renamed._extract_date > repeated_ids.first_extract_date
        or row_number() over (
            partition by renamed.log_id, renamed._file_name order by renamed._line_no
        ) > 1 as is_reused
    from renamed
    inner join repeated_ids
        on renamed.log_id = repeated_ids.log_id
),

flagged as (
    select
        renamed.*,
        coalesce(repeated_lines.is_reused, false) as is_reused
    from renamed
    left join repeated_lines
        on renamed._file_name = repeated_lines.reused_file_name
            and renamed._line_no = repeated_lines.reused_line_no
),

final as (
    select
        {{ base_typed_columns('kiban', 'access_log') }},
        {{ reject_reason(
            base_column_rules('kiban', 'access_log') + [[('is_reused', 'duplicate_key', 'log_id')]]
        ) }} as reject_reason
    from flagged
)

select * from final
