{#- Restricted (a view: read once, by int_audit__access_context). One row per row of real pairs
    of int_audit__template_hits (member, office, day, subject, in the member's work-list session
    or not): the business events found near those lines and their explanation, the first
    template of int_audit__explanation_templates (in the order of the macro
    audit_explanation_templates) that is kept in this city and holds for them, and the member's
    lines on the subject that day (a brief look is a few). -#}
{{ config(materialized='view') }}

{%- set templates = audit_explanation_templates() -%}
{%- set keep_columns = [] -%}
{%- for template in templates -%}
    {%- do keep_columns.append("bool_or(template_code = '" ~ template ~ "' and is_kept) as keep_" ~ template) -%}
{%- endfor -%}
with hits as (
    select * from {{ ref('int_audit__template_hits') }}
    where pair_kind = 'real'
),

kept_templates as (
    -- one row: whether each template is kept in this city
    select
        {{ keep_columns | join(',\n        ') }}
    from {{ ref('int_audit__explanation_templates') }}
),

final as (
    select
        hits.staff_id,
        hits.dept_code,
        hits.access_date,
        hits.atena_no,
        hits.is_in_list_session,
        hits.nearest_event_days,
        hits.has_business_event,
        hits.has_filing_event,
        hits.has_jps_event,
        hits.has_juki_event,
        hits.has_claim_event,
        hits.has_exemption_event,
        hits.has_record_change_event,
        hits.has_filing_at_access_office,
        hits.has_filing_by_same_staff,
        -- the member's lines on the subject that day, whatever the office or session
        cast(
            sum(hits.pair_count) over (partition by hits.staff_id, hits.access_date, hits.atena_no) as bigint
        ) as subject_lines,
        case
            {%- for template in templates %}
                when kept_templates.keep_{{ template }} and hits.has_{{ template }}
                    then '{{ template }}'
            {%- endfor %}
        end as explanation
    from hits
    cross join kept_templates
)

select * from final
