{#- One row per person pseudonym. Quasi-identifiers are published as generalised by
    int_persons__disclosed (k-anonymous over ward, age band, sex, resident status). No household
    pseudonym: the members of a household side by side would single the household out; and the
    facts carry their own area's pseudonym, so this dimension joins no fact. Persons with every
    quasi-identifier withheld (the residue of the cascade) are not listed. -#}
with attributes as (
    select * from {{ ref('int_persons__attributes') }}
),

disclosed as (
    select * from {{ ref('int_persons__disclosed') }}
),

reference as (
    select reference_date from {{ ref('int_persons__reference_date') }}
),

key as (
    select {{ pseudonym_key_id() }} as key_id
),

final as (
    select
        cast(attributes.person_pid as varchar) as person_pid,
        cast(disclosed.ward_code as varchar) as ward_code,
        cast(disclosed.age_band as varchar) as age_band,
        cast(disclosed.sex as varchar) as sex,
        cast(disclosed.disclosure_level as bigint) as disclosure_level,
        cast(disclosed.resident_status as varchar) as resident_status,
        cast(disclosed.resident_status = 'deceased' as boolean) as is_deceased,
        cast(attributes.is_protected as boolean) as is_protected,
        cast(attributes.in_atena as boolean) as in_atena,
        cast(reference.reference_date as date) as reference_date,
        cast(key.key_id as varchar) as key_id
    from attributes
    inner join disclosed
        on attributes.person_pid = disclosed.person_pid
    cross join reference
    cross join key
    -- a person with every quasi-identifier withheld (the residue, fewer than k) is not listed:
    -- its persons would be a class of their own
    where disclosed.disclosure_level < 10
)

select * from final
