{#- A row's nearest candidate filing (docs/internal-contracts.md §F step 5, also used by steps 7
    and 9): smallest |Δ taisho_date|, then the later 進達, then the smaller 受付番号. -#}
{% macro filings_nearest_candidate_first(alias) -%}
    {{ alias }}.delta_days asc, {{ alias }}.shintatsu_date desc, {{ alias }}.uketsuke_no asc
{%- endmacro %}
