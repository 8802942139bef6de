{#- Restricted. Which explanation template holds for the (member, subject) pairs of
    int_audit__template_pairs: real lines and the shuffled control sample alike, by the same
    joins, so that a template's support and its chance rate are measured the same way.

    The pairs come counted by all a template reads of them (int_audit__template_pairs), so
    int_audit__access_context finds a line's row by the line's own columns.

    Templates (each a path from the member to the subject in the city's own data):
    - one per kind of business event of the subject around that day (has_filing_event,
      has_claim_event, has_exemption_event, has_jps_event, has_juki_event,
      has_record_change_event; has_business_event is any of them);
    - recent_handling: on an earlier day within audit_event_days_after days, someone at the
      same office opened the subject's record with a business event explaining it (a
      colleague's or the member's own case: follow-ups, supervisory checks);
    - worklist_session: earlier that day the member ran a list search (一覧検索 without a
      subject), and the subject is a pension person living in the area the office serves (a
      work list: 未納者・勧奨 lists are worked this way).
    None of them reads the 処理事由 the member typed: a reason code alone explains nothing. -#}
{%- set days_before = var('audit_event_days_before') -%}
{%- set days_after = var('audit_event_days_after') -%}
with pairs as (
    select * from {{ ref('int_audit__template_pairs') }}
),

events as (
    select * from {{ ref('int_audit__subject_events') }}
),

subject_days as (
    select distinct
        atena_no,
        access_date
    from pairs
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

handled as (
    -- (person, office, day) where a real line was explained by a business event
    select distinct
        pairs.atena_no,
        pairs.dept_code,
        pairs.access_date as handled_date
    from pairs
    inner join explanations
        on pairs.atena_no = explanations.atena_no
            and pairs.access_date = explanations.access_date
    where pairs.pair_kind = 'real'
),

subject_office_days as (
    select distinct
        atena_no,
        dept_code,
        access_date
    from pairs
),

recent_handling as (
    select distinct
        subject_office_days.atena_no,
        subject_office_days.dept_code,
        subject_office_days.access_date
    from subject_office_days
    inner join handled
        on subject_office_days.atena_no = handled.atena_no
            and subject_office_days.dept_code = handled.dept_code
            and handled.handled_date between subject_office_days.access_date - {{ days_after }}
            and subject_office_days.access_date - 1
),

offices as (
    select
        office_code,
        ward_code,
        serves_residents
    from {{ ref('code_offices') }}
),

pension_persons as (
    select distinct atena_no
    from {{ ref('stg_nenkin__kihon') }}
),

subjects as (
    select
        persons.atena_no,
        persons.ward_code,
        pension_persons.atena_no is not null as is_pension_person
    from {{ ref('stg_atena__persons') }} as persons
    left join pension_persons
        on persons.atena_no = pension_persons.atena_no
),

final as (
    select
        pairs.pair_kind,
        pairs.staff_id,
        pairs.dept_code,
        pairs.access_date,
        pairs.atena_no,
        pairs.is_in_list_session,
        pairs.pair_count,
        pairs.sampled_pair_count,
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
        recent_handling.atena_no is not null as has_recent_handling,
        coalesce(
            pairs.is_in_list_session
            and subjects.is_pension_person
            and offices.serves_residents
            and (offices.ward_code is null or offices.ward_code = subjects.ward_code),
            false
        ) as has_worklist_session
    from pairs
    left join explanations
        on pairs.atena_no = explanations.atena_no
            and pairs.access_date = explanations.access_date
    left join office_explanations
        on pairs.atena_no = office_explanations.atena_no
            and pairs.access_date = office_explanations.access_date
            and pairs.dept_code = office_explanations.office_code
    left join staff_explanations
        on pairs.atena_no = staff_explanations.atena_no
            and pairs.access_date = staff_explanations.access_date
            and pairs.staff_id = staff_explanations.staff_id
    left join recent_handling
        on pairs.atena_no = recent_handling.atena_no
            and pairs.dept_code = recent_handling.dept_code
            and pairs.access_date = recent_handling.access_date
    left join offices
        on pairs.dept_code = offices.office_code
    left join subjects
        on pairs.atena_no = subjects.atena_no
)

select * from final
