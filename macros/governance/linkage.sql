{#-
    The attacker model: what a reader of the published mart can learn about one person by joining
    the public models, derived from dbt's graph (column meta), never from a hand-kept list.

    Column meta read here (config.meta):
      pii: quasi       an attribute an outsider may know about the person (any public column)
      pii: sensitive   an attribute that must not be disclosed by membership of a class
      pseudonym: KIND  the column identifies a person (or household) in the pseudonym domain KIND
                       (the `kind` of pseudonym(kind, value)); equal values join
      link: NAME       the column identifies a record shared by several models (e.g. a case
                       number); equal values join
    Model meta (config.meta):
      linkage: excluded + linkage_reason: the model's domain is not a person-level join domain
                       (e.g. the reviewers' line-level access facts); allowed only when every
                       model of the domain is excluded and a reason is given.

    A person (entity) of domain D is seen through every public model m with a column c of domain D:
    the multiset of m's rows with c = the person, each row as the tuple of m's quasi columns
    (join-key columns excluded), plus, one join further, the rows of any other public model n that
    share a value of another join key of that row (a pseudonym column of another domain or a link
    column). The person's profile is all of these tuples, sorted; the class of a person is the set
    of persons of the same domain with the same profile. The build fails when
      - a class holds fewer than k persons (var k_anonymity_k), or
      - a sensitive column reachable in the domain takes fewer than 2 distinct values within a class
        (distinct ℓ; a person's value is the set of the column's values on their rows, null and
        false publish nothing: a class where nobody has a value passes, otherwise "nothing" counts
        as one value).
-#}

{% macro governance_meta(obj) -%}
    {%- set cfg = (obj.get('config') or {}).get('meta') or {} -%}
    {%- set meta = obj.get('meta') or {} -%}
    {%- set out = {} -%}
    {%- do out.update(meta) -%}
    {%- do out.update(cfg) -%}
    {{ return(out) }}
{%- endmacro %}

{#- One dict per public model that has a join key: name, relation, keys [{column, domain, kind}],
    quasi [columns], sensitive [columns], excluded, reason. kind is 'pseudonym' or 'link'. -#}
{% macro governance_linkage_models() %}
    {%- set models = [] -%}
    {%- if execute -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.access == 'public' -%}
        {%- set m = {'name': node.name, 'unique_id': node.unique_id, 'relation': node.relation_name, 'keys': [], 'quasi': [], 'sensitive': [], 'untyped_pids': []} -%}
        {%- set model_meta = governance_meta(node) -%}
        {%- do m.update({'excluded': model_meta.get('linkage') == 'excluded', 'reason': model_meta.get('linkage_reason') or ''}) -%}
        {%- for col in node.columns.values() -%}
            {%- set meta = governance_meta(col) -%}
            {%- if meta.get('pseudonym') -%}
                {%- do m['keys'].append({'column': col.name, 'domain': 'pseudonym:' ~ meta.get('pseudonym'), 'kind': 'pseudonym'}) -%}
            {%- elif meta.get('link') -%}
                {%- do m['keys'].append({'column': col.name, 'domain': 'link:' ~ meta.get('link'), 'kind': 'link'}) -%}
            {%- elif meta.get('pii') == 'quasi' -%}
                {%- do m['quasi'].append(col.name) -%}
            {%- endif -%}
            {%- if meta.get('pii') == 'sensitive' -%}
                {%- do m['sensitive'].append(col.name) -%}
            {%- endif -%}
            {%- if col.name.endswith('_pid') and not meta.get('pseudonym') -%}
                {%- do m['untyped_pids'].append(col.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do models.append(m) -%}
    {%- endfor -%}
    {%- endif -%}
    {{ return(models) }}
{% endmacro %}

{#- Problems of the declarations themselves: [model, column, problem]. -#}
{% macro governance_linkage_declaration_problems(models) %}
    {%- set problems = [] -%}
    {%- set test_deps = (model.depends_on.nodes if model is defined and model.depends_on is defined else none) -%}
    {%- for m in models -%}
        {%- if test_deps is not none and m['keys'] and not m['excluded'] and m['unique_id'] not in test_deps -%}
            {%- do problems.append([m['name'], '', 'not in the depends_on of the linkage test (add -- depends_on: ref() so it is built before it is attacked)']) -%}
        {%- endif -%}
        {%- for c in m['untyped_pids'] -%}
            {%- do problems.append([m['name'], c, 'pseudonym column without config.meta.pseudonym (its domain)']) -%}
        {%- endfor -%}
        {%- if m['excluded'] and not (m['reason'] | trim) -%}
            {%- do problems.append([m['name'], '', 'linkage: excluded without a linkage_reason']) -%}
        {%- endif -%}
        {%- for key in m['keys'] if key['kind'] == 'pseudonym' -%}
            {%- for other in models if other['name'] != m['name'] and other['excluded'] != m['excluded'] -%}
                {%- for okey in other['keys'] if okey['domain'] == key['domain'] -%}
                    {%- do problems.append([m['name'], key['column'], 'domain ' ~ key['domain'] ~ ' is shared with ' ~ other['name'] ~ ' across the linkage exclusion']) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}

{#- SQL text of a tuple of columns of alias a: 'v1|v2|…' with nulls as '∅'. -#}
{% macro governance_tuple(alias, columns) -%}
    {%- if columns -%}
    concat_ws('|'{% for c in columns %}, coalesce(cast({{ alias }}.{{ adapter.quote(c) }} as varchar), '∅'){% endfor %})
    {%- else -%}
    ''
    {%- endif -%}
{%- endmacro %}

{#- The SQL of the attack: one row per problem (domain, class_id, class_size, attribute, problem);
    no rows when every class of every person domain holds at least k persons and is ℓ-diverse. -#}
{% macro governance_linkage_attack_sql(k=none) %}
    {%- set k = k if k is not none else var('k_anonymity_k') -%}
    {%- set models = governance_linkage_models() -%}
    {%- set problems = governance_linkage_declaration_problems(models) -%}
    {%- set domains = [] -%}
    {%- for m in models if not m['excluded'] -%}
        {%- for key in m['keys'] if key['kind'] == 'pseudonym' and key['domain'] not in domains -%}
            {%- do domains.append(key['domain']) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set parts = [] -%}
    {%- for p in problems -%}
        {%- do parts.append("select 'declaration' as domain, cast(null as varchar) as class_id, cast(null as bigint) as class_size, '" ~ (p[0] ~ '.' ~ p[1]) | replace("'", "''") ~ "' as attribute, '" ~ p[2] | replace("'", "''") ~ "' as problem") -%}
    {%- endfor -%}
    {%- for domain in domains -%}
        {%- set entries = [] -%}
        {%- set sensitives = [] -%}
        {%- for m in models if not m['excluded'] -%}
            {%- for key in m['keys'] if key['domain'] == domain -%}
                {%- set rel = m['relation'] -%}
                {%- set label = m['name'] ~ '.' ~ key['column'] -%}
                {%- do entries.append("select cast(a." ~ adapter.quote(key['column']) ~ " as varchar) as entity, '" ~ label ~ ":' || " ~ governance_tuple('a', m['quasi']) ~ " as item from " ~ rel ~ " as a where a." ~ adapter.quote(key['column']) ~ " is not null") -%}
                {%- for s in m['sensitive'] -%}
                    {%- do sensitives.append({'attribute': m['name'] ~ '.' ~ s, 'sql': "select cast(a." ~ adapter.quote(key['column']) ~ " as varchar) as entity, cast(a." ~ adapter.quote(s) ~ " as varchar) as value from " ~ rel ~ " as a where a." ~ adapter.quote(key['column']) ~ " is not null"}) -%}
                {%- endfor -%}
                {#- one join further: the row's other join keys -#}
                {%- for hop in m['keys'] if hop['column'] != key['column'] and hop['domain'] != domain -%}
                    {%- for n in models if not n['excluded'] -%}
                        {%- for nkey in n['keys'] if nkey['domain'] == hop['domain'] and not (n['name'] == m['name'] and nkey['column'] == hop['column']) -%}
                            {%- set nrel = n['relation'] -%}
                            {%- set hlabel = label ~ '>' ~ n['name'] ~ '.' ~ nkey['column'] -%}
                            {%- set joined = " from " ~ rel ~ " as a inner join " ~ nrel ~ " as b on a." ~ adapter.quote(hop['column']) ~ " = b." ~ adapter.quote(nkey['column']) ~ " where a." ~ adapter.quote(key['column']) ~ " is not null" -%}
                            {%- do entries.append("select cast(a." ~ adapter.quote(key['column']) ~ " as varchar) as entity, '" ~ hlabel ~ ":' || " ~ governance_tuple('b', n['quasi']) ~ " as item" ~ joined) -%}
                            {%- for s in n['sensitive'] -%}
                                {%- do sensitives.append({'attribute': hlabel ~ '.' ~ s, 'sql': "select cast(a." ~ adapter.quote(key['column']) ~ " as varchar) as entity, cast(b." ~ adapter.quote(s) ~ " as varchar) as value" ~ joined}) -%}
                            {%- endfor -%}
                        {%- endfor -%}
                    {%- endfor -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set d = loop.index -%}
        {%- set sql -%}
select * from (
    with entries_{{ d }} as (
        {{ entries | join('\n        union all\n        ') }}
    ),

    profiles_{{ d }} as (
        select
            entity,
            string_agg(item, '§' order by item) as profile
        from entries_{{ d }}
        group by entity
    ),

    classes_{{ d }} as (
        select
            profile,
            count(*) as class_size
        from profiles_{{ d }}
        group by profile
    )
    {%- for s in sensitives %},

    sensitive_{{ d }}_{{ loop.index }} as (
        select
            entity,
            string_agg(distinct value, ',' order by value) as value_set
        from ({{ s['sql'] }}) as v
        where value is not null and lower(value) <> 'false'
        group by entity
    ),

    diversity_{{ d }}_{{ loop.index }} as (
        select
            p.profile,
            count(distinct s.value_set) as values_seen,
            count(*) - count(s.value_set) as without_value
        from profiles_{{ d }} as p
        left join sensitive_{{ d }}_{{ loop.index }} as s
            on p.entity = s.entity
        group by p.profile
    )
    {%- endfor %}

    select
        '{{ domain }}' as domain,
        md5(profile) as class_id,
        class_size,
        cast(null as varchar) as attribute,
        'class of ' || cast(class_size as varchar) || ' persons, fewer than k = {{ k }}' as problem
    from classes_{{ d }}
    where class_size < {{ k }}
    {%- for s in sensitives %}
    union all
    select
        '{{ domain }}' as domain,
        md5(dv.profile) as class_id,
        c.class_size,
        '{{ s['attribute'] }}' as attribute,
        'sensitive attribute takes one value in its class (distinct l < 2)' as problem
    from diversity_{{ d }}_{{ loop.index }} as dv
    inner join classes_{{ d }} as c
        on dv.profile = c.profile
    where dv.values_seen >= 1 and dv.values_seen + (case when dv.without_value > 0 then 1 else 0 end) < 2
    {%- endfor %}
) as domain_{{ d }}
        {%- endset -%}
        {%- do parts.append(sql) -%}
    {%- endfor -%}
    {%- if parts -%}
        {{ return(parts | join('\nunion all\n')) }}
    {%- else -%}
        {{ return("select cast(null as varchar) as domain, cast(null as varchar) as class_id, cast(null as bigint) as class_size, cast(null as varchar) as attribute, cast(null as varchar) as problem where false") }}
    {%- endif -%}
{% endmacro %}
