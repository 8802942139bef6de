{#- Generic test: the combination of `columns` is unique among the rows matching `where`
    (returns the duplicated combinations). -#}
{% test filings_unique_where(model, columns, where='1 = 1') %}
select
    {{ columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
where {{ where }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
