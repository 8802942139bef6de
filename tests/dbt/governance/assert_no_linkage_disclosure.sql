{#- The attacker model (macros/governance/linkage.sql): joining the public models on every
    pseudonym and link column they declare, every person is in a class of at least k persons
    (var k_anonymity_k) over all the quasi-identifiers reachable together, and no sensitive
    attribute takes a single value within a class. The quasi-identifiers and join keys are read
    from the models' column meta. One row per problem.
    The depends_on lines only order the build (the models are built before they are attacked);
    which models and columns are attacked comes from the graph, and a person-level model missing
    here is itself reported as a problem. -#}
-- depends_on: {{ ref('dim_persons') }}
-- depends_on: {{ ref('dim_households') }}
-- depends_on: {{ ref('fct_insured_periods') }}
-- depends_on: {{ ref('fct_fuka') }}
-- depends_on: {{ ref('fct_exemptions') }}
-- depends_on: {{ ref('fct_income_bands') }}
{{ config(tags=['governance']) }}

{{ governance_linkage_attack_sql() }}
