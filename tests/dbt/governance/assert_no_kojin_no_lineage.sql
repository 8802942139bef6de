{#- No public model has lineage from 個人番号 (kojin_no): the number stops in staging, only boolean
    validity flags (kojin_no_valid, kojin_no_present) may exist downstream. One row per problem. -#}
{{ config(tags=['governance']) }}

{{ governance_problems_relation(governance_kojin_no_lineage_problems()) }}
