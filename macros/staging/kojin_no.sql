{#- 個人番号 check digit (docs/raw-interface.md §2): weights 6,5,4,3,2,7,6,5,4,3,2 over the first 11
    digits read left to right, r = Σ mod 11, check = 0 if r <= 1 else 11 - r.
    kojin_no_check_digit(col) expects 11 or more digits (only the first 11 are read). -#}

{% macro kojin_no_check_digit(col) -%}
    {%- set weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2] -%}
    {%- set terms = [] -%}
    {%- for w in weights -%}
        {%- do terms.append('cast(substr(' ~ col ~ ', ' ~ loop.index ~ ', 1) as integer) * ' ~ w) -%}
    {%- endfor -%}
    (case
        when ({{ terms | join(' + ') }}) % 11 <= 1 then 0
        else 11 - ({{ terms | join(' + ') }}) % 11
    end)
{%- endmacro %}

{#- True for 12 ASCII digits whose last digit is the check digit of the first 11; false otherwise
    (also for ''). Expects text normalised with normalise_text(). -#}
{% macro kojin_no_is_valid(col) -%}
    (case
        when {{ has_shape(col, '000000000000') }}
            then {{ kojin_no_check_digit(col) }} = cast(substr({{ col }}, 12, 1) as integer)
        else false
    end)
{%- endmacro %}
