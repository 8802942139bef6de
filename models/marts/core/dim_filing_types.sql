{#- The 15 filing types (届出種別) with their category (届出・申出・申請・請求), from the seed. -#}
with types as (
    select * from {{ ref('code_todokede_shubetsu') }}
),

final as (
    select
        cast(todokede_shubetsu as varchar) as todokede_shubetsu,
        cast(todokede_name as varchar) as todokede_name,
        cast(category as varchar) as category,
        cast(filing_domain as varchar) as filing_domain
    from types
)

select * from final
