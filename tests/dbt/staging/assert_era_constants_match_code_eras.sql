{{ config(group='nenkin_warehouse') }}

-- The era_to_date macro carries the era start dates as constants (a pure expression, no join);
-- they must equal the code_eras seed. Returns every era where the two differ.

with

constants as (
    {%- for code, start in era_starts().items() %}
        select
            '{{ code }}' as era_code,
            cast('{{ start }}' as date) as start_date
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

seed as (
    select
        era_code,
        start_date
    from {{ ref('code_eras') }}
)

select
    coalesce(constants.era_code, seed.era_code) as era_code,
    constants.start_date as macro_start_date,
    seed.start_date as seed_start_date
from constants
full outer join seed
    on constants.era_code = seed.era_code
where constants.start_date is distinct from seed.start_date
