-- Every rejected raw row of every extract, with why (docs/internal-contracts.md §B): the restricted relation the
-- published contract calls quarantine. record_key is the row's key columns as delivered, joined
-- with '|' (never 個人番号). Rows stay in the raw layer; nothing is dropped silently.
-- One branch per base_ model (macro staging_base_models, the one list of them); the test
-- assert_every_base_model_is_quarantined fails the build when a base_ model is missing there.

{%- set base_models = staging_base_models() %}

with

final as (
    {%- for relation in base_models %}
        select
            '{{ staging_extract_of(relation) }}' as extract,
            _file_name,
            _line_no,
            record_key,
            reject_reason
        from {{ relation }}
        where reject_reason is not null
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}
)

select * from final
