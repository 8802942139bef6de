{#- The explanation templates mined in this city: each template's support among the log's
    person-record lines, its chance rate for a random person, their ratio and whether the city
    keeps it (int_audit__explanation_templates). Figures about the city's work, no person. -#}
with templates as (
    select * from {{ ref('int_audit__explanation_templates') }}
),

final as (
    select
        cast(template_code as varchar) as template_code,
        cast(template_order as bigint) as template_order,
        cast(line_support as float8) as line_support,
        cast(chance_rate as float8) as chance_rate,
        cast(lift as float8) as lift,
        cast(explained_lines as bigint) as explained_lines,
        cast(is_kept as boolean) as is_kept
    from templates
)

select * from final
