{#- Restricted mapping 宛名番号 → person pseudonym: one row per distinct 宛名番号 found in any staging
    model, the keyed pseudonym computed once per number. Marts join here; only re-identification
    (`nenkin-audit reidentify`) reads the number back. -#}
with identifiers as (
    select atena_no from {{ ref('stg_atena__person_history') }}
    union
    select setainushi_atena_no from {{ ref('stg_atena__persons') }}
    union
    select atena_no from {{ ref('stg_nenkin__kihon') }}
    union
    select atena_no from {{ ref('stg_nenkin__saitei') }}
    union
    select seikyusha_atena_no from {{ ref('stg_nenkin__saitei') }}
    union
    select atena_no from {{ ref('stg_nenkin__todokede') }}
    union
    select atena_no from {{ ref('stg_zei__shotoku') }}
    union
    select atena_no from {{ ref('stg_kiban__access_log') }}
    union
    select staff_atena_no from {{ ref('stg_kiban__staff_history') }}
),

distinct_identifiers as (
    select distinct atena_no
    from identifiers
    where atena_no is not null
),

key as (
    select {{ pseudonym_key_id() }} as key_id
),

final as (
    select
        distinct_identifiers.atena_no,
        key.key_id,
        {{ pseudonym("'person'", "distinct_identifiers.atena_no") }} as person_pid
    from distinct_identifiers
    cross join key
)

select * from final
