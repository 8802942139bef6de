-- Terminals per terminal_id as in the latest ledger delivery that lists them (a terminal that
-- left the ledger keeps its last known row: old access-log lines still refer to it).

with

source as (
    {{ latest_rows(ref('base_kiban__terminal'), ['terminal_id'], delivery_order()) }}
),

final as (
    select
        terminal_id,
        office_code,
        dept_code,
        valid_from,
        valid_to,
        _file_name,
        _line_no
    from source
)

select * from final
