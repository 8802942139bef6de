{#- Every public model and column is described, typed with a portable contract type and carries a
    PII class (none | quasi | sensitive) in config.meta; `direct` never reaches a public model.
    One row per problem. -#}
{{ config(tags=['governance']) }}

{{ governance_problems_relation(governance_public_column_problems()) }}
