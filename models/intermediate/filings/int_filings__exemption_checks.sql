{#-
    Exemption cross-check (use purpose ②): for each exemption filing (types 31–35) with a JPS
    decision (承認 4, 却下 5, 一部承認 6), the class the applicant's income allows compared with
    the decision. The applicant is the filing's atena_no; the exemption year (nendo, July–June)
    is the one of the filing's taisho_date (免除期間の開始); its income is the shotoku row of the
    same nendo (前年所得, see int_filings__income_allowance).
    31 法定免除 and 35 産前産後免除 do not depend on income: check_kind 'not_income_based'.
-#}

with

decided as (
    select
        uketsuke_no,
        office_code,
        todokede_shubetsu,
        atena_no,
        taisho_date,
        menjo_shurui,
        uketsuke_date,
        shintatsu_date,
        list_id,
        row_no,
        result_list_date,
        result_kekka,
        result_menjo_shurui,
        as_of_date,
        case
            when extract(month from taisho_date) >= 7 then cast(extract(year from taisho_date) as integer)
            else cast(extract(year from taisho_date) as integer) - 1
        end as nendo
    from {{ ref('int_filings__lifecycle') }}
    where todokede_shubetsu in ('31', '32', '33', '34', '35')
        and has_final_result
        and result_kekka in ('4', '5', '6')
),

with_income as (
    select
        d.*,
        coalesce(
            d.menjo_shurui,
            case d.todokede_shubetsu
                when '31' then '01'
                when '33' then '06'
                when '34' then '07'
                when '35' then '08'
            end
        ) as applied_shurui,
        a.atena_no is not null as has_income_record,
        a.allowed_shurui as graded_allowed_shurui,
        a.student_allowed,
        a.yuyo_allowed
    from decided as d
    left join {{ ref('int_filings__income_allowance') }} as a
        on d.atena_no = a.atena_no
            and d.nendo = a.nendo
),

classified as (
    select
        *,
        case
            when applied_shurui not in ('02', '03', '04', '05', '06', '07') then 'not_income_based'
            when not has_income_record then 'no_income_record'
            else 'income_rule'
        end as check_kind,
        case
            when not has_income_record then null
            when applied_shurui in ('02', '03', '04', '05') then graded_allowed_shurui
            when applied_shurui = '06' and student_allowed then '06'
            when applied_shurui = '07' and yuyo_allowed then '07'
        end as allowed_shurui
    from with_income
),

expected as (
    select
        *,
        case
            when check_kind <> 'income_rule' then null
            when allowed_shurui is null then '5'
            when applied_shurui in ('06', '07') then '4'
            when allowed_shurui <= applied_shurui then '4'
            else '6'
        end as expected_kekka
    from classified
),

final as (
    select
        uketsuke_no,
        office_code,
        todokede_shubetsu,
        atena_no,
        nendo,
        applied_shurui,
        allowed_shurui,
        result_kekka as jps_kekka,
        result_menjo_shurui as jps_menjo_shurui,
        expected_kekka,
        case
            when expected_kekka = '4' then applied_shurui
            when expected_kekka = '6' then allowed_shurui
        end as expected_menjo_shurui,
        check_kind,
        check_kind = 'income_rule' and result_kekka <> expected_kekka as is_disagreement,
        list_id,
        row_no,
        uketsuke_date,
        shintatsu_date,
        result_list_date,
        as_of_date
    from expected
)

select * from final
