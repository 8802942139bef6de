{#- 裁定請求 received (裁定受付情報), one row per 受付番号 in its current state: a case fact like
    fct_filings, identified by its 受付番号 only. No person pseudonym: the 受付番号 spells the claim
    date and the pension kind is sensitive, so a claim keyed on a person would single the person
    out (restricted models link claims to persons). Whether the claimant (請求者) is the person
    (else 遺族) is kept. 診断書情報 and 証書番号 stay in the restricted layer. -#}
with claims as (
    select * from {{ ref('stg_nenkin__saitei') }}
),

kbn as (
    select * from {{ ref('code_nenkin_kbn') }}
),

final as (
    select
        cast(claims.uketsuke_no as varchar) as uketsuke_no,
        cast(
            claims.seikyusha_atena_no is null or claims.seikyusha_atena_no = claims.atena_no
            as boolean
        ) as is_claimant_the_person,
        cast(claims.nenkin_kbn as varchar) as nenkin_kbn,
        cast(kbn.nenkin_name as varchar) as nenkin_name,
        cast(claims.seikyu_date as date) as seikyu_date
    from claims
    left join kbn
        on cast(claims.nenkin_kbn as varchar) = cast(kbn.nenkin_kbn as varchar)
)

select * from final
