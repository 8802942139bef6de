{#- Restricted mapping person pseudonym → subject-area pseudonym, one row per person × domain the
    person appears in (macro pseudonym_domain_sources): pseudonym(domain, person_pid), computed
    once per person and domain. Public facts of an area carry the area's pseudonym, so areas
    cannot be joined on the person; restricted models link them through person_pid. Read back
    only by `nenkin-audit reidentify`. -#}
with persons as (
    select
        person_pid,
        atena_no
    from {{ ref('int_identity__person_pseudonyms') }}
),

kiso as (
    select
        kiso_nenkin_no,
        person_pid
    from {{ ref('int_identity__kiso_keys') }}
),

{%- set atena_sources = [] -%}
{%- set kiso_sources = [] -%}
{%- for domain, sources in pseudonym_domain_sources().items() -%}
    {%- for model, column, kind in sources -%}
        {%- do (atena_sources if kind == 'atena' else kiso_sources).append((domain, model, column)) -%}
    {%- endfor -%}
{%- endfor %}

-- the union is generated from the macro's list of sources; its layout is the loop's
-- noqa: disable=LT02,RF04
atena_sources as (
    {%- for domain, model, column in atena_sources %}
    select
        '{{ domain }}' as domain,
        {{ column }} as atena_no
    from {{ ref(model) }}
    {%- if not loop.last %}
    union
    {%- endif %}
    {%- endfor %}
),

kiso_sources as (
    {%- for domain, model, column in kiso_sources %}
    select
        '{{ domain }}' as domain,
        {{ column }} as kiso_nenkin_no
    from {{ ref(model) }}
    {%- if not loop.last %}
    union
    {%- endif %}
    {%- endfor %}
),

-- noqa: enable=LT02
domain_persons as (
    select
        atena_sources.domain,
        persons.person_pid
    from atena_sources
    inner join persons
        on atena_sources.atena_no = persons.atena_no
    union
    select
        kiso_sources.domain,
        kiso.person_pid
    from kiso_sources
    inner join kiso
        on kiso_sources.kiso_nenkin_no = kiso.kiso_nenkin_no
),

atena_of as (
    select
        person_pid,
        min(atena_no) as atena_no
    from persons
    group by person_pid
),

final as (
    select
        domain_persons.person_pid,
        atena_of.atena_no,
        domain_persons.domain,
        {{ pseudonym("domain_persons.domain", "domain_persons.person_pid") }} as domain_pid
    from domain_persons
    left join atena_of
        on domain_persons.person_pid = atena_of.person_pid
)

select * from final
