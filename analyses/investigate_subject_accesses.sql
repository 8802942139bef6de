-- Every access-log line on one person (the access area's pseudonym, fct_access_events.subject_pid)
-- between two days, oldest first, with the case it belongs to where it reached the queue.
-- The parameters are the one row of investigation_params (nenkin-audit investigate binds them).
-- params: subject_pid text, date_from date, date_to date
select
    events.log_id,
    events.accessed_at,
    events.staff_id,
    events.dept_code,
    events.terminal_id,
    events.shori_jiyu,
    events.operation,
    events.screen_id,
    events.explanation,
    flags.risk_score,
    flags.reasons
from fct_access_events as events
cross join investigation_params
left join fct_access_flags as flags
    on events.log_id = flags.log_id
where
    events.subject_pid = investigation_params.subject_pid
    and events.access_date between investigation_params.date_from and investigation_params.date_to
order by events.accessed_at, events.log_id
