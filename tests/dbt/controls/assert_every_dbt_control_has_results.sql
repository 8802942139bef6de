{{ config(group="nenkin_warehouse") }}
-- Every control the catalogue says dbt evaluates has at least one month of results, and no
-- result belongs to a control outside the catalogue.
select
    catalogue.control_code,
    'no results' as problem
from {{ ref('control_catalogue') }} as catalogue
left join {{ ref('agg_controls__results') }} as results
    on catalogue.control_code = results.control_code
where catalogue.evaluated_in = 'dbt' and results.control_code is null

union all

select
    results.control_code,
    'not in the catalogue' as problem
from {{ ref('agg_controls__results') }} as results
left join {{ ref('control_catalogue') }} as catalogue
    on results.control_code = catalogue.control_code
where catalogue.control_code is null
