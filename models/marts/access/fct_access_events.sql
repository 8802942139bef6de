{#- One row per access-log line (端末操作ログ): who (staff_id), when, from where, why (処理事由),
    what (operation, screen) and whose record — the subject as a person pseudonym. The subject's
    4情報 shown on screen stay in the restricted layer. Two restricted joins become flags: the
    subject is the member's own 宛名 record (staff_atena_no valid on that day), or in the member's
    own household (same current 世帯番号). -#}
with log as (
    select * from {{ ref('stg_kiban__access_log') }}
),

persons as (
    select
        atena_no,
        person_pid
    from {{ ref('int_identity__person_pseudonyms') }}
),

staff_history as (
    select
        staff_id,
        staff_atena_no,
        valid_from_date,
        valid_to_date
    from {{ ref('stg_kiban__staff_history') }}
    where staff_atena_no is not null
),

households as (
    select
        atena_no,
        setai_no
    from {{ ref('stg_atena__persons') }}
    where setai_no is not null
),

with_staff as (
    select
        log.*,
        staff_history.staff_atena_no
    from log
    left join staff_history
        on log.staff_id = staff_history.staff_id
            and log.access_date >= staff_history.valid_from_date
            and (staff_history.valid_to_date is null or log.access_date < staff_history.valid_to_date)
),

final as (
    select
        cast(with_staff.log_id as varchar) as log_id,
        cast(with_staff.accessed_at as timestamp) as accessed_at,
        cast(with_staff.access_date as date) as access_date,
        cast(extract(hour from with_staff.accessed_at) as bigint) as access_hour,
        cast(with_staff.staff_id as varchar) as staff_id,
        cast(with_staff.dept_code as varchar) as dept_code,
        cast(with_staff.terminal_id as varchar) as terminal_id,
        cast(with_staff.shori_jiyu as varchar) as shori_jiyu,
        cast(with_staff.operation as varchar) as operation,  -- noqa: RF04
        cast(with_staff.screen_id as varchar) as screen_id,
        cast(subject.person_pid as varchar) as subject_pid,
        cast(with_staff.hit_count as bigint) as hit_count,
        cast(
            coalesce(with_staff.atena_no = with_staff.staff_atena_no, false) as boolean
        ) as is_own_record,
        cast(
            coalesce(
                with_staff.atena_no <> with_staff.staff_atena_no
                and subject_household.setai_no = staff_household.setai_no,
                false
            ) as boolean
        ) as is_own_household
    from with_staff
    left join persons as subject
        on with_staff.atena_no = subject.atena_no
    left join households as subject_household
        on with_staff.atena_no = subject_household.atena_no
    left join households as staff_household
        on with_staff.staff_atena_no = staff_household.atena_no
)

select * from final
