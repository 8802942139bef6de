{#-
    Step 9 of the reconciliation matching (docs block `filings_reconciliation_matching`,
    docs/internal-contracts.md §F): each 保留 row picks its nearest candidate among all forwarded
    filings, within W. One row per 保留 row that has a candidate; is_carried marks the row a
    pending filing carries (its latest 保留 row, when no final row answers the filing).
    Restricted like int_filings__result_candidates.
-#}

with

hold_choices as (
    select
        c.list_id,
        c.row_no,
        c.list_date,
        c.uketsuke_no,
        c.delta_days,
        row_number() over (
            partition by c.list_id, c.row_no
            order by {{ filings_nearest_candidate_first('c') }}
        ) as choice_rank
    from {{ ref('int_filings__result_candidates') }} as c
    where not c.is_final
        and c.is_within_window
),

hold_carried as (
    select
        h.list_id,
        h.row_no,
        row_number() over (
            partition by h.uketsuke_no
            order by h.list_date desc, h.list_id desc, h.row_no desc
        ) as latest_rank
    from hold_choices as h
    left join {{ ref('int_filings__result_pairs') }} as p
        on h.uketsuke_no = p.uketsuke_no
            and p.is_paired
    where h.choice_rank = 1
        and p.uketsuke_no is null
),

final as (
    select
        h.list_id,
        h.row_no,
        h.list_date,
        h.uketsuke_no,
        h.delta_days,
        coalesce(carried.latest_rank = 1, false) as is_carried
    from hold_choices as h
    left join hold_carried as carried
        on h.list_id = carried.list_id
            and h.row_no = carried.row_no
    where h.choice_rank = 1
)

select * from final
