{#- One row per flagged access-log line (docs/published-contract.md §3.1): a line of a case that reached
    the day's queue under the combined scoring. A line in several cases carries the strongest
    (its risk score, reasons and case id). The subject appears only as a person pseudonym. -#}
with cases as (
    select * from {{ source('scoring', 'cases') }}
    where mode = 'combined'
),

case_lines as (
    select * from {{ source('scoring', 'case_lines') }}
),

line_cases as (
    select
        case_lines.log_id,
        cases.case_id,
        cases.risk_score,
        cases.reasons,
        row_number() over (
            partition by case_lines.log_id order by cases.surprise desc, cases.case_id asc
        ) as case_order
    from case_lines
    inner join cases
        on case_lines.case_id = cases.case_id
),

context as (
    select * from {{ ref('int_audit__access_context') }}
),

subjects as (
    select * from {{ ref('int_audit__subject_pseudonyms') }}
),

final as (
    select
        cast(line_cases.log_id as varchar) as log_id,
        cast(context.staff_id as varchar) as staff_id,
        cast(context.accessed_at as timestamp) as accessed_at,
        cast(context.access_date as date) as access_date,
        cast(line_cases.risk_score as float8) as risk_score,
        cast(line_cases.reasons as varchar) as reasons,
        cast(line_cases.case_id as varchar) as case_id,
        cast(context.dept_code as varchar) as dept_code,
        cast(context.terminal_id as varchar) as terminal_id,
        cast(context.staff_role as varchar) as staff_role,
        cast(context.shori_jiyu as varchar) as shori_jiyu,
        cast(context.operation as varchar) as operation,
        cast(subject.subject_pid as varchar) as subject_pid,
        cast(context.hit_count as bigint) as hit_count,
        cast(context.explanation as varchar) as explanation,
        cast(context.is_working_day as boolean) as is_working_day,
        cast(context.is_own_record as boolean) as is_own_record,
        cast(context.is_own_household as boolean) as is_own_household,
        cast(context.is_neighbour as boolean) as is_neighbour,
        cast(context.subject_is_protected as boolean) as subject_is_protected,
        cast(context.is_subject_out_of_area as boolean) as is_subject_out_of_area
    from line_cases
    inner join context
        on line_cases.log_id = context.log_id
    left join subjects as subject
        on context.atena_no = subject.atena_no
    where line_cases.case_order = 1
)

select * from final
