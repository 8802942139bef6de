{#- Conservation: every filing in staging has exactly one filing row in fct_reconciliation, and
    every JPS row decides at most one row; every final JPS row appears exactly once (as the
    deciding row of a filing or as unmatched/duplicate). -#}
{{ config(group="nenkin_warehouse") }}

with filings as (
    select uketsuke_no from {{ ref('stg_nenkin__todokede') }}
),

filing_rows as (
    select uketsuke_no from {{ ref('fct_reconciliation') }}
    where is_filing
),

final_results as (
    select
        list_id,
        row_no
    from {{ ref('stg_jps__kekka') }}
    where kekka <> '3'
),

result_rows as (
    select
        list_id,
        row_no,
        count(*) as n
    from {{ ref('fct_reconciliation') }}
    where list_id is not null
    group by list_id, row_no
)

select
    'filing missing' as problem,
    f.uketsuke_no as key_value
from filings as f
left join filing_rows as r on f.uketsuke_no = r.uketsuke_no
where r.uketsuke_no is null
union all
select
    'row for an unknown filing' as problem,
    r.uketsuke_no as key_value
from filing_rows as r
left join filings as f on r.uketsuke_no = f.uketsuke_no
where f.uketsuke_no is null
union all
select
    'final JPS row missing' as problem,
    concat(f.list_id, '#', cast(f.row_no as varchar)) as key_value
from final_results as f
left join result_rows as r on f.list_id = r.list_id and f.row_no = r.row_no
where r.list_id is null
