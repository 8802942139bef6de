{#-
    k-anonymity of a person-level public model: every combination of the declared
    quasi-identifiers that the model publishes is shared by at least k rows.

    Returns one row per combination smaller than k (the test fails on any row).

    arguments:
      quasi_identifiers: the columns an outsider could know about a person (e.g. ward_code,
                         age_band, sex).
      k:                 smallest group allowed; default var('k_anonymity_k') (10).
      ignore_fully_suppressed: rows whose quasi-identifiers are ALL null publish none of them
                         (they are suppressed records) and are not a group; default true.

    The test is evaluated on the values the model publishes, i.e. after any generalisation
    the model applies (see dim_persons: bands are widened and wards withheld until k holds).
-#}
{% test k_anonymity(model, quasi_identifiers, k=none, ignore_fully_suppressed=true) %}
{%- set k = k if k is not none else var('k_anonymity_k') -%}
{%- if quasi_identifiers is string -%}{%- set quasi_identifiers = [quasi_identifiers] -%}{%- endif -%}
with groups as (
    select
        {% for col in quasi_identifiers -%}
        {{ adapter.quote(col) }},
        {% endfor -%}
        count(*) as group_size
    from {{ model }}
    {%- if ignore_fully_suppressed %}
    where not (
        {%- for col in quasi_identifiers %}
        {{ adapter.quote(col) }} is null{% if not loop.last %} and{% endif %}
        {%- endfor %}
    )
    {%- endif %}
    group by
        {% for col in quasi_identifiers -%}
        {{ adapter.quote(col) }}{% if not loop.last %},{% endif %}
        {% endfor %}
)

select
    *,
    {{ k }} as k_required
from groups
where group_size < {{ k }}
{% endtest %}
