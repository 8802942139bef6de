{#- The base_ models, one per extract of the raw interface (raw_interface_extracts(), from the
    sources' YAML), as relations (ref: the caller depends on each). The extract is the part of a
    relation's name after '__'. quarantine_rows and the conservation test read this one list;
    assert_every_base_model_is_quarantined fails the build when a base_ model is missing from it. -#}
{% macro staging_base_models() -%}
    {%- set relations = [] -%}
    {%- for name in raw_interface_extracts() -%}
        {%- set parts = name.split('.') -%}
        {%- do relations.append(ref('base_' ~ parts[0] ~ '__' ~ parts[1])) -%}
    {%- endfor -%}
    {{ return(relations) }}
{%- endmacro %}

{#- The extract a base_ relation stages (base_<source>__<extract>). -#}
{% macro staging_extract_of(relation) -%}
    {{ return(relation.identifier.split('__', 1)[1]) }}
{%- endmacro %}
