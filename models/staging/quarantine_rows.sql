-- Every rejected raw row of every extract, with why (contracts B): the restricted relation the
-- published contract calls quarantine. record_key is the row's key columns as delivered, joined
-- with '|' (never 個人番号). Rows stay in the raw layer; nothing is dropped silently.
-- One base_ model per extract (the extract is the part of its name after '__'); the test
-- assert_every_base_model_is_quarantined fails the build when a base_ model is missing here.

{%- set base_models = [
    ref('base_atena__atena'),
    ref('base_nenkin__nenkin_kihon'),
    ref('base_nenkin__shikaku'),
    ref('base_nenkin__fuka'),
    ref('base_nenkin__menjo'),
    ref('base_nenkin__saitei'),
    ref('base_zei__shotoku'),
    ref('base_nenkin__todokede'),
    ref('base_jps__jps_kekka'),
    ref('base_kiban__access_log'),
    ref('base_kiban__staff'),
    ref('base_kiban__jinji_ido'),
    ref('base_kiban__terminal'),
    ref('base_kiban__teikyo_iten'),
] %}

with

final as (
    {%- for relation in base_models %}
        select
            '{{ relation.identifier.split("__", 1)[1] }}' as extract,
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
