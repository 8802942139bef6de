{#- Restricted mapping 世帯番号 → household pseudonym, one row per distinct 世帯番号 of any 宛名
    version. -#}
with identifiers as (
    select distinct setai_no
    from {{ ref('stg_atena__person_history') }}
    where setai_no is not null
),

key as (
    select {{ pseudonym_key_id() }} as key_id
),

final as (
    select
        identifiers.setai_no,
        key.key_id,
        {{ pseudonym("'household'", "identifiers.setai_no") }} as household_pid
    from identifiers
    cross join key
)

select * from final
