{{ config(group='nenkin_warehouse') }}

-- Conservation law (docs/published-contract.md §2): for every file the ledger marks `loaded`,
--   data_rows (trailer) = loaded_rows = valid rows of that file in its base_ model
--                                      + rows of that file in quarantine_rows.
-- Also fails for rows staged or quarantined from a file that is not a loaded file of the same
-- extract. Returns one row per offending file.

{%- set base_models = [
    ('atena', 'base_atena__atena'),
    ('nenkin_kihon', 'base_nenkin__nenkin_kihon'),
    ('shikaku', 'base_nenkin__shikaku'),
    ('fuka', 'base_nenkin__fuka'),
    ('menjo', 'base_nenkin__menjo'),
    ('saitei', 'base_nenkin__saitei'),
    ('shotoku', 'base_zei__shotoku'),
    ('todokede', 'base_nenkin__todokede'),
    ('jps_kekka', 'base_jps__jps_kekka'),
    ('access_log', 'base_kiban__access_log'),
    ('staff', 'base_kiban__staff'),
    ('jinji_ido', 'base_kiban__jinji_ido'),
    ('terminal', 'base_kiban__terminal'),
    ('teikyo_iten', 'base_kiban__teikyo_iten')
] %}

with

ledger as (
    select
        file_name,
        extract,
        data_rows,
        loaded_rows
    from {{ source('ledger', 'load_files') }}
    where status = 'loaded'
),

staged as (
    {%- for extract, model in base_models %}
    select
        '{{ extract }}' as extract,
        _file_name as file_name,
        sum(case when reject_reason is null then 1 else 0 end) as staged_rows
    from {{ ref(model) }}
    group by _file_name
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

quarantined as (
    select
        extract,
        _file_name as file_name,
        count(*) as quarantined_rows
    from {{ ref('quarantine_rows') }}
    group by extract, _file_name
),

per_file as (
    select
        coalesce(ledger.file_name, staged.file_name, quarantined.file_name) as file_name,
        ledger.extract as ledger_extract,
        coalesce(staged.extract, quarantined.extract) as staged_extract,
        ledger.data_rows,
        ledger.loaded_rows,
        coalesce(staged.staged_rows, 0) as staged_rows,
        coalesce(quarantined.quarantined_rows, 0) as quarantined_rows,
        ledger.file_name is not null as is_loaded_file
    from ledger
    full outer join staged
        on staged.file_name = ledger.file_name
    full outer join quarantined
        on quarantined.file_name = coalesce(ledger.file_name, staged.file_name)
)

select *
from per_file
where not is_loaded_file
    or data_rows is null
    or data_rows <> loaded_rows
    or loaded_rows <> staged_rows + quarantined_rows
    or (staged_extract is not null and staged_extract <> ledger_extract)
