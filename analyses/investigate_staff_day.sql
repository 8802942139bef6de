-- Everything one member of staff did on one day (every access-log line, person or list), in
-- time order, with the subject as the access area's pseudonym and any flag raised.
-- The parameters are the one row of investigation_params (nenkin-audit investigate binds them).
-- params: staff_id text, day date
select
    events.log_id,
    events.accessed_at,
    events.dept_code,
    events.terminal_id,
    events.shori_jiyu,
    events.operation,
    events.screen_id,
    events.subject_pid,
    events.hit_count,
    events.explanation,
    flags.risk_score,
    flags.reasons
from fct_access_events as events
cross join investigation_params
left join fct_access_flags as flags
    on events.log_id = flags.log_id
where
    events.staff_id = investigation_params.staff_id
    and events.access_date = investigation_params.day
order by events.accessed_at, events.log_id
