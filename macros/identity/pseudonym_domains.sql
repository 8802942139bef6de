{#- The subject-area pseudonym domains: a person's pseudonym in a public area is
    pseudonym(domain, person_pid), unrelated across areas, so the published areas cannot be joined
    on the person (restricted models still link them through person_pid). The same list is
    `DOMAIN_KINDS` in nenkin_audit.pseudonym (the SQL function refuses a kind it does not know, so
    a domain missing there fails the build); tests/dbt/governance/assert_pseudonym_function_is_keyed
    checks every domain. -#}
{% macro pseudonym_domains() -%}
    {{ return(['insured', 'fuka', 'exemption', 'income', 'access_subject']) }}
{%- endmacro %}
