{#- Restricted. 街区 of each person: the current address up to its 番 (…丁目…番), where it has that
    form; null otherwise. A neighbour is a person of another household in the member's block. -#}
with persons as (
    select
        atena_no,
        address
    from {{ ref('stg_atena__persons') }}
),

final as (
    select
        atena_no,
        case
            when position('丁目' in address) > 0
                and position('番' in address) > position('丁目' in address)
                then substr(address, 1, position('番' in address))
        end as address_block
    from persons
)

select * from final
