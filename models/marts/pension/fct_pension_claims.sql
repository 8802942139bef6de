{#- 裁定請求 received (裁定受付情報), one row per 受付番号 in its current state. The person is the
    pension's person (宛名番号, else the 基礎年金番号's person); the claimant (請求者) may be
    someone else (遺族). 診断書情報 and 証書番号 stay in the restricted layer. -#}
with claims as (
    select * from {{ ref('stg_nenkin__saitei') }}
),

persons as (
    select
        atena_no,
        person_pid
    from {{ ref('int_identity__person_pseudonyms') }}
),

keys as (
    select
        kiso_nenkin_no,
        person_pid
    from {{ ref('int_identity__kiso_keys') }}
),

kbn as (
    select * from {{ ref('code_nenkin_kbn') }}
),

final as (
    select
        cast(claims.uketsuke_no as varchar) as uketsuke_no,
        cast(coalesce(person.person_pid, keys.person_pid) as varchar) as person_pid,
        cast(claimant.person_pid as varchar) as claimant_pid,
        cast(
            claims.seikyusha_atena_no is null or claims.seikyusha_atena_no = claims.atena_no
            as boolean
        ) as is_claimant_the_person,
        cast(claims.nenkin_kbn as varchar) as nenkin_kbn,
        cast(kbn.nenkin_name as varchar) as nenkin_name,
        cast(claims.seikyu_date as date) as seikyu_date
    from claims
    left join persons as person
        on claims.atena_no = person.atena_no
    left join keys
        on claims.kiso_nenkin_no = keys.kiso_nenkin_no
    left join persons as claimant
        on claims.seikyusha_atena_no = claimant.atena_no
    left join kbn
        on cast(claims.nenkin_kbn as varchar) = cast(kbn.nenkin_kbn as varchar)
)

select * from final
