{#- One row per terminal user (職員・委託作業者) as of the latest staff snapshot. staff_id is the
    employee / account id of the 統合基盤: published on purpose, the access audit is about staff.
    The member's own 宛名番号 is not published (only used, restricted, to flag accesses to one's
    own record or household in fct_access_events). -#}
with staff as (
    select * from {{ ref('stg_kiban__staff') }}
),

roles as (
    select * from {{ ref('code_roles') }}
),

statuses as (
    select * from {{ ref('code_account_status') }}
),

final as (
    select
        cast(staff.staff_id as varchar) as staff_id,
        cast(staff.dept_code as varchar) as dept_code,
        cast(staff.role as varchar) as role,  -- noqa: RF04
        cast(roles.role_name as varchar) as role_name,
        cast(roles.is_contractor or staff.contractor_code is not null as boolean) as is_contractor,
        cast(staff.contractor_code as varchar) as contractor_code,
        cast(staff.may_display_kojin_no as boolean) as has_number_display_permission,
        cast(staff.account_status as varchar) as account_status,
        cast(statuses.account_status_name as varchar) as account_status_name,
        cast(statuses.is_active as boolean) as is_active,
        cast(staff.account_valid_from as date) as account_valid_from,
        cast(staff.account_valid_to as date) as account_valid_to,
        cast(staff.last_snapshot_date as date) as last_snapshot_date
    from staff
    left join roles
        on cast(staff.role as varchar) = cast(roles.role as varchar)
    left join statuses
        on cast(staff.account_status as varchar) = cast(statuses.account_status as varchar)
)

select * from final
