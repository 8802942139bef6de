{#- Generic test for suppressed aggregates: no published count lies between 1 and
    var('suppression_threshold') − 1 (a published count is at least the persons it counts, so
    such a count would reveal a small group). Returns the offending rows. -#}
{% test disclosure_no_small_counts(model, count_column, threshold=none) %}
{%- set k = threshold if threshold is not none else var('suppression_threshold') -%}
select *
from {{ model }}
where {{ count_column }} between 1 and {{ k - 1 }}
{% endtest %}
