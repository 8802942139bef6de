{#- Normalisation of delivered text before validation (raw interface §2).

    Hand-keyed fields may hold full-width digits and `－` (U+FF0D). The spec asks for NFKC.
    DuckDB has nfc_normalize but no NFKC, so on DuckDB the full-width ASCII block
    (U+FF01..U+FF5E) and the ideographic space (U+3000) are mapped with translate(): exactly
    what NFKC does to those characters, which is all a keyboard in full-width mode produces.
    PostgreSQL has normalize(text, NFKC) (UTF8 databases), used as is. -#}

{% macro nfkc(col) -%}
    {{ return(adapter.dispatch('nfkc', 'nenkin_audit')(col)) }}
{%- endmacro %}

{% macro default__nfkc(col) -%}
    normalize({{ col }}, nfkc)
{%- endmacro %}

{% macro duckdb__nfkc(col) -%}
    translate(
        {{ col }},
        '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　',
        '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ '
    )
{%- endmacro %}

{#- The form every code, number, identifier and date is validated in: NFKC, then surrounding
    spaces removed. An empty field is '' (the raw layer never holds null; a null would also
    become '', so a missing value is always caught by rule_required). -#}
{% macro normalise_text(col) -%}
    coalesce(trim({{ nfkc(col) }}), '')
{%- endmacro %}

{#- True when every character of `col` is a digit and the text has the digit layout of `mask`,
    written with 0 for a digit, e.g. '0000-00-00'. Cheap and portable (no regular expressions). -#}
{% macro has_shape(col, mask) -%}
    (translate({{ col }}, '0123456789', '0000000000') = '{{ mask }}')
{%- endmacro %}

{#- 基礎年金番号: 10 digits, or NNNN-NNNNNN with the hyphen removed; null when it cannot be one.
    Expects text normalised with normalise_text() (full-width digits and `－` already ASCII). -#}
{% macro normalise_kiso_nenkin_no(col) -%}
    case
        when {{ has_shape(col, '0000000000') }} then {{ col }}
        when {{ has_shape(col, '0000-000000') }} then substr({{ col }}, 1, 4) || substr({{ col }}, 6, 6)
    end
{%- endmacro %}
