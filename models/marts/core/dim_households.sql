{#- One row per household pseudonym (every 世帯番号 of any 宛名 version), with its size band and
    ward as generalised by int_persons__households (k-anonymous over ward, size band). -#}
with households as (
    select * from {{ ref('int_persons__households') }}
),

final as (
    select
        cast(household_pid as varchar) as household_pid,
        cast(ward_code as varchar) as ward_code,
        cast(size_band as varchar) as size_band,
        cast(disclosure_level as bigint) as disclosure_level,
        cast(current_members > 0 as boolean) as is_current
    from households
    -- households with ward and size band withheld (the residue, fewer than k) are not listed
    where disclosure_level < 3
)

select * from final
