{#- Restricted. Control `provision_approved` (PIA II-5, III-5): one row per record of the
    provision ledger (stg_kiban__teikyo_iten), checked against approved_provisions (recipient
    and method) and provision_frequencies (most records per recipient and calendar month). -#}
with control as (
    select control_code
    from {{ ref('control_catalogue') }}
    where control_code = 'provision_approved'
),

ledger as (
    select
        record_id,
        sent_at,
        cast(sent_at as date) as sent_date,
        cast(date_trunc('month', sent_at) as date) as sent_month,
        recipient_code,
        method,
        record_count,
        operator_staff_id
    from {{ ref('stg_kiban__teikyo_iten') }}
),

approved as (
    select
        approved_provisions.recipient_code,
        approved_provisions.method,
        approved_provisions.frequency,
        provision_frequencies.max_per_month
    from {{ ref('approved_provisions') }} as approved_provisions
    left join {{ ref('provision_frequencies') }} as provision_frequencies
        on approved_provisions.frequency = provision_frequencies.frequency
),

recipients as (
    -- the frequency allowed for a recipient (the strictest of its approved methods)
    select
        recipient_code,
        min(max_per_month) as max_per_month,
        count(*) as approved_methods
    from approved
    group by recipient_code
),

recipient_names as (
    select
        recipient_code,
        recipient_name
    from {{ ref('code_recipients') }}
),

method_names as (
    select
        method,
        method_name
    from {{ ref('code_teikyo_method') }}
),

ranked as (
    select
        ledger.*,
        row_number() over (
            partition by ledger.recipient_code, ledger.sent_month
            order by ledger.sent_at, ledger.record_id
        ) as nth_in_month
    from ledger
),

judged as (
    select
        ranked.*,
        case
            when recipients.recipient_code is null then 'unapproved_recipient'
            when approved.method is null then 'unapproved_method'
            when ranked.nth_in_month > recipients.max_per_month then 'too_frequent'
            else 'approved'
        end as rule_code
    from ranked
    left join recipients
        on ranked.recipient_code = recipients.recipient_code
    left join approved
        on ranked.recipient_code = approved.recipient_code
            and ranked.method = approved.method
),

final as (
    select
        control.control_code,
        judged.sent_month as period_month,
        judged.record_id as item_id,
        judged.sent_date as item_date,
        judged.rule_code <> 'approved' as is_exception,
        judged.rule_code,
        judged.operator_staff_id as staff_id,
        cast(null as varchar) as log_id,
        judged.record_id,
        cast(case when judged.rule_code <> 'approved' then 1 else 0 end as double precision)
            as measure_numerator,
        cast(null as double precision) as measure_denominator,
        cast(null as integer) as days_value,
        cast(judged.record_count as bigint) as line_count,
        coalesce(recipient_names.recipient_name, judged.recipient_code) || ' / '
        || coalesce(method_names.method_name, '方法 ' || judged.method, '方法不明')
        || ' / ' || cast(judged.record_count as varchar) || '件 / 当月 '
        || cast(judged.nth_in_month as varchar) || '回目' as detail_ja
    from judged
    cross join control
    left join recipient_names
        on judged.recipient_code = recipient_names.recipient_code
    left join method_names
        on judged.method = method_names.method
)

select * from final
