{#- Normalisation of delivered text before validation (docs/raw-interface.md §2).

    Hand-keyed fields may hold full-width digits and `－` (U+FF0D). The spec asks for NFKC.
    DuckDB has nfc_normalize but no NFKC, so on DuckDB the full-width ASCII block
    (U+FF01..U+FF5E) and the ideographic space (U+3000) are mapped with translate(): exactly
    what NFKC does to those characters, which is all a keyboard in full-width mode produces.
    PostgreSQL has normalize(text, NFKC) (UTF8 databases), used on every value that is not
    plain ASCII. -#}

{% macro nfkc(col) -%}
    {{ return(adapter.dispatch('nfkc', 'nenkin_audit')(col)) }}
{%- endmacro %}

{% macro default__nfkc(col) -%}
    normalize({{ col }}, nfkc)
{%- endmacro %}

{#- PostgreSQL: normalize() costs several microseconds a value even on plain ASCII, which NFKC
    leaves as it is (a 24M-line access log: about 150 s of its base model), so only values that
    are not plain ASCII are normalised: in a UTF8 database octet_length counts bytes,
    char_length characters. -#}
{% macro postgres__nfkc(col) -%}
    case
        when octet_length({{ col }}) = char_length({{ col }}) then {{ col }}
        else normalize({{ col }}, nfkc)
    end
{%- endmacro %}

{#- translate() is slow in DuckDB (it dominates a 25M-row build), so it only runs on the few
    values that are not plain ASCII: strlen counts bytes, length characters. -#}
{% macro duckdb__nfkc(col) -%}
    case when strlen({{ col }}) = length({{ col }}) then {{ col }} else translate(
        {{ col }},
        '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　',
        '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ '
    ) end
{%- endmacro %}

{#- The form every code, number, identifier and date is validated in: NFKC, then surrounding
    spaces removed. An empty field is '' (the raw layer never holds null; a null would also
    become '', so a missing value is always caught by rule_required). -#}
{% macro normalise_text(col) -%}
    {{ return(adapter.dispatch('normalise_text', 'nenkin_audit')(col)) }}
{%- endmacro %}

{% macro default__normalise_text(col) -%}
    coalesce(trim(both ' ' from {{ nfkc(col) }}), '')
{%- endmacro %}

{#- DuckDB: the same, arranged for speed on tens of millions of rows (translate() and trim() are
    slow there): plain-ASCII text, nearly every value, is only trimmed when it starts or ends
    with a space. -#}
{% macro duckdb__normalise_text(col) -%}
    coalesce(case
        when strlen({{ col }}) = length({{ col }})
            then case when {{ col }} like ' %' or {{ col }} like '% ' then trim({{ col }}, ' ') else {{ col }} end
        else trim({{ duckdb__nfkc(col) }}, ' ')
    end, '')
{%- endmacro %}

{#- True when `col` has the layout of `mask`, written with 0 for a digit and every other
    character literal, e.g. '0000-00-00'. Standard SQL: map every digit to 0 and compare; DuckDB:
    a regular expression (its translate() is several times slower at this volume). -#}
{% macro has_shape(col, mask) -%}
    {{ return(adapter.dispatch('has_shape', 'nenkin_audit')(col, mask)) }}
{%- endmacro %}

{% macro default__has_shape(col, mask) -%}
    (translate({{ col }}, '0123456789', '0000000000') = '{{ mask }}')
{%- endmacro %}

{% macro duckdb__has_shape(col, mask) -%}
    {%- set ns = namespace(pattern='') -%}
    {%- for ch in mask -%}
        {%- set ns.pattern = ns.pattern ~ ('[0-9]' if ch == '0' else ch) -%}
    {%- endfor -%}
    regexp_full_match({{ col }}, '{{ ns.pattern }}')
{%- endmacro %}

{#- 基礎年金番号: 10 digits, or NNNN-NNNNNN with the hyphen removed; null when it cannot be one.
    Expects text normalised with normalise_text() (full-width digits and `－` already ASCII). -#}
{% macro normalise_kiso_nenkin_no(col) -%}
    case
        when {{ has_shape(col, '0000000000') }} then {{ col }}
        when {{ has_shape(col, '0000-000000') }} then substr({{ col }}, 1, 4) || substr({{ col }}, 6, 6)
    end
{%- endmacro %}

{#- Free text is never published as delivered. A field the raw interface carries without a code
    set but that the mart shows as a code (access_log.screen_id) is published only when it has
    the code's layout (var `screen_id_pattern`, a whole-value regular expression over ASCII);
    anything else (a name, a formula, a phone number) becomes null. -#}
{% macro cleared_code(col, pattern) -%}
    {{ return(adapter.dispatch('cleared_code', 'nenkin_audit')(col, pattern)) }}
{%- endmacro %}

{% macro duckdb__cleared_code(col, pattern) -%}
    (case when regexp_full_match({{ col }}, '{{ pattern }}') then {{ col }} end)
{%- endmacro %}

{% macro default__cleared_code(col, pattern) -%}
    (case when {{ col }} ~ '^(?:{{ pattern }})$' then {{ col }} end)
{%- endmacro %}
