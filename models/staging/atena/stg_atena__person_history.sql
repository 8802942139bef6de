-- 宛名 history (SCD2): one version per atena_no and changed_at, valid from its changed_at until
-- the next version's. A `D` is kept as the version that ends the person (is_deleted).
-- Two deliveries of the same change (same changed_at) are one version: the later delivery's.

with

versions as (
    {{ latest_rows(ref('base_atena__atena'), ['atena_no', 'changed_at'], change_order()) }}
),

final as (
    select
        atena_no,
        setai_no,
        ward_code,
        jumin_kbn,
        sex,
        birth_date,
        shojo_date,
        shojo_jiyu,
        coalesce(shori_teishi = '1', false) as is_protected,
        changed_at as valid_from,
        lead(changed_at) over (partition by atena_no order by changed_at) as valid_to,
        lead(changed_at) over (partition by atena_no order by changed_at) is null as is_current,
        change_type = 'D' as is_deleted,
        _file_name,
        _line_no
    from versions
)

select * from final
