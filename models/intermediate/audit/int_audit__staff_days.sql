{#- Restricted. One row per member of staff and day with activity: the member's department and
    role that day and the counts the access audit judges against the member's own history, the
    peer group (role × department) and the office and weekday (nenkin_audit.scoring). Each
    count is one signal of the catalogue seed audit_signals; hard violations are counted too,
    so that a case can say how many lines they touched. -#}
with context as (
    select * from {{ ref('int_audit__access_context') }}
),

subject_days as (
    -- the member's looks at one person that day, unexplained when no line of them is
    select
        staff_id,
        access_date,
        atena_no,
        bool_and(not is_explained) as is_unexplained,
        bool_or(is_subject_out_of_area) as is_out_of_area,
        bool_or(is_number_display) as has_number_display,
        bool_or(subject_is_protected) as is_protected,
        bool_or(is_neighbour) as is_neighbour,
        bool_or(is_rare_hour) as at_rare_hour
    from context
    where has_subject
    group by staff_id, access_date, atena_no
),

subject_counts as (
    select
        staff_id,
        access_date,
        count(*) as subjects,
        sum(case when is_unexplained then 1 else 0 end) as unexplained_subjects,
        sum(case when is_unexplained and is_out_of_area then 1 else 0 end) as out_of_area_subjects,
        sum(case when is_unexplained and has_number_display then 1 else 0 end)
            as number_display_subjects,
        sum(case when is_unexplained and is_protected then 1 else 0 end) as protected_subjects,
        sum(case when is_unexplained and is_neighbour then 1 else 0 end) as neighbour_subjects,
        sum(case when at_rare_hour then 1 else 0 end) as rare_hour_subjects
    from subject_days
    group by staff_id, access_date
),

line_counts as (
    select
        staff_id,
        access_date,
        max(staff_dept_code) as staff_dept_code,
        max(staff_role) as staff_role,
        max(dept_code) as dept_code,
        bool_or(is_working_day) as is_working_day,
        count(*) as day_lines,
        sum(case when is_explained then 1 else 0 end) as explained_lines,
        sum(case when is_list_operation then coalesce(hit_count, 0) else 0 end) as list_records,
        sum(case when is_list_operation then 1 else 0 end) as list_operations,
        sum(case when is_account_stopped then 1 else 0 end) as stopped_account_lines,
        sum(case when is_after_departure then 1 else 0 end) as after_departure_lines,
        max(departure_lag_days) as departure_lag_days,
        sum(case when is_own_record or is_own_household then 1 else 0 end) as own_household_lines,
        sum(case when is_number_display and not may_display_kojin_no then 1 else 0 end)
            as number_without_right_lines,
        sum(case when is_contractor and has_subject then 1 else 0 end) as contractor_subject_lines
    from context
    group by staff_id, access_date
),

final as (
    select
        line_counts.staff_id,
        line_counts.access_date,
        coalesce(line_counts.staff_dept_code, line_counts.dept_code) as peer_dept_code,
        coalesce(line_counts.staff_role, 'unknown') as peer_role,
        line_counts.is_working_day,
        extract(isodow from line_counts.access_date) as iso_weekday,
        line_counts.day_lines,
        line_counts.explained_lines,
        coalesce(subject_counts.subjects, 0) as subjects,
        coalesce(subject_counts.unexplained_subjects, 0) as unexplained_subjects,
        coalesce(subject_counts.out_of_area_subjects, 0) as out_of_area_subjects,
        coalesce(subject_counts.number_display_subjects, 0) as number_display_subjects,
        coalesce(subject_counts.protected_subjects, 0) as protected_subjects,
        coalesce(subject_counts.neighbour_subjects, 0) as neighbour_subjects,
        coalesce(subject_counts.rare_hour_subjects, 0) as rare_hour_subjects,
        line_counts.list_records,
        line_counts.list_operations,
        line_counts.stopped_account_lines,
        line_counts.after_departure_lines,
        line_counts.departure_lag_days,
        line_counts.own_household_lines,
        line_counts.number_without_right_lines,
        line_counts.contractor_subject_lines
    from line_counts
    left join subject_counts
        on line_counts.staff_id = subject_counts.staff_id
            and line_counts.access_date = subject_counts.access_date
)

select * from final
