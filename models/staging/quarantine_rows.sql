-- Every rejected raw row of every extract, with why (docs/internal-contracts.md §B): the restricted relation the
-- published contract calls quarantine. record_key is the row's key columns as delivered, joined
-- with '|' (never 個人番号). Rows stay in the raw layer; nothing is dropped silently.

with

final as (
    select
        'atena' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_atena__atena') }}
    where reject_reason is not null

    union all

    select
        'nenkin_kihon' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_nenkin__nenkin_kihon') }}
    where reject_reason is not null

    union all

    select
        'shikaku' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_nenkin__shikaku') }}
    where reject_reason is not null

    union all

    select
        'fuka' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_nenkin__fuka') }}
    where reject_reason is not null

    union all

    select
        'menjo' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_nenkin__menjo') }}
    where reject_reason is not null

    union all

    select
        'saitei' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_nenkin__saitei') }}
    where reject_reason is not null

    union all

    select
        'shotoku' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_zei__shotoku') }}
    where reject_reason is not null

    union all

    select
        'todokede' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_nenkin__todokede') }}
    where reject_reason is not null

    union all

    select
        'jps_kekka' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_jps__jps_kekka') }}
    where reject_reason is not null

    union all

    select
        'access_log' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_kiban__access_log') }}
    where reject_reason is not null

    union all

    select
        'staff' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_kiban__staff') }}
    where reject_reason is not null

    union all

    select
        'jinji_ido' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_kiban__jinji_ido') }}
    where reject_reason is not null

    union all

    select
        'terminal' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_kiban__terminal') }}
    where reject_reason is not null

    union all

    select
        'teikyo_iten' as extract,
        _file_name,
        _line_no,
        record_key,
        reject_reason
    from {{ ref('base_kiban__teikyo_iten') }}
    where reject_reason is not null
)

select * from final
