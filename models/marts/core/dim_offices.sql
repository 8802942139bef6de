{#- Offices and departments (office_code on filings, dept_code on staff, terminals and access
    lines use the same codes), from the code-set seed. -#}
with offices as (
    select * from {{ ref('code_offices') }}
),

wards as (
    select * from {{ ref('code_wards') }}
),

final as (
    select
        cast(offices.office_code as varchar) as office_code,
        cast(offices.office_name as varchar) as office_name,
        cast(offices.office_kind as varchar) as office_kind,
        cast(offices.ward_code as varchar) as ward_code,
        cast(wards.ward_name as varchar) as ward_name,
        cast(offices.serves_residents as boolean) as is_counter_office
    from offices
    left join wards
        on cast(offices.ward_code as varchar) = cast(wards.ward_code as varchar)
)

select * from final
