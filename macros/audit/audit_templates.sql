{#- The explanation templates, in the order a line's explanation is named (the first kept
    template that holds). Each is a boolean column has_<template> of int_audit__template_hits;
    their definitions and the mining are documented there and in int_audit__explanation_templates. -#}
{% macro audit_explanation_templates() -%}
    {{ return(['business_event', 'recent_handling', 'worklist_session']) }}
{%- endmacro %}
