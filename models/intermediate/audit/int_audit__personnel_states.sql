{#- Restricted, small. 人事異動 as states: one row per member of staff and period in one state
    (active, retired, transferred_out, on_leave), from the seed code_ido_type's meaning of each
    kind of event. A move between two departments of the code set arrives as 転出 and 転入 on the
    same day with both departments filled: the member stays in service. A 転出 with no to_dept
    (out of the pension departments) and a 退職 are departures; 退職 takes effect the day after
    effective_date (the last day of service), every other event on its effective_date; 休職
    lasts until 復職. -#}
with events as (
    select
        ido.staff_id,
        case
            when ido_types.departs_only_without_to_dept and ido.to_dept is not null then 'active'
            else coalesce(ido_types.personnel_state, 'active')
        end as personnel_state,
        ido.effective_date + coalesce(ido_types.state_from_offset_days, 0) as state_from
    from {{ ref('stg_kiban__jinji_ido') }} as ido
    left join {{ ref('code_ido_type') }} as ido_types
        on ido.ido_type = ido_types.ido_type
),

final as (
    select
        staff_id,
        personnel_state,
        state_from,
        coalesce(
            lead(state_from) over (
                -- same day: a departure wins over an arrival (its state comes last)
                partition by staff_id
                order by state_from, case when personnel_state = 'active' then 0 else 1 end
            ),
            cast('9999-12-31' as date)
        ) as state_to
    from events
)

select * from final
