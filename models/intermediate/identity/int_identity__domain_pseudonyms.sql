{#- Restricted mapping person pseudonym → subject-area pseudonym, one row per person × domain
    (macro pseudonym_domains): pseudonym(domain, person_pid), computed once per person. Public
    facts of an area carry the area's pseudonym, so areas cannot be joined on the person;
    restricted models link them through person_pid. Read back only by `nenkin-audit reidentify`. -#}
with persons as (
    select
        person_pid,
        atena_no
    from {{ ref('int_identity__person_pseudonyms') }}
    union all
    select
        person_pid,
        cast(null as varchar) as atena_no
    from {{ ref('int_identity__kiso_keys') }}
    where person_pid_source = 'kiso'
),

domains as (
    select domain
    from (
        values
        {%- for d in pseudonym_domains() %}
        ('{{ d }}'){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as d (domain)
),

final as (
    select
        persons.person_pid,
        persons.atena_no,
        domains.domain,
        pseudonym(domains.domain, persons.person_pid) as domain_pid
    from persons
    cross join domains
)

select * from final
