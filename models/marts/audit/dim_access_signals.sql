{#- The access audit's signals as a reviewer reads them: code, family, scope and the plain
    Japanese text (seed audit_signals), for the reasons of fct_access_cases and fct_access_flags. -#}
with signals as (
    select * from {{ ref('audit_signals') }}
),

final as (
    select
        cast(signal_code as varchar) as signal_code,
        cast(family as varchar) as signal_family,
        cast(scope as varchar) as signal_scope,
        cast(label_ja as varchar) as label_ja,
        cast(description as varchar) as description
    from signals
)

select * from final
