{#- Which delivered row version counts (docs/raw-interface.md §1 "redelivery" and "change files").

    latest_rows(relation, key_columns, order_by): the valid rows (reject_reason is null) of a base
    model, one per key: the first by `order_by`. A select statement; use it as a CTE body.

    Change files: the latest changed_at wins, also when it arrives in an earlier file than an
    older change; ties go to the later extract date, then the higher sequence, then the later
    line. The caller drops a key whose winning row is a `D`.
    Other extracts: the later extract date, then the higher sequence (then the later line). -#}

{% macro change_order() -%}
    changed_at desc, _extract_date desc, _file_seq desc, _line_no desc
{%- endmacro %}

{% macro delivery_order() -%}
    _extract_date desc, _file_seq desc, _line_no desc
{%- endmacro %}

{% macro latest_rows(relation, key_columns, order_by) -%}
    select *
    from (
        select
            valid_rows.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ order_by }}
            ) as _delivery_rank
        from {{ relation }} as valid_rows
        where valid_rows.reject_reason is null
    ) as ranked
    where _delivery_rank = 1
{%- endmacro %}
