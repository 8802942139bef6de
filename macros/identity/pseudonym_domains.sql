{#- The subject-area pseudonym domains: a person's pseudonym in a public area is
    pseudonym(domain, person_pid), unrelated across areas, so the published areas cannot be joined
    on the person (restricted models still link them through person_pid). Each domain lists where
    its persons come from (staging model, column, and whether the column is a 宛名番号 or a
    基礎年金番号), so a pseudonym is computed only for the persons an area can carry.
    The domain names are also `DOMAIN_KINDS` in nenkin_audit.pseudonym (the SQL function refuses a
    kind it does not know, so a domain missing there fails the build);
    tests/dbt/governance/assert_pseudonym_function_is_keyed checks every domain. -#}
{% macro pseudonym_domain_sources() -%}
    {{ return({
        'insured': [('stg_nenkin__shikaku', 'kiso_nenkin_no', 'kiso')],
        'fuka': [('stg_nenkin__fuka', 'kiso_nenkin_no', 'kiso')],
        'exemption': [('stg_nenkin__menjo', 'kiso_nenkin_no', 'kiso')],
        'income': [('stg_zei__shotoku', 'atena_no', 'atena')],
        'access_subject': [('stg_kiban__access_log', 'atena_no', 'atena')],
    }) }}
{%- endmacro %}

{#- The names of the pseudonym domains (the keys of pseudonym_domain_sources). -#}
{% macro pseudonym_domains() -%}
    {{ return(pseudonym_domain_sources().keys() | list) }}
{%- endmacro %}
