{#-
    Exemption cross-check (use purpose ②): for each exemption filing (code_todokede_shubetsu
    filing_domain 'exemption') with a JPS decision (code_jps_kekka outcome approved 承認, rejected
    却下 or partly_approved 一部承認), the class the applicant's income allows compared with
    the decision. The applicant is the filing's atena_no; the exemption year (nendo, July–June)
    is the one of the filing's taisho_date (免除期間の開始); its income is the shotoku row of the
    same nendo (前年所得, see int_filings__income_allowance).
    The class applied for is the filing's menjo_shurui, else the one its type implies
    (code_todokede_shubetsu.implied_menjo_shurui). Classes whose code_menjo_shurui.income_rule is
    'none' (法定免除, 産前産後免除) do not depend on income: check_kind 'not_income_based'.
-#}

with

decisions as (
    -- the JPS result codes of the three exemption decisions
    select
        max(case when outcome = 'approved' then kekka end) as approved_kekka,
        max(case when outcome = 'rejected' then kekka end) as rejected_kekka,
        max(case when outcome = 'partly_approved' then kekka end) as partly_approved_kekka
    from {{ ref('code_jps_kekka') }}
),

exemption_types as (
    select
        todokede_shubetsu,
        implied_menjo_shurui
    from {{ ref('code_todokede_shubetsu') }}
    where filing_domain = 'exemption'
),

classes as (
    select
        menjo_shurui,
        income_rule,
        income_grade
    from {{ ref('code_menjo_shurui') }}
),

decided as (
    select
        lifecycle.uketsuke_no,
        lifecycle.office_code,
        lifecycle.todokede_shubetsu,
        lifecycle.atena_no,
        lifecycle.taisho_date,
        lifecycle.menjo_shurui,
        lifecycle.uketsuke_date,
        lifecycle.shintatsu_date,
        lifecycle.list_id,
        lifecycle.row_no,
        lifecycle.result_list_date,
        lifecycle.result_kekka,
        lifecycle.result_menjo_shurui,
        lifecycle.as_of_date,
        exemption_types.implied_menjo_shurui,
        case
            when
                extract(month from lifecycle.taisho_date) >= 7
                then cast(extract(year from lifecycle.taisho_date) as integer)
            else cast(extract(year from lifecycle.taisho_date) as integer) - 1
        end as nendo
    from {{ ref('int_filings__lifecycle') }} as lifecycle
    inner join exemption_types
        on lifecycle.todokede_shubetsu = exemption_types.todokede_shubetsu
    cross join decisions
    where lifecycle.has_final_result
        and lifecycle.result_kekka in (
            decisions.approved_kekka, decisions.rejected_kekka, decisions.partly_approved_kekka
        )
),

with_income as (
    select
        d.*,
        coalesce(d.menjo_shurui, d.implied_menjo_shurui) as applied_shurui,
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
        with_income.*,
        applied.income_rule,
        case
            when applied.income_rule = 'none' then 'not_income_based'
            when not with_income.has_income_record then 'no_income_record'
            else 'income_rule'
        end as check_kind,
        case
            when not with_income.has_income_record then null
            when applied.income_rule = 'graded' then with_income.graded_allowed_shurui
            when applied.income_rule = 'student' and with_income.student_allowed then with_income.applied_shurui
            when applied.income_rule = 'deferment' and with_income.yuyo_allowed then with_income.applied_shurui
        end as allowed_shurui
    from with_income
    left join classes as applied
        on with_income.applied_shurui = applied.menjo_shurui
),

expected as (
    select
        classified.*,
        case
            when classified.check_kind <> 'income_rule' then null
            when classified.allowed_shurui is null then decisions.rejected_kekka
            when classified.income_rule in ('student', 'deferment') then decisions.approved_kekka
            when allowed.income_grade <= applied.income_grade then decisions.approved_kekka
            else decisions.partly_approved_kekka
        end as expected_kekka,
        decisions.approved_kekka,
        decisions.partly_approved_kekka
    from classified
    cross join decisions
    left join classes as applied
        on classified.applied_shurui = applied.menjo_shurui
    left join classes as allowed
        on classified.allowed_shurui = allowed.menjo_shurui
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
            when expected_kekka = approved_kekka then applied_shurui
            when expected_kekka = partly_approved_kekka then allowed_shurui
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
