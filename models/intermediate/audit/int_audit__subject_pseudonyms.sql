{#- Restricted. The subject of an access line as the access area's pseudonym (domain
    'access_subject', int_identity__domain_pseudonyms): one row per 宛名番号 looked at. The
    access-audit marts publish this pseudonym, which cannot be joined to dim_persons or to any
    other area's facts. -#}
with pseudonyms as (
    select * from {{ ref('int_identity__domain_pseudonyms') }}
),

final as (
    select
        atena_no,
        domain_pid as subject_pid
    from pseudonyms
    where domain = 'access_subject' and atena_no is not null
)

select * from final
