{#- Restricted. One row per access-log line with everything the misuse rules (and, later, a
    model) need: the member of staff's state at that time (account, permissions, 人事異動), the
    terminal, the clock and calendar, the subject's state at that time (支援措置, household,
    address block), the business events that explain the access, and the member's / the
    subject's volumes of that day. Holds 宛名番号: never published.

    Set-based for tens of millions of lines: every lookup is an equality (hash) join, range
    conditions only inside one key's few rows (staff versions, 宛名 versions, 人事異動 states);
    business events are matched once per (person, access day), and the day volumes are
    aggregated once per (staff, day, person) from the narrow log and joined back. The log is
    read where it is needed (never held as a wide intermediate), so the final select streams the
    lines through hash lookups on small tables. -#}
{%- set days_before = var('audit_event_days_before', 7) -%}
{%- set days_after = var('audit_event_days_after', 30) -%}
{%- set office_open = var('audit_office_open', '07:30:00') -%}
{%- set office_close = var('audit_office_close', '19:00:00') -%}
{%- set batch_depts = var('audit_batch_depts', ['J01']) -%}
{%- set brief_look_max_lines = var('audit_brief_look_max_lines', 2) -%}
{%- set list_operations = "('03', '04')" -%}
with subject_staff_days as (
    -- the member's lines on one person that day
    select
        staff_id,
        access_date,
        atena_no,
        count(*) as subject_lines,
        bool_or(operation = '05') as has_number_display
    from {{ ref('stg_kiban__access_log') }}
    where atena_no is not null
    group by staff_id, access_date, atena_no
),

staff_day_lines as (
    select
        staff_id,
        access_date,
        count(*) as line_count,
        sum(case
            when operation in {{ list_operations }} and atena_no is null
                and coalesce(dept_code, '') not in ('{{ batch_depts | join("', '") }}')
                then coalesce(hit_count, 0)
            else 0
        end) as list_records
    from {{ ref('stg_kiban__access_log') }}
    group by staff_id, access_date
),

calendar as (
    select
        date_day,
        is_working_day
    from {{ ref('int_calendar__dates') }}
),

offices as (
    select
        office_code,
        ward_code
    from {{ ref('code_offices') }}
),

staff_versions as (
    select
        staff_id,
        staff_atena_no,
        dept_code,
        role,
        may_display_kojin_no,
        account_status,
        contractor_code,
        account_valid_from,
        account_valid_to,
        valid_from_date,
        coalesce(valid_to_date, cast('9999-12-31' as date)) as valid_to_date
    from {{ ref('stg_kiban__staff_history') }}
),

personnel_events as (
    -- 人事異動 as states: 退職 takes effect the day after effective_date (the last day of
    -- service), every other event on its effective_date
    select
        staff_id,
        case ido_type
            when '3' then 'transferred_out'
            when '4' then 'retired'
            when '5' then 'on_leave'
            else 'active'
        end as personnel_state,
        case when ido_type = '4' then effective_date + 1 else effective_date end as state_from,
        -- same day: the leaving event wins over an arrival (its state comes last)
        case when ido_type in ('3', '4', '5') then 1 else 0 end as same_day_order
    from {{ ref('stg_kiban__jinji_ido') }}
),

personnel_states as (
    select
        staff_id,
        personnel_state,
        state_from,
        coalesce(
            lead(state_from) over (
                partition by staff_id order by state_from, same_day_order
            ),
            cast('9999-12-31' as date)
        ) as state_to
    from personnel_events
),

terminals as (
    select
        terminal_id,
        dept_code as terminal_dept_code
    from {{ ref('stg_kiban__terminals') }}
),

person_versions as (
    -- a line before a person's first version (an arrival keyed in just after the look-up)
    -- sees that first version
    select
        atena_no,
        setai_no,
        ward_code,
        is_protected,
        case
            when valid_from = min(valid_from) over (partition by atena_no)
                then cast('1900-01-01 00:00:00' as timestamp)
            else valid_from
        end as valid_from,
        coalesce(valid_to, cast('9999-12-31 00:00:00' as timestamp)) as valid_to
    from {{ ref('stg_atena__person_history') }}
),

person_blocks as (
    -- 街区: the current address up to its 番 (…丁目…番), where it has that form
    select
        atena_no,
        case
            when position('丁目' in address) > 0
                and position('番' in address) > position('丁目' in address)
                then substr(address, 1, position('番' in address))
        end as address_block
    from {{ ref('stg_atena__persons') }}
),

events as (
    select * from {{ ref('int_audit__subject_events') }}
),

subject_days as (
    select distinct
        atena_no,
        access_date
    from subject_staff_days
),

subject_day_events as (
    select
        subject_days.atena_no,
        subject_days.access_date,
        events.event_kind,
        events.event_date,
        events.office_code,
        events.staff_id
    from subject_days
    inner join events
        on subject_days.atena_no = events.atena_no
            and events.event_date between subject_days.access_date - {{ days_after }}
            and subject_days.access_date + {{ days_before }}
),

