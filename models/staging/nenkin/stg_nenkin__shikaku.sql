-- Current insured periods (資格) per (kiso_nenkin_no, seq).

with

source as (
    {{ latest_rows(ref('base_nenkin__shikaku'), ['kiso_nenkin_no', 'seq'], change_order()) }}
),

final as (
    select
        kiso_nenkin_no,
        seq,
        shubetsu,
        shutoku_date,
        shutoku_jiyu,
        shutoku_riyu,
        soshitsu_date,
        soshitsu_jiyu,
        soshitsu_riyu,
        changed_at,
        _file_name,
        _line_no
    from source
    where change_type <> 'D'
)

select * from final
