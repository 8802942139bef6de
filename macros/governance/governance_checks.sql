{#-
    Governance checks over dbt's graph, used by the singular tests in tests/dbt/governance/.
    Each *_problems macro returns a list of [model, column, problem] (empty = compliant).
-#}

{#- Types a public contract may use: they mean the same on DuckDB and PostgreSQL. -#}
{% macro governance_portable_types() -%}
    {{ return(['float8', 'bigint', 'varchar', 'date', 'timestamp', 'boolean']) }}
{%- endmacro %}

{#- The only kojin_no-named columns allowed outside staging: boolean flags about the number
    (valid check digit, present, the account's permission to display it), never the number.
    (has_<identifier> flags of the other confined identifiers: governance_identifier_flag.) -#}
{% macro governance_kojin_no_flags() -%}
    {{ return(['kojin_no_valid', 'kojin_no_present', 'may_display_kojin_no']) }}
{%- endmacro %}

{#- A column's PII class: config.meta.pii (or meta.pii); none when it has none. -#}
{% macro governance_pii_class(col) -%}
    {%- set meta = col.get('meta') or {} -%}
    {%- set cfg = (col.get('config') or {}).get('meta') or {} -%}
    {{ return(cfg.get('pii') or meta.get('pii')) }}
{%- endmacro %}

{#- Every public model is described; every column is described, has a portable data_type and
    a PII class among none|quasi|sensitive (never direct, never missing). -#}
{% macro governance_public_column_problems() %}
    {%- set problems = [] -%}
    {%- if execute -%}
    {%- set allowed_types = governance_portable_types() -%}
    {%- set confined = governance_confined_columns(['staging']) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.access == 'public' -%}
        {%- if not (node.description or '') | trim -%}
            {%- do problems.append([node.name, '', 'model has no description']) -%}
        {%- endif -%}
        {%- if not node.columns -%}
            {%- do problems.append([node.name, '', 'public model documents no columns']) -%}
        {%- endif -%}
        {%- for col in node.columns.values() -%}
            {%- set pii = governance_pii_class(col) -%}
            {%- if pii is none -%}
                {%- do problems.append([node.name, col.name, 'no pii class in config.meta']) -%}
            {%- elif pii == 'direct' -%}
                {%- do problems.append([node.name, col.name, 'pii class direct in a public model']) -%}
            {%- elif pii not in ['none', 'quasi', 'sensitive'] -%}
                {%- do problems.append([node.name, col.name, 'unknown pii class ' ~ pii]) -%}
            {%- endif -%}
            {%- if not (col.description or '') | trim -%}
                {%- do problems.append([node.name, col.name, 'column has no description']) -%}
            {%- endif -%}
            {%- if (col.data_type or '') | lower not in allowed_types -%}
                {%- do problems.append([node.name, col.name, 'data_type ' ~ (col.data_type or 'missing') ~ ' is not one of ' ~ allowed_types | join('/')]) -%}
            {%- endif -%}
            {%- set identifier = governance_carried_identifier(col.name, confined) -%}
            {%- if identifier and not governance_identifier_flag(col.name, identifier) -%}
                {%- do problems.append([node.name, col.name, identifier ~ '-derived column in a public model']) -%}
            {%- endif -%}
            {%- if col.name in governance_kojin_no_flags() and (col.data_type or '') | lower != 'boolean' -%}
                {%- do problems.append([node.name, col.name, 'kojin_no flag must be boolean']) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- endif -%}
    {{ return(problems) }}
{% endmacro %}

{#- No lineage from an identifier confined to staging (kojin_no and the others whose column meta
    says confined_to: staging) into a public model. They exist only inside staging (base_ models
    and the ephemeral kojin_no link); walking every ancestor of every public model:
    - an ancestor outside models/staging/ must not mention such an identifier in its SQL
      (boolean flags such as kojin_no_valid are other identifiers) nor document a column
      carrying one other than those flags;
    - a staging model read from outside staging must not be a base_ model and must not document a
      column carrying one (it is the place where the identifier is dropped);
    - nothing outside staging reads a source directly, except a source our own pipeline produces
      from the warehouse (meta produced_by, e.g. the scoring step's output). -#}
{% macro governance_kojin_no_lineage_problems() %}
    {%- set problems = [] -%}
    {%- if execute -%}
    {%- set re = modules.re -%}
    {%- set confined = governance_confined_columns(['staging']) -%}
    {%- set nodes = graph.nodes -%}
    {%- for node in nodes.values() if node.resource_type == 'model' and node.access == 'public' -%}
        {%- set ns = namespace(frontier=[node.unique_id], seen=[node.unique_id]) -%}
        {%- for _ in range(100) if ns.frontier -%}
            {%- set next = [] -%}
            {%- for uid in ns.frontier -%}
                {%- set current = nodes.get(uid) -%}
                {%- set in_staging = current.original_file_path.startswith('models/staging/') -%}
                {%- if not in_staging -%}
                    {%- for identifier in confined if re.search('\\b' ~ identifier ~ '\\b', current.raw_code or '') -%}
                        {%- do problems.append([node.name, '', 'ancestor ' ~ current.name ~ ' (outside staging) uses ' ~ identifier]) -%}
                    {%- endfor -%}
                    {%- for col in (current.columns or {}).values() -%}
                        {%- set identifier = governance_carried_identifier(col.name, confined) -%}
                        {%- if identifier and not governance_identifier_flag(col.name, identifier) -%}
                            {%- do problems.append([node.name, col.name, 'ancestor ' ~ current.name ~ ' has a ' ~ identifier ~ ' column']) -%}
                        {%- endif -%}
                    {%- endfor -%}
                {%- endif -%}
                {%- for parent in current.depends_on.nodes -%}
                    {%- set src = graph.sources.get(parent) if parent.startswith('source.') else none -%}
                    {%- set produced = src is not none and ((src.meta or {}).get('produced_by') or (src.source_meta or {}).get('produced_by')) -%}
                    {%- if parent.startswith('source.') and not in_staging and not produced -%}
                        {%- do problems.append([node.name, '', current.name ~ ' reads the source ' ~ parent ~ ' directly (only staging reads sources)']) -%}
                    {%- endif -%}
                    {%- set pnode = nodes.get(parent) -%}
                    {%- if pnode is not none and not in_staging and pnode.original_file_path.startswith('models/staging/') -%}
                        {%- if pnode.name.startswith('base_') -%}
                            {%- do problems.append([node.name, '', current.name ~ ' reads ' ~ pnode.name ~ ', which still holds the identifiers confined to staging']) -%}
                        {%- endif -%}
                        {%- for col in (pnode.columns or {}).values() -%}
                            {%- set identifier = governance_carried_identifier(col.name, confined) -%}
                            {%- if identifier and not governance_identifier_flag(col.name, identifier) -%}
                                {%- do problems.append([node.name, col.name, current.name ~ ' reads ' ~ pnode.name ~ ', which has a ' ~ identifier ~ ' column']) -%}
                            {%- endif -%}
                        {%- endfor -%}
                    {%- endif -%}
                    {%- if pnode is not none and parent not in ns.seen -%}
                        {%- do ns.seen.append(parent) -%}
                        {%- do next.append(parent) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endfor -%}
            {%- set ns.frontier = next -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- endif -%}
    {{ return(problems) }}
{% endmacro %}

{#- Render problems as a relation (model_name, column_name, problem); no rows when compliant. -#}
{% macro governance_problems_relation(problems) -%}
    {%- if problems -%}
    select * from (
        values
        {%- for p in problems %}
        ({{ "'" ~ (p[0] | replace("'", "''")) ~ "'" }}, {{ "'" ~ (p[1] | replace("'", "''")) ~ "'" }}, {{ "'" ~ (p[2] | replace("'", "''")) ~ "'" }}){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as problems (model_name, column_name, problem)
    {%- else -%}
    select
        cast(null as varchar) as model_name,
        cast(null as varchar) as column_name,
        cast(null as varchar) as problem
    where false
    {%- endif -%}
{%- endmacro %}
