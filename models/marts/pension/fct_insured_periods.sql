{#- 国民年金 insured periods (資格), one row per period (基礎年金番号 × seq) in its current state.
    Dates are published as months (the unit pension periods count in): an acquisition or loss
    at 20歳到達 / 60歳到達 happens on the eve of a birthday, so the exact date would publish a
    birth date. -#}
with periods as (
    select * from {{ ref('stg_nenkin__shikaku') }}
),

keys as (
    select
        kiso_nenkin_no,
        person_pid
    from {{ ref('int_identity__kiso_keys') }}
),

reference as (
    select reference_date from {{ ref('int_persons__reference_date') }}
),

shubetsu as (
    select * from {{ ref('code_hihokensha_shubetsu') }}
),

final as (
    select
        cast(keys.person_pid as varchar) as person_pid,
        cast(periods.seq as bigint) as seq,
        cast(periods.shubetsu as varchar) as shubetsu,
        cast(shubetsu.shubetsu_name as varchar) as shubetsu_name,
        cast(date_trunc('month', periods.shutoku_date) as date) as shutoku_month,
        cast(periods.shutoku_jiyu as varchar) as shutoku_jiyu,
        cast(date_trunc('month', periods.soshitsu_date) as date) as soshitsu_month,
        cast(periods.soshitsu_jiyu as varchar) as soshitsu_jiyu,
        cast(periods.soshitsu_date is null as boolean) as is_open,
        -- months counted: from the month of acquisition to the month before the month of loss;
        -- an open period up to and including the reference month
        cast(
            case
                when periods.shutoku_date is null then null
                when periods.soshitsu_date is not null
                    then greatest(
                            (
                                extract(year from periods.soshitsu_date) * 12
                                + extract(month from periods.soshitsu_date)
                            )
                            - (
                                extract(year from periods.shutoku_date) * 12
                                + extract(month from periods.shutoku_date)
                            ),
                            0
                        )
                else greatest(
                        (
                            extract(year from reference.reference_date) * 12
                            + extract(month from reference.reference_date)
                        )
                        - (
                            extract(year from periods.shutoku_date) * 12
                            + extract(month from periods.shutoku_date)
                        ) + 1,
                        0
                    )
            end as bigint
        ) as insured_months
    from periods
    inner join keys
        on periods.kiso_nenkin_no = keys.kiso_nenkin_no
    cross join reference
    left join shubetsu
        on cast(periods.shubetsu as varchar) = cast(shubetsu.shubetsu as varchar)
)

select * from final
