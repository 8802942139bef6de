{#- The pseudonym function is registered by the plugin and works with a key: fails loudly (error)
    without a key, returns rows when the output is not `<key_id>:<20 hex digits>`, when two
    kinds (person, household, each subject-area domain) give the same pseudonym for one number,
    or when null does not give null. -#}
{{ config(tags=['governance']) }}

with probe as (
    select
        {{ pseudonym_key_id() }} as key_id,
        {{ pseudonym("'person'", "'0000000001'") }} as person,
        {{ pseudonym("'household'", "'0000000001'") }} as household,
        {%- for d in pseudonym_domains() %}
            {{ pseudonym("'" ~ d ~ "'", "'0000000001'") }} as domain_{{ loop.index }},
        {%- endfor %}
        {{ pseudonym("'person'", "cast(null as varchar)") }} as null_value
)

select *
from probe
where
    person is null
    or person = household
    or not {{ regexp_full_match("person", "key_id || ':[0-9a-f]{20}'") }}
    or null_value is not null
    {%- for d in pseudonym_domains() %}
        or domain_{{ loop.index }} is null
        or domain_{{ loop.index }} = person
    {%- endfor %}
