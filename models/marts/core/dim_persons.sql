{#- One row per person pseudonym that any mart can carry. Quasi-identifiers are published as
    generalised by int_persons__disclosed (k-anonymous over ward, age band, sex). -#}
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
    select pseudonym_key_id() as key_id
),

final as (
    select
        cast(attributes.person_pid as varchar) as person_pid,
        cast(attributes.household_pid as varchar) as household_pid,
        cast(disclosed.ward_code as varchar) as ward_code,
        cast(disclosed.age_band as varchar) as age_band,
        cast(disclosed.sex as varchar) as sex,
        cast(disclosed.disclosure_level as bigint) as disclosure_level,
        cast(attributes.resident_status as varchar) as resident_status,
        cast(attributes.is_deceased as boolean) as is_deceased,
        cast(attributes.is_protected as boolean) as is_protected,
        cast(attributes.in_atena as boolean) as in_atena,
        cast(reference.reference_date as date) as reference_date,
        cast(key.key_id as varchar) as key_id
    from attributes
    inner join disclosed
        on attributes.person_pid = disclosed.person_pid
    cross join reference
    cross join key
)

select * from final
