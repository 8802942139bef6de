{#- Restricted mapping 基礎年金番号 → person. Pension records (資格, 付加, 免除, filings, JPS results)
    carry the 基礎年金番号; the person is the one the current 年金基本 links it to (its 宛名番号, one
    and only one). A 基礎年金番号 without such a link gets an internal key of its own
    (pseudonym kind 'kiso') so its records still group by person without revealing the number. -#}
with identifiers as (
    select kiso_nenkin_no from {{ ref('stg_nenkin__kihon') }}
    union
    select kiso_nenkin_no from {{ ref('stg_nenkin__shikaku') }}
    union
    select kiso_nenkin_no from {{ ref('stg_nenkin__fuka') }}
    union
    select kiso_nenkin_no from {{ ref('stg_nenkin__menjo') }}
    union
    select kiso_nenkin_no from {{ ref('stg_nenkin__saitei') }}
    union
    select kiso_nenkin_no from {{ ref('stg_nenkin__todokede') }}
    union
    select kiso_nenkin_no from {{ ref('stg_jps__kekka') }}
),

distinct_identifiers as (
    select distinct kiso_nenkin_no
    from identifiers
    where kiso_nenkin_no is not null
),

kihon_links as (
    -- a 基礎年金番号 held by exactly one current 年金基本 record
    select
        kiso_nenkin_no,
        min(atena_no) as atena_no
    from {{ ref('stg_nenkin__kihon') }}
    where kiso_nenkin_no is not null
    group by kiso_nenkin_no
    having count(distinct atena_no) = 1
),

key as (
    select {{ pseudonym_key_id() }} as key_id
),

keyed as (
    -- the pseudonym computed once per distinct number
    select
        kiso_nenkin_no,
        {{ pseudonym("'kiso'", "kiso_nenkin_no") }} as kiso_pid
    from distinct_identifiers
),

final as (
    select
        keyed.kiso_nenkin_no,
        kihon_links.atena_no,
        keyed.kiso_pid,
        key.key_id,
        coalesce(persons.person_pid, keyed.kiso_pid) as person_pid,
        case when persons.person_pid is not null then 'atena' else 'kiso' end as person_pid_source
    from keyed
    left join kihon_links
        on keyed.kiso_nenkin_no = kihon_links.kiso_nenkin_no
    left join {{ ref('int_identity__person_pseudonyms') }} as persons
        on kihon_links.atena_no = persons.atena_no
    cross join key
)

select * from final
