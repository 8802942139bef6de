{#- Restricted. Control `stale_records` (PIA III-7 リスク2, 古い情報のまま保管されるリスク): per
    month of the 住基 event and kind (死亡 / 転出), the persons with a pension record (年金基本)
    whose 住基 record shows that event, and those whose pension record (年金基本 or any of
    their 資格 rows) has not changed on or after the event day although window_days have
    passed by the reference date. Events younger than that are not judged yet. Counts only:
    no person is carried out of this model. Events before the first delivery count in the month
    of the first delivery (found at the first load). -#}
with control as (
    select
        control_code,
        window_days
    from {{ ref('control_catalogue') }}
    where control_code = 'stale_records'
),

reference as (
    select reference_date from {{ ref('int_persons__reference_date') }}
),

first_load as (
    -- an event from before the first delivery is found at the first delivery
    select cast(date_trunc('month', min(extract_date)) as date) as first_month
    from {{ ref('stg_ledger__load_files') }}
    where status = 'loaded'
),

events as (
    -- deaths and moves out of the city (code_shojo_jiyu.resident_status)
    select
        persons.atena_no,
        persons.shojo_date as event_date,
        persons.shojo_jiyu,
        reasons.shojo_jiyu_name
    from {{ ref('stg_atena__persons') }} as persons
    inner join {{ ref('code_shojo_jiyu') }} as reasons
        on persons.shojo_jiyu = reasons.shojo_jiyu
    where reasons.resident_status in ('deceased', 'moved_out') and persons.shojo_date is not null
),

kihon as (
    select
        atena_no,
        kiso_nenkin_no,
        changed_at
    from {{ ref('stg_nenkin__kihon') }}
),

shikaku_changes as (
    select
        kiso_nenkin_no,
        max(changed_at) as last_changed_at
    from {{ ref('stg_nenkin__shikaku') }}
    group by kiso_nenkin_no
),

persons as (
    select
        events.shojo_jiyu,
        events.shojo_jiyu_name,
        events.event_date,
        (
            coalesce(cast(kihon.changed_at as date) >= events.event_date, false)
            or coalesce(cast(shikaku_changes.last_changed_at as date) >= events.event_date, false)
        ) as is_updated
    from events
    inner join kihon
        on events.atena_no = kihon.atena_no
    left join shikaku_changes
        on kihon.kiso_nenkin_no = shikaku_changes.kiso_nenkin_no
    cross join control
    cross join reference
    where events.event_date + control.window_days <= reference.reference_date
),

months as (
    select
        greatest(cast(date_trunc('month', persons.event_date) as date), first_load.first_month)
            as period_month,
        persons.shojo_jiyu,
        persons.shojo_jiyu_name,
        count(*) as persons,
        sum(case when persons.is_updated then 0 else 1 end) as persons_stale
    from persons
    cross join first_load
    group by
        greatest(cast(date_trunc('month', persons.event_date) as date), first_load.first_month),
        persons.shojo_jiyu,
        persons.shojo_jiyu_name
),

final as (
    select
        control.control_code,
        months.period_month,
        months.shojo_jiyu || ':' || cast(months.period_month as varchar) as item_id,
        -- the month, never an event's day: a day with a count of one would date a death
        months.period_month as item_date,
        months.persons_stale > 0 as is_exception,
        case when months.persons_stale > 0 then 'pension_record_unchanged' else 'pension_record_updated' end
            as rule_code,
        cast(null as varchar) as staff_id,
        cast(null as varchar) as log_id,
        cast(null as varchar) as record_id,
        cast(months.persons_stale as double precision) as measure_numerator,
        cast(null as double precision) as measure_denominator,
        cast(control.window_days as integer) as days_value,
        cast(months.persons as bigint) as line_count,
        months.shojo_jiyu_name || ': 年金記録のある '
        || cast(months.persons as varchar) || '人のうち、未更新 '
        || cast(months.persons_stale as varchar) || '人' as detail_ja
    from months
    cross join control
)

select * from final
