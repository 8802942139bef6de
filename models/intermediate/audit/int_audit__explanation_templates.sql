{#- Restricted, small. The explanation templates mined from this city's own data: for each
    template, its support (share of the real lines it explains), its chance rate (share of
    the shuffled control pairs it holds for: a member with a random subject of the same day),
    their ratio (lift) and whether it is kept. A template is kept when it holds at least
    audit_template_min_lift times as often for real accesses as for random subjects: it
    describes how this city's offices work, not something true of anyone. Weak templates are
    dropped here, city by city, instead of by a rule written for one city. -#}
{%- set templates = audit_explanation_templates() -%}
{%- set min_lift = var('audit_template_min_lift') -%}
with hits as (
    select * from {{ ref('int_audit__template_hits') }}
),

measured as (
    {%- for template in templates %}
        select
            '{{ template }}' as template_code,
            {{ loop.index }} as template_order,
            -- each row of hits stands for `pair_count` pairs, `sampled_pair_count` of them sampled
            1.0 * sum(case when pair_kind = 'real' and has_{{ template }} then pair_count else 0 end)
            / nullif(sum(case when pair_kind = 'real' then pair_count else 0 end), 0) as line_support,
            1.0 * sum(case when pair_kind = 'real' and has_{{ template }} then sampled_pair_count else 0 end)
            / nullif(sum(case when pair_kind = 'real' then sampled_pair_count else 0 end), 0) as sample_support,
            1.0 * sum(case when pair_kind = 'shuffled' and has_{{ template }} then pair_count else 0 end)
            / nullif(sum(case when pair_kind = 'shuffled' then pair_count else 0 end), 0) as chance_rate,
            cast(
                coalesce(sum(case when pair_kind = 'real' and has_{{ template }} then pair_count else 0 end), 0)
                as bigint
            ) as explained_lines
        from hits
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        template_code,
        template_order,
        coalesce(line_support, 0) as line_support,
        coalesce(sample_support, 0) as sample_support,
        coalesce(chance_rate, 0) as chance_rate,
        case when chance_rate > 0 then sample_support / chance_rate end as lift,
        explained_lines,
        coalesce(
            sample_support > 0
            and (chance_rate = 0 or sample_support / chance_rate >= {{ min_lift }}),
            false
        ) as is_kept
    from measured
)

select * from final
