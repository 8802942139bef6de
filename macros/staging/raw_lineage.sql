{#- The lineage columns every raw row carries (loader contract): which file and line it came
    from, and the file's extract date and sequence. Staging keeps them on every row so a
    quarantined or staged row can be traced back to its delivery. -#}
{% macro raw_lineage_columns() -%}
_file_name,
        _line_no,
        _record_no,
        _extract_date,
        _file_seq
{%- endmacro %}
