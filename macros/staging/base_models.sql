{#- The base_ models, one per extract of the raw interface, as relations (ref: the caller depends
    on each). The extract is the part of a relation's name after '__'. quarantine_rows and the
    conservation test read this one list; assert_every_base_model_is_quarantined fails the build
    when a base_ model is missing from it. -#}
{% macro staging_base_models() -%}
    {{ return([
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
    ]) }}
{%- endmacro %}

{#- The extract a base_ relation stages (base_<source>__<extract>). -#}
{% macro staging_extract_of(relation) -%}
    {{ return(relation.identifier.split('__', 1)[1]) }}
{%- endmacro %}
