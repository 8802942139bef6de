{#- One row per case of the access audit that reached its day's queue (combined scoring): the
    unit of review. A case is a member's day, one person's day (many viewers), a member × person
    pair over weeks, or a member's weeks; its lines are in fct_access_flags (case_id). The
    first audit_review_budget cases of a day by rank are that day's review budget. -#}
with cases as (
    select * from {{ source('scoring', 'cases') }}
    where mode = 'combined'
),

case_lines as (
    select * from {{ source('scoring', 'case_lines') }}
),

context as (
    select
        log_id,
        is_explained
    from {{ ref('int_audit__access_context') }}
),

line_states as (
    -- the case's line count comes with the case (scoring.cases.line_count); here only how many
    -- of its lines have an explanation
    select
        case_lines.case_id,
        sum(case when context.is_explained then 1 else 0 end) as explained_lines
    from case_lines
    inner join context
        on case_lines.log_id = context.log_id
    group by case_lines.case_id
),

signals as (
    select
        signal_code,
        label_ja
    from {{ ref('audit_signals') }}
),

subjects as (
    select * from {{ ref('int_audit__subject_pseudonyms') }}
),

final as (
    select
        cast(cases.case_id as varchar) as case_id,
        cast(cases.scope as varchar) as case_scope,
        cast(cases.case_kind as varchar) as case_kind,
        cast(signals.label_ja as varchar) as case_label_ja,
        cast(cases.staff_id as varchar) as staff_id,
        cast(subject.subject_pid as varchar) as subject_pid,
        cast(cases.queue_date as date) as queue_date,
        cast(cases.period_from as date) as period_from,
        cast(cases.period_to as date) as period_to,
        cast(cases.risk_score as float8) as risk_score,
        cast(cases.surprise as float8) as evidence,
        cast(cases.reasons as varchar) as reasons,
        cast(cases.queue_rank as bigint) as queue_rank,
        cast(cases.in_budget as boolean) as in_budget,
        cast(cases.line_count as bigint) as line_count,
        cast(coalesce(line_states.explained_lines, 0) as bigint) as explained_lines,
        cast(
            case
                when coalesce(line_states.explained_lines, 0) = 0 then 'unexplained'
                when line_states.explained_lines < cases.line_count then 'partly_explained'
                else 'explained'
            end as varchar
        ) as explanation_state,
        cast(cases.departure_lag_days as bigint) as departure_lag_days
    from cases
    left join line_states
        on cases.case_id = line_states.case_id
    left join signals
        on cases.case_kind = signals.signal_code
    left join subjects as subject
        on cases.atena_no = subject.atena_no
)

select * from final
