{#- Models land in the schema their folder names (staging, intermediate, marts, codes),
    not "<target schema>_<custom>": operators and the publisher look for these names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
