{#- Restricted. One row per access-log line: which misuse rules fired (one boolean per rule of
    the catalogue seed audit_rules), how many, the combined risk score and the fired codes. The
    rules read only int_audit__access_context; thresholds are project vars (defaults below, the
    reasons for each value in the model's description). -#}
{%- set browsing_min_subjects = var('audit_browsing_min_subjects', 16) -%}
{%- set number_display_burst = var('audit_number_display_burst', 8) -%}
{%- set many_viewers_min_staff = var('audit_many_viewers_min_staff', 3) -%}
{%- set bulk_day_records = var('audit_bulk_day_records', 5000) -%}
{%- set bulk_line_records = var('audit_bulk_line_records', 100) -%}
{#- (code, condition on the context), heaviest first: the order of the codes in `reasons` -#}
{%- set rules = [
    ('R_INACTIVE_ACCOUNT', 'is_account_inactive'),
    ('R_OWN_RECORD', 'is_own_record'),
    ('R_OWN_HOUSEHOLD', 'is_own_household'),
    ('R_CONTRACTOR_PERSONAL_DATA', 'is_contractor and has_subject'),
    ('R_NUMBER_DISPLAY_NO_PERMISSION', "operation = '05' and not may_display_kojin_no"),
    ('R_NUMBER_DISPLAY_BURST', "operation = '05' and is_brief_look and not has_business_event"
        ~ " and staff_day_unexplained_number_displays >= " ~ number_display_burst),
    ('R_BULK_EXTRACT', "operation in ('03', '04') and not has_subject and not is_batch_dept"
        ~ " and staff_day_list_records >= " ~ bulk_day_records
        ~ " and coalesce(hit_count, 0) >= " ~ bulk_line_records),
    ('R_NO_BUSINESS_EVENT', 'is_single_view and not has_business_event'
        ~ ' and staff_day_unexplained_single_views >= ' ~ browsing_min_subjects),
    ('R_MANY_VIEWERS', 'is_brief_look and not has_business_event'
        ~ ' and subject_day_unexplained_viewers >= ' ~ many_viewers_min_staff),
    ('R_NEIGHBOUR', 'is_neighbour and not has_business_event'),
    ('R_OFF_HOURS', 'has_subject and not (is_working_day and is_office_hours)'),
    ('R_PROTECTED_NO_EVENT', 'subject_is_protected and not has_business_event'),
    ('R_REASON_OTHER', "has_subject and shori_jiyu = '99' and not has_business_event"),
    ('R_FOREIGN_TERMINAL', 'is_foreign_terminal'),
] -%}
{#- the SQL of each part, one piece per rule, joined below -#}
{%- set weight_columns, hit_columns, counts, factors, codes = [], [], [], [], [] -%}
{%- for code, condition in rules -%}
    {%- set col = code | lower -%}
    {%- do weight_columns.append("max(case when rule_code = '" ~ code ~ "' then weight end) as w_" ~ col) -%}
    {%- do hit_columns.append("coalesce(" ~ condition ~ ", false) as " ~ col) -%}
    {%- do counts.append("case when hits." ~ col ~ " then 1 else 0 end") -%}
    {%- do factors.append("(1 - case when hits." ~ col ~ " then weights.w_" ~ col ~ " else 0 end)") -%}
    {%- do codes.append("case when hits." ~ col ~ " then '" ~ code ~ "' end") -%}
{%- endfor -%}
{%- set sep = ",\n        " -%}
with context as (
    select * from {{ ref('int_audit__access_context') }}
),

weights as (
    -- one row: the weight of each rule (null when the catalogue lacks the rule: the risk score
    -- of a line where it fires is then null, which the not_null test reports)
    select
        {{ weight_columns | join(sep) }}
    from {{ ref('audit_rules') }}
),

hits as (
    select
        log_id,
        access_date,
        staff_id,
        {{ hit_columns | join(sep) }}
    from context
),

final as (
    select
        hits.*,
        {{ counts | join("\n        + ") }} as rule_count,
        -- noisy-OR of the weights of the rules that fired: 1 − Π(1 − w)
        cast(1 - {{ factors | join("\n        * ") }} as double precision) as risk_score,
        -- the fired codes in catalogue order (concat_ws skips nulls)
        nullif(concat_ws(',', {{ codes | join(sep) }}), '') as reasons
    from hits
    cross join weights
)

select * from final