explanations as (
    select
        atena_no,
        access_date,
        min(abs(access_date - event_date)) as nearest_event_days,
        bool_or(event_kind in ('filing_received', 'filing_forwarded')) as has_filing_event,
        bool_or(event_kind = 'jps_result') as has_jps_event,
        bool_or(event_kind = 'juki_change') as has_juki_event,
        bool_or(event_kind = 'claim') as has_claim_event,
        bool_or(event_kind = 'exemption') as has_exemption_event,
        bool_or(event_kind = 'pension_record_change') as has_record_change_event
    from subject_day_events
    group by atena_no, access_date
),

office_explanations as (
    select distinct
        atena_no,
        access_date,
        office_code
    from subject_day_events
    where event_kind = 'filing_received' and office_code is not null
),

staff_explanations as (
    select distinct
        atena_no,
        access_date,
        staff_id
    from subject_day_events
    where event_kind = 'filing_received' and staff_id is not null
),

explained_subject_staff_days as (
    select
        subject_staff_days.*,
        explanations.atena_no is not null as has_business_event
    from subject_staff_days
    left join explanations
        on subject_staff_days.atena_no = explanations.atena_no
            and subject_staff_days.access_date = explanations.access_date
),

staff_day_subjects as (
    select
        staff_id,
        access_date,
        count(*) as subjects,
        sum(case when subject_lines = 1 and not has_business_event then 1 else 0 end)
            as unexplained_single_views,
        sum(case
            when has_number_display and subject_lines <= {{ brief_look_max_lines }} and not has_business_event
                then 1
            else 0
        end) as unexplained_number_displays
    from explained_subject_staff_days
    group by staff_id, access_date
),

subject_day_viewers as (
    -- members of staff who took an unexplained brief look at the person that day
    select
        atena_no,
        access_date,
        sum(case when subject_lines <= {{ brief_look_max_lines }} then 1 else 0 end) as unexplained_viewers
    from explained_subject_staff_days
    where not has_business_event
    group by atena_no, access_date
),

lines as (
    select
        log.log_id,
        log.accessed_at,
        log.access_date,
        log.staff_id,
        log.dept_code,
        log.terminal_id,
        log.shori_jiyu,
        log.operation,
        log.screen_id,
        log.atena_no,
        log.hit_count,
        log.atena_no is not null as has_subject,
        coalesce(calendar.is_working_day, extract(isodow from log.access_date) <= 5) as is_working_day,
        (
            cast(log.accessed_at as time) >= cast('{{ office_open }}' as time)
            and cast(log.accessed_at as time) < cast('{{ office_close }}' as time)
        ) as is_office_hours,
        staff_versions.staff_id is not null as is_staff_known,
        staff_versions.staff_atena_no,
        staff_versions.dept_code as staff_dept_code,
        staff_versions.role as staff_role,
        staff_versions.account_status,
        coalesce(staff_versions.may_display_kojin_no, false) as may_display_kojin_no,
        staff_versions.contractor_code,
        coalesce(staff_versions.role = '4' or staff_versions.contractor_code is not null, false)
            as is_contractor,
        staff_versions.account_valid_from,
        staff_versions.account_valid_to,
        coalesce(personnel_states.personnel_state, 'active') as personnel_state,
        personnel_states.state_from as personnel_state_since,
        terminals.terminal_dept_code,
        staff_offices.ward_code as staff_office_ward_code,
        subject_version.setai_no as subject_setai_no,
        subject_version.ward_code as subject_ward_code,
        coalesce(subject_version.is_protected, false) as subject_is_protected,
        staff_version.setai_no as staff_setai_no,
        subject_block.address_block as subject_address_block,
        staff_block.address_block as staff_address_block,
        explanations.atena_no is not null as has_business_event,
        explanations.nearest_event_days,
        coalesce(explanations.has_filing_event, false) as has_filing_event,
        coalesce(explanations.has_jps_event, false) as has_jps_event,
        coalesce(explanations.has_juki_event, false) as has_juki_event,
        coalesce(explanations.has_claim_event, false) as has_claim_event,
        coalesce(explanations.has_exemption_event, false) as has_exemption_event,
        coalesce(explanations.has_record_change_event, false) as has_record_change_event,
        office_explanations.atena_no is not null as has_filing_at_access_office,
        staff_explanations.atena_no is not null as has_filing_by_same_staff,
        subject_staff_days.subject_lines,
        staff_day_lines.line_count as staff_day_lines,
        staff_day_lines.list_records as staff_day_list_records,
        staff_day_subjects.subjects as staff_day_subjects,
        staff_day_subjects.unexplained_single_views as staff_day_unexplained_single_views,
        staff_day_subjects.unexplained_number_displays as staff_day_unexplained_number_displays,
        subject_day_viewers.unexplained_viewers as subject_day_unexplained_viewers
    from {{ ref('stg_kiban__access_log') }} as log
    left join calendar
        on log.access_date = calendar.date_day
    left join staff_versions
        on log.staff_id = staff_versions.staff_id
            and log.access_date >= staff_versions.valid_from_date
            and log.access_date < staff_versions.valid_to_date
    left join personnel_states
        on log.staff_id = personnel_states.staff_id
            and log.access_date >= personnel_states.state_from
            and log.access_date < personnel_states.state_to
    left join terminals
        on log.terminal_id = terminals.terminal_id
    left join offices as staff_offices
        on staff_versions.dept_code = staff_offices.office_code
    left join person_versions as subject_version
        on log.atena_no = subject_version.atena_no
            and log.accessed_at >= subject_version.valid_from
            and log.accessed_at < subject_version.valid_to
    left join person_versions as staff_version
        on staff_versions.staff_atena_no = staff_version.atena_no
            and log.accessed_at >= staff_version.valid_from
            and log.accessed_at < staff_version.valid_to
    left join person_blocks as subject_block
        on log.atena_no = subject_block.atena_no
    left join person_blocks as staff_block
        on staff_versions.staff_atena_no = staff_block.atena_no
    left join explanations
        on log.atena_no = explanations.atena_no
            and log.access_date = explanations.access_date
    left join office_explanations
        on log.atena_no = office_explanations.atena_no
            and log.access_date = office_explanations.access_date
            and log.dept_code = office_explanations.office_code
    left join staff_explanations
        on log.atena_no = staff_explanations.atena_no
            and log.access_date = staff_explanations.access_date
            and log.staff_id = staff_explanations.staff_id
    left join subject_staff_days
        on log.staff_id = subject_staff_days.staff_id
            and log.access_date = subject_staff_days.access_date
            and log.atena_no = subject_staff_days.atena_no
    left join staff_day_lines
        on log.staff_id = staff_day_lines.staff_id
            and log.access_date = staff_day_lines.access_date
    left join staff_day_subjects
        on log.staff_id = staff_day_subjects.staff_id
            and log.access_date = staff_day_subjects.access_date
    left join subject_day_viewers
        on log.atena_no = subject_day_viewers.atena_no
            and log.access_date = subject_day_viewers.access_date
),

