{#- Restricted. The business events that can explain an access to a person's record: one row per
    person (宛名番号), day and kind of event (with the office and member of staff where the
    source says who handled it). Small (a few rows per person with business); the access context
    joins it per (person, access day), never per line. Windows: see the model's description. -#}
{%- set no_office = 'cast(null as varchar) as office_code, cast(null as varchar) as staff_id' -%}
with kiso_persons as (
    -- 基礎年金番号 → the person the current 年金基本 links it to
    select
        kiso_nenkin_no,
        atena_no
    from {{ ref('int_identity__kiso_keys') }}
    where atena_no is not null
),

filings as (
    select
        coalesce(todokede.atena_no, kiso_persons.atena_no) as atena_no,
        todokede.uketsuke_date,
        todokede.shintatsu_date,
        todokede.office_code,
        todokede.staff_id
    from {{ ref('stg_nenkin__todokede') }} as todokede
    left join kiso_persons
        on todokede.kiso_nenkin_no = kiso_persons.kiso_nenkin_no
),

filing_events as (
    select
        atena_no,
        uketsuke_date as event_date,
        'filing_received' as event_kind,
        office_code,
        staff_id
    from filings
    union all
    select
        atena_no,
        shintatsu_date as event_date,
        'filing_forwarded' as event_kind,
        office_code,
        cast(null as varchar) as staff_id
    from filings
),

jps_results as (
    select
        kiso_persons.atena_no,
        kekka.list_date,
        kekka.kekka_date
    from {{ ref('stg_jps__kekka') }} as kekka
    inner join kiso_persons
        on kekka.kiso_nenkin_no = kiso_persons.kiso_nenkin_no
),

jps_events as (
    -- a result row's list day and decision day
    select
        atena_no,
        list_date as event_date,
        'jps_result' as event_kind,
        {{ no_office }}
    from jps_results
    union all
    select
        atena_no,
        kekka_date as event_date,
        'jps_result' as event_kind,
        {{ no_office }}
    from jps_results
),

juki_events as (
    -- the day each 宛名 version starts
    select
        atena_no,
        cast(valid_from as date) as event_date,
        'juki_change' as event_kind,
        {{ no_office }}
    from {{ ref('stg_atena__person_history') }}
),

claims as (
    -- the claimant and the 請求者, with 請求日 and the day the 裁定 record changed
    select
        atena_no,
        seikyu_date,
        cast(changed_at as date) as changed_date
    from {{ ref('stg_nenkin__saitei') }}
    union all
    select
        seikyusha_atena_no as atena_no,
        seikyu_date,
        cast(changed_at as date) as changed_date
    from {{ ref('stg_nenkin__saitei') }}
),

claim_events as (
    select
        atena_no,
        seikyu_date as event_date,
        'claim' as event_kind,
        {{ no_office }}
    from claims
    union all
    select
        atena_no,
        changed_date as event_date,
        'claim' as event_kind,
        {{ no_office }}
    from claims
),

exemptions as (
    select
        kiso_persons.atena_no,
        menjo.shinsei_date,
        menjo.kekka_date,
        cast(menjo.changed_at as date) as changed_date
    from {{ ref('stg_nenkin__menjo') }} as menjo
    inner join kiso_persons
        on menjo.kiso_nenkin_no = kiso_persons.kiso_nenkin_no
),

exemption_events as (
    -- 申請日, 決定日 and the day the 免除 record changed
    select
        atena_no,
        shinsei_date as event_date,
        'exemption' as event_kind,
        {{ no_office }}
    from exemptions
    union all
    select
        atena_no,
        kekka_date as event_date,
        'exemption' as event_kind,
        {{ no_office }}
    from exemptions
    union all
    select
        atena_no,
        changed_date as event_date,
        'exemption' as event_kind,
        {{ no_office }}
    from exemptions
),

record_change_events as (
    -- 年金基本, 資格, 付加: the day the pension system recorded the current version
    select
        atena_no,
        cast(changed_at as date) as event_date,
        'pension_record_change' as event_kind,
        {{ no_office }}
    from {{ ref('stg_nenkin__kihon') }}
    union all
    select
        kiso_persons.atena_no,
        cast(shikaku.changed_at as date) as event_date,
        'pension_record_change' as event_kind,
        {{ no_office }}
    from {{ ref('stg_nenkin__shikaku') }} as shikaku
    inner join kiso_persons
        on shikaku.kiso_nenkin_no = kiso_persons.kiso_nenkin_no
    union all
    select
        kiso_persons.atena_no,
        cast(fuka.changed_at as date) as event_date,
        'pension_record_change' as event_kind,
        {{ no_office }}
    from {{ ref('stg_nenkin__fuka') }} as fuka
    inner join kiso_persons
        on fuka.kiso_nenkin_no = kiso_persons.kiso_nenkin_no
),

events as (
    select * from filing_events
    union all
    select * from jps_events
    union all
    select * from juki_events
    union all
    select * from claim_events
    union all
    select * from exemption_events
    union all
    select * from record_change_events
),

final as (
    select distinct
        atena_no,
        event_date,
        event_kind,
        office_code,
        staff_id
    from events
    where atena_no is not null and event_date is not null
)

select * from final
