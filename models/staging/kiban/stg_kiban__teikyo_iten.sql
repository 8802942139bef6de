-- Records of data provision (提供・移転) per record_id; a record delivered again: the later
-- delivery wins.

with

source as (
    {{ latest_rows(ref('base_kiban__teikyo_iten'), ['record_id'], delivery_order()) }}
),

final as (
    select
        record_id,
        sent_at,
        recipient_code,
        method,
        record_count,
        legal_basis,
        file_name,
        operator_staff_id,
        _file_name,
        _line_no
    from source
)

select * from final
