{#- Restricted. A person's state over time for the access audit: one row per 宛名 version with its
    世帯番号, ward and 支援措置, valid from valid_from to valid_to (timestamps; the last version
    open until 9999-12-31). A look-up before a person's first version (an arrival keyed in just
    after the look-up) sees that first version, so the first version is open to the past. The
    one definition of "at the time of access" for own household and the subject's ward. -#}
with versions as (
    select
        atena_no,
        setai_no,
        ward_code,
        is_protected,
        valid_from,
        valid_to,
        min(valid_from) over (partition by atena_no) as first_valid_from
    from {{ ref('stg_atena__person_history') }}
),

final as (
    select
        atena_no,
        setai_no,
        ward_code,
        is_protected,
        case
            when valid_from = first_valid_from then cast('1900-01-01 00:00:00' as timestamp)
            else valid_from
        end as valid_from,
        coalesce(valid_to, cast('9999-12-31 00:00:00' as timestamp)) as valid_to
    from versions
)

select * from final
