{#-
    The identifiers confined to a layer, read from column meta: a column of a source (or of a
    model) with `config: meta: confined_to: staging` never leaves staging (個人番号, telephone,
    特記事項, 診断書 and the subject's 4情報 of the access log); `confined_to: warehouse` is never
    published (宛名番号, 基礎年金番号, names, addresses, birth dates...). The sources' YAML is the
    one list: governance tests, the post-hook on every model and the publisher (which reads the
    same meta from the manifest) all derive from it.
-#}

{#- Sorted names of the columns whose meta confined_to is one of `layers`. -#}
{% macro governance_confined_columns(layers=['staging']) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for node in (graph.sources.values() | list) + (graph.nodes.values() | list) -%}
            {%- for col in (node.columns or {}).values() -%}
                {%- set cfg = (col.get('config') or {}).get('meta') or {} -%}
                {%- set layer = cfg.get('confined_to') or (col.get('meta') or {}).get('confined_to') -%}
                {%- if layer in layers and col.name | lower not in names -%}
                    {%- do names.append(col.name | lower) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names | sort) }}
{%- endmacro %}

{#- The confined identifier a column name carries: the name itself, or the name as a whole
    word of it (kojin_no_digest, subj_shimei_kana); none otherwise. -#}
{% macro governance_carried_identifier(column_name, confined) -%}
    {%- set name = column_name | lower -%}
    {%- for identifier in confined -%}
        {%- if name == identifier or name.startswith(identifier ~ '_') or name.endswith('_' ~ identifier) or ('_' ~ identifier ~ '_') in name -%}
            {{ return(identifier) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- Boolean flags about a confined identifier that may live on past staging: never the value,
    only that it is there (has_<identifier>), valid or present, or an account's permission to
    display 個人番号. -#}
{% macro governance_identifier_flag(column_name, identifier) -%}
    {%- set name = column_name | lower -%}
    {{ return(name in governance_kojin_no_flags() or name == 'has_' ~ identifier) }}
{%- endmacro %}

{#- Post-hook of every model (dbt_project.yml): the relation just built must not hold a column
    carrying an identifier confined to staging, unless it is a base_ model (the one place that
    holds them) or the column is a boolean flag. Fails the model, so the run never publishes. -#}
{% macro governance_assert_no_confined_columns() -%}
    {%- if execute and not this.identifier.startswith('base_') and model.config.materialized != 'ephemeral' -%}
        {%- set confined = governance_confined_columns(['staging']) -%}
        {%- set problems = [] -%}
        {%- for col in adapter.get_columns_in_relation(this) -%}
            {%- set identifier = governance_carried_identifier(col.name, confined) -%}
            {%- if identifier and not (col.name | lower != identifier and col.dtype | lower in ['boolean', 'bool']) -%}
                {%- do problems.append(col.name ~ ' (' ~ identifier ~ ')') -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(
                this ~ ' holds ' ~ problems | join(', ') ~ ': these identifiers are confined to '
                ~ 'staging (meta confined_to in the sources YAML). Drop the column, or keep only a '
                ~ 'boolean flag about it.') }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