final as (
    select
        log_id,
        accessed_at,
        access_date,
        cast(extract(hour from accessed_at) as integer) as access_hour,
        is_working_day,
        is_office_hours,
        staff_id,
        dept_code,
        terminal_id,
        shori_jiyu,
        operation,
        screen_id,
        atena_no,
        hit_count,
        has_subject,
        is_staff_known,
        staff_dept_code,
        staff_role,
        account_status,
        may_display_kojin_no,
        contractor_code,
        is_contractor,
        account_valid_from,
        account_valid_to,
        personnel_state,
        personnel_state_since,
        (
            not is_staff_known
            or account_status is distinct from '1'
            or coalesce(access_date < account_valid_from, false)
            or coalesce(access_date > account_valid_to, false)
            or personnel_state <> 'active'
        ) as is_account_inactive,
        coalesce(dept_code in ('{{ batch_depts | join("', '") }}'), false) as is_batch_dept,
        terminal_dept_code,
        coalesce(terminal_dept_code <> staff_dept_code, false) as is_foreign_terminal,
        staff_office_ward_code,
        subject_ward_code,
        subject_is_protected,
        coalesce(
            has_subject
            and staff_office_ward_code is not null
            and subject_ward_code is distinct from staff_office_ward_code,
            false
        ) as is_subject_out_of_area,
        coalesce(atena_no = staff_atena_no, false) as is_own_record,
        coalesce(atena_no <> staff_atena_no and subject_setai_no = staff_setai_no, false)
            as is_own_household,
        coalesce(
            atena_no <> staff_atena_no
            and subject_setai_no is distinct from staff_setai_no
            and subject_address_block = staff_address_block,
            false
        ) as is_neighbour,
        has_business_event,
        nearest_event_days,
        has_filing_event,
        has_jps_event,
        has_juki_event,
        has_claim_event,
        has_exemption_event,
        has_record_change_event,
        has_filing_at_access_office,
        has_filing_by_same_staff,
        subject_lines as staff_day_subject_lines,
        coalesce(subject_lines = 1, false) as is_single_view,
        coalesce(subject_lines <= {{ brief_look_max_lines }}, false) as is_brief_look,
        staff_day_lines,
        coalesce(staff_day_subjects, 0) as staff_day_subjects,
        coalesce(staff_day_unexplained_single_views, 0) as staff_day_unexplained_single_views,
        coalesce(staff_day_unexplained_number_displays, 0) as staff_day_unexplained_number_displays,
        staff_day_list_records,
        subject_day_unexplained_viewers
    from lines
)

select * from final
