{#- Restricted: one row per pseudonymised person (every person_pid a mart can carry: 宛名番号 seen
    anywhere, plus 基礎年金番号 keys without a 宛名 link) with the attributes the person dimension
    publishes, before disclosure control. Age is computed here from the birth date, which stays in
    this layer; the age is at the reference date (int_persons__reference_date). -#}
with persons as (
    select
        atena_no,
        person_pid
    from {{ ref('int_identity__person_pseudonyms') }}
),

kiso_only as (
    select person_pid
    from {{ ref('int_identity__kiso_keys') }}
    where person_pid_source = 'kiso'
),

atena as (
    select * from {{ ref('stg_atena__persons') }}
),

reference as (
    select reference_date from {{ ref('int_persons__reference_date') }}
),

removal_reasons as (
    select * from {{ ref('code_shojo_jiyu') }}
),

resident_classes as (
    select * from {{ ref('code_jumin_kbn') }}
),

with_atena as (
    select
        persons.person_pid,
        households.household_pid,
        atena.ward_code,
        atena.sex,
        atena.jumin_kbn,
        atena.shojo_jiyu,
        atena.shojo_date,
        coalesce(atena.is_protected, false) as is_protected,
        atena.atena_no is not null as in_atena,
        case
            when atena.birth_date is null then null
            else
                extract(year from reference.reference_date) - extract(year from atena.birth_date)
                - case
                    when extract(month from reference.reference_date) * 100
                        + extract(day from reference.reference_date)
                        < extract(month from atena.birth_date) * 100
                        + extract(day from atena.birth_date)
                        then 1
                    else 0
                end
        end as age_years
    from persons
    cross join reference
    left join atena
        on persons.atena_no = atena.atena_no
    left join {{ ref('int_identity__household_pseudonyms') }} as households
        on atena.setai_no = households.setai_no
),

unioned as (
    select * from with_atena
    union all
    select
        person_pid,
        cast(null as varchar) as household_pid,
        cast(null as varchar) as ward_code,
        cast(null as varchar) as sex,
        cast(null as varchar) as jumin_kbn,
        cast(null as varchar) as shojo_jiyu,
        cast(null as date) as shojo_date,
        false as is_protected,
        false as in_atena,
        cast(null as integer) as age_years
    from kiso_only
),

final as (
    select
        unioned.person_pid,
        unioned.household_pid,
        unioned.ward_code,
        unioned.sex,
        cast(case when unioned.age_years < 0 then null else unioned.age_years end as integer) as age_years,
        unioned.is_protected,
        unioned.in_atena,
        case
            when not unioned.in_atena then 'unknown'
            when removal_reasons.resident_status is not null then removal_reasons.resident_status
            when unioned.shojo_date is not null then 'removed'
            else coalesce(resident_classes.resident_status, 'unknown')
        end as resident_status,
        coalesce(removal_reasons.resident_status = 'deceased', false) as is_deceased
    from unioned
    left join removal_reasons
        on unioned.shojo_jiyu = removal_reasons.shojo_jiyu
    left join resident_classes
        on unioned.jumin_kbn = resident_classes.jumin_kbn
)

select * from final
