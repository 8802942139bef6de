{#- Restricted: one row per household pseudonym with its size (current members: on the current
    宛名 and not removed) and the (ward, size band) published for it, generalised until every
    published combination holds at least k households (var k_anonymity_k). Levels:
      1 ward, size band   2 size band   3 nothing
    A household's ward is eligible only when every person carrying its household_pid in the
    person dimension is published with that same ward: joining households to persons must never
    reveal a ward the person dimension withheld (small groups, 支援措置). -#}
{%- set k = var('k_anonymity_k') -%}
{%- set levels = [
    {'eligible': 'ward_code is not null', 'columns': {'ward_code': 'ward_code', 'size_band': 'size_band'}},
    {'eligible': 'true', 'columns': {'ward_code': 'cast(null as varchar)', 'size_band': 'size_band'}},
] -%}
with households as (
    select household_pid
    from {{ ref('int_identity__household_pseudonyms') }}
),

members as (
    select
        attributes.household_pid,
        count(
            case when attributes.resident_status in ('resident', 'registered_non_resident') then 1 end
        ) as current_members,
        count(*) as persons,
        count(disclosed.ward_code) as persons_with_ward,
        count(distinct disclosed.ward_code) as wards,
        max(disclosed.ward_code) as ward_code
    from {{ ref('int_persons__attributes') }} as attributes
    inner join {{ ref('int_persons__disclosed') }} as disclosed
        on attributes.person_pid = disclosed.person_pid
    where attributes.household_pid is not null
    group by attributes.household_pid
),

sized as (
    select
        households.household_pid,
        coalesce(members.current_members, 0) as current_members,
        case
            when members.persons = members.persons_with_ward and members.wards = 1
                then members.ward_code
        end as ward_code,
        case
            when coalesce(members.current_members, 0) = 0 then '0'
            when members.current_members >= 5 then '5+'
            else cast(members.current_members as varchar)
        end as size_band
    from households
    left join members
        on households.household_pid = members.household_pid
),

{{ disclosure_cascade('sized', 'household_pid', levels, k, 'disclosed') }},

final as (
    select
        sized.household_pid,
        sized.current_members,
        cast(disclosed.ward_code as varchar) as ward_code,
        cast(disclosed.size_band as varchar) as size_band,
        cast(disclosed.disclosure_level as integer) as disclosure_level
    from sized
    inner join disclosed
        on sized.household_pid = disclosed.household_pid
)

select * from final
