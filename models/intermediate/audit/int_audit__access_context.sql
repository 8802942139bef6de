{#- Restricted. One row per access-log line with everything the access audit needs to judge it:
    the member of staff's state at that time (account per the day's staff snapshot; 人事異動 as
    states: int_audit__personnel_states), the terminal, the calendar and the office's own hours
    (int_audit__office_hours), the subject's state at that time (支援措置, household, ward:
    int_audit__person_versions; address block: int_audit__address_blocks), the member's relation
    to the subject (own record, own household, neighbour: defined here, once, for every model),
    the explanation found and the member's lines on the person that day
    (int_audit__line_explanations, found by the columns the template hits are counted by, the
    work-list session from int_audit__list_sessions) and which kind of signal the line feeds.
    Holds 宛名番号: never published.

    Set-based for tens of millions of lines: every lookup is an equality (hash) join, range
    conditions only inside one key's few rows (staff versions, 宛名 versions, 人事異動 states). -#}
{%- set rare_hour_share = var('audit_rare_hour_share') -%}
{%- set brief_look_max_lines = var('audit_brief_look_max_lines') -%}
with calendar as (
    select
        date_day,
        is_working_day
    from {{ ref('int_calendar__dates') }}
),

offices as (
    select
        office_code,
        ward_code,
        serves_residents
    from {{ ref('code_offices') }}
),

office_hours as (
    select * from {{ ref('int_audit__office_hours') }}
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

personnel_states as (
    select * from {{ ref('int_audit__personnel_states') }}
),

terminals as (
    select
        terminal_id,
        dept_code as terminal_dept_code
    from {{ ref('stg_kiban__terminals') }}
),

person_versions as (
    select * from {{ ref('int_audit__person_versions') }}
),

person_blocks as (
    select * from {{ ref('int_audit__address_blocks') }}
),

list_sessions as (
    select * from {{ ref('int_audit__list_sessions') }}
),

line_explanations as (
    select * from {{ ref('int_audit__line_explanations') }}
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
        cast(extract(hour from log.accessed_at) as integer) as access_hour,
        coalesce(calendar.is_working_day, extract(isodow from log.access_date) <= 5) as is_working_day,
        staff_versions.staff_id is not null as is_staff_known,
        staff_versions.staff_atena_no,
        staff_versions.dept_code as staff_dept_code,
        staff_versions.role as staff_role,
        staff_versions.account_status,
        coalesce(staff_versions.may_display_kojin_no, false) as may_display_kojin_no,
        staff_versions.contractor_code,
        coalesce(staff_roles.is_contractor or staff_versions.contractor_code is not null, false)
            as is_contractor,
        coalesce(account_statuses.is_active, false) as is_account_status_active,
        coalesce(operations.is_list_operation, false) as is_list_operation_code,
        coalesce(operations.shows_individual_number, false) as shows_individual_number,
        staff_versions.account_valid_from,
        staff_versions.account_valid_to,
        coalesce(personnel_states.personnel_state, 'active') as personnel_state,
        personnel_states.state_from as personnel_state_since,
        terminals.terminal_dept_code,
        log_offices.ward_code as office_ward_code,
        coalesce(log_offices.serves_residents, false) as office_serves_residents,
        subject_version.setai_no as subject_setai_no,
        subject_version.ward_code as subject_ward_code,
        coalesce(subject_version.is_protected, false) as subject_is_protected,
        staff_version.setai_no as staff_setai_no,
        subject_block.address_block as subject_address_block,
        staff_block.address_block as staff_address_block,
        line_explanations.nearest_event_days,
        coalesce(line_explanations.has_business_event, false) as has_business_event,
        coalesce(line_explanations.has_filing_event, false) as has_filing_event,
        coalesce(line_explanations.has_jps_event, false) as has_jps_event,
        coalesce(line_explanations.has_juki_event, false) as has_juki_event,
        coalesce(line_explanations.has_claim_event, false) as has_claim_event,
        coalesce(line_explanations.has_exemption_event, false) as has_exemption_event,
        coalesce(line_explanations.has_record_change_event, false) as has_record_change_event,
        coalesce(line_explanations.has_filing_at_access_office, false) as has_filing_at_access_office,
        coalesce(line_explanations.has_filing_by_same_staff, false) as has_filing_by_same_staff,
        line_explanations.explanation,
        coalesce(office_hours.office_share, 0) as office_hour_share,
        line_explanations.subject_lines
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
    left join {{ ref('code_roles') }} as staff_roles
        on staff_versions.role = staff_roles.role  -- noqa: RF04
    left join {{ ref('code_account_status') }} as account_statuses
        on staff_versions.account_status = account_statuses.account_status
    left join {{ ref('code_operations') }} as operations
        on log.operation = operations.operation
    left join terminals
        on log.terminal_id = terminals.terminal_id
    left join offices as log_offices
        on log.dept_code = log_offices.office_code
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
    left join list_sessions
        on log.staff_id = list_sessions.staff_id
            and log.access_date = list_sessions.access_date
    -- the line's row of the template hits, by the columns they are counted by (dept_code may be
    -- empty: compared through coalesce, as a null never equals)
    left join line_explanations
        on log.staff_id = line_explanations.staff_id
            and coalesce(log.dept_code, '') = coalesce(line_explanations.dept_code, '')
            and log.access_date = line_explanations.access_date
            and log.atena_no = line_explanations.atena_no
            and {{ audit_is_in_list_session('log.accessed_at', 'list_sessions.first_list_search_at') }}
            = line_explanations.is_in_list_session
    left join office_hours
        on log.dept_code = office_hours.dept_code
            and coalesce(calendar.is_working_day, extract(isodow from log.access_date) <= 5)
            = office_hours.is_working_day
            and cast(extract(hour from log.accessed_at) as integer) = office_hours.access_hour
),

states as (
    select
        *,
        -- the day's staff snapshot is the authority on the account
        (
            not is_staff_known
            or not is_account_status_active
            or coalesce(access_date < account_valid_from, false)
            or coalesce(access_date > account_valid_to, false)
        ) as is_account_stopped,
        explanation is not null as is_explained
    from lines
),

final as (
    select
        log_id,
        accessed_at,
        access_date,
        access_hour,
        is_working_day,
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
        is_account_stopped,
        -- a departure (退職, 転出 out of the pension departments, 休職) while the day's snapshot
        -- still shows the account active: the revocation lag of PIA III-3 リスク2
        (not is_account_stopped and personnel_state <> 'active') as is_after_departure,
        case
            when not is_account_stopped and personnel_state <> 'active'
                then access_date - personnel_state_since
        end as departure_lag_days,
        terminal_dept_code,
        coalesce(terminal_dept_code <> staff_dept_code, false) as is_foreign_terminal,
        office_ward_code,
        subject_ward_code,
        subject_is_protected,
        coalesce(
            has_subject
            and office_serves_residents
            and office_ward_code is not null
            and subject_ward_code is distinct from office_ward_code,
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
        explanation,
        is_explained,
        office_hour_share,
        coalesce(has_subject and office_hour_share < {{ rare_hour_share }}, false) as is_rare_hour,
        subject_lines as staff_day_subject_lines,
        coalesce(subject_lines = 1, false) as is_single_view,
        coalesce(subject_lines <= {{ brief_look_max_lines }}, false) as is_brief_look,
        is_list_operation_code and not has_subject as is_list_operation,
        shows_individual_number as is_number_display
    from states
)

select * from final
