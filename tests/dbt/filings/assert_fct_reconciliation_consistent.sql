{#- fct_reconciliation is internally consistent with docs/published-contract.md §3.2:
    mismatch_fields only (and always) on mismatched; uketsuke_no null exactly for
    unmatched_result; filing statuses on filing rows, result statuses on result rows; a result
    row belongs to matched / mismatched / returned / duplicate_result / unmatched_result and
    optionally pending; withdrawn and not_forwarded carry none. The signed target-date shift is
    on matched and mismatched filings only, its size is the pair's distance, and a non-zero
    shift is a taisho_date mismatch. -#}
select *
from {{ ref('fct_reconciliation') }}
where (status = 'mismatched') <> (mismatch_fields is not null)
    or (status = 'unmatched_result') <> (uketsuke_no is null)
    or is_filing <> (status in ('matched', 'mismatched', 'returned', 'pending', 'not_forwarded', 'withdrawn'))
    or (status in ('matched', 'mismatched', 'returned', 'duplicate_result', 'unmatched_result') and list_id is null)
    or (status in ('withdrawn', 'not_forwarded') and list_id is not null)
    or (list_id is null) <> (row_no is null)
    or (taisho_date_shift_days is not null and status not in ('matched', 'mismatched'))
    or abs(taisho_date_shift_days) <> taisho_date_delta_days
    or (taisho_date_shift_days <> 0 and coalesce(mismatch_fields, '') not like '%taisho_date%')
