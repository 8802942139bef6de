{#- The explanation templates, in the order a line's explanation is named (the first kept
    template that holds). Each is a boolean column has_<template> of int_audit__template_hits:
    one per kind of business event (each mined on its own, so that a kind that explains
    accesses only by chance in a city is dropped there without taking the others with it), the
    office's recent handling of the subject, and the member's work-list session. Definitions and
    the mining: int_audit__template_hits and int_audit__explanation_templates. -#}
{% macro audit_explanation_templates() -%}
    {{ return([
        'filing_event',
        'claim_event',
        'exemption_event',
        'jps_event',
        'juki_event',
        'record_change_event',
        'recent_handling',
        'worklist_session',
    ]) }}
{%- endmacro %}

{#- Whether a line lies in the member's work-list session: made at or after the member's first
    list search of that day (int_audit__list_sessions; null when the day has none, which is no
    session). The one definition for the template pairs and the access context. -#}
{% macro audit_is_in_list_session(accessed_at, first_list_search_at) -%}
    coalesce({{ accessed_at }} >= {{ first_list_search_at }}, false)
{%- endmacro %}
