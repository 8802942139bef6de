{#- No public model has lineage from 個人番号 (kojin_no): the number stops in staging, downstream only boolean
    flags about it may exist (kojin_no_valid, kojin_no_present, may_display_kojin_no). One row per problem. -#}
{{ config(tags=['governance']) }}

{{ governance_problems_relation(governance_kojin_no_lineage_problems()) }}
