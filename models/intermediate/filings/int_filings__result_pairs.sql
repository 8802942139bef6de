{#-
    Steps 4-6 of the reconciliation matching (docs block `filings_reconciliation_matching`,
    docs/internal-contracts.md §F): which final JPS row answers which filing, and how.
    One row per final JPS row that claims a filing: the pairs (is_paired; each filing at most
    once) and the rows that chose, in step 6, the only open filing another row kept (not
    is_paired; step 7 names that filing). Restricted like int_filings__result_candidates.
-#}

with

final_candidates as (
    select *
    from {{ ref('int_filings__result_candidates') }}
    where is_final
),

-- step 4: exact dates, first in first out: rank with equal rank, forwarded by the list date
stage1_pairs as (
    select
        list_id,
        row_no,
        uketsuke_no,
        shintatsu_date,
        0 as delta_days,
        'exact' as match_stage
    from final_candidates
    where delta_days = 0
        and result_fifo_rank = filing_fifo_rank
),

-- step 5: each final row still unpaired picks its nearest candidate among the filings without
-- a final row; each filing keeps the first picker
stage2_choices as (
    select
        c.list_id,
        c.row_no,
        c.list_date,
        c.uketsuke_no,
        c.shintatsu_date,
        c.delta_days,
        row_number() over (
            partition by c.list_id, c.row_no
            order by {{ filings_nearest_candidate_first('c') }}
        ) as choice_rank
    from final_candidates as c
    left join stage1_pairs as paired_row
        on c.list_id = paired_row.list_id
            and c.row_no = paired_row.row_no
    left join stage1_pairs as paired_filing
        on c.uketsuke_no = paired_filing.uketsuke_no
    where c.is_within_window
        and paired_row.list_id is null
        and paired_filing.uketsuke_no is null
),

stage2_kept as (
    select
        list_id,
        row_no,
        uketsuke_no,
        shintatsu_date,
        delta_days,
        row_number() over (
            partition by uketsuke_no
            order by delta_days asc, list_date asc, list_id asc, row_no asc
        ) as keep_rank
    from stage2_choices
    where choice_rank = 1
),

stage12_pairs as (
    select
        list_id,
        row_no,
        uketsuke_no,
        shintatsu_date,
        delta_days,
        match_stage
    from stage1_pairs
    union all
    select
        list_id,
        row_no,
        uketsuke_no,
        shintatsu_date,
        delta_days,
        'nearest' as match_stage
    from stage2_kept
    where keep_rank = 1
),

-- step 6: each final row still unpaired whose person and type have exactly one open filing
-- (forwarded by the list date, no final row from steps 4-5) belongs to it at any distance of
-- the target dates (no window); a filing picked by several rows keeps the first by
-- (|Δ|, list_date, list_id, row_no)
stage3_open as (
    select
        c.list_id,
        c.row_no,
        c.list_date,
        c.uketsuke_no,
        c.shintatsu_date,
        c.delta_days,
        count(*) over (partition by c.list_id, c.row_no) as open_filings
    from final_candidates as c
    left join stage12_pairs as paired_row
        on c.list_id = paired_row.list_id
            and c.row_no = paired_row.row_no
    left join stage12_pairs as paired_filing
        on c.uketsuke_no = paired_filing.uketsuke_no
    where paired_row.list_id is null
        and paired_filing.uketsuke_no is null
),

stage3_only as (
    select
        list_id,
        row_no,
        uketsuke_no,
        shintatsu_date,
        delta_days,
        row_number() over (
            partition by uketsuke_no
            order by delta_days asc nulls last, list_date asc, list_id asc, row_no asc
        ) as keep_rank
    from stage3_open
    where open_filings = 1
),

final as (
    select
        list_id,
        row_no,
        uketsuke_no,
        shintatsu_date,
        delta_days,
        match_stage,
        true as is_paired
    from stage12_pairs
    union all
    select
        list_id,
        row_no,
        uketsuke_no,
        shintatsu_date,
        delta_days,
        'only_open' as match_stage,
        keep_rank = 1 as is_paired
    from stage3_only
)

select * from final
