{#-
    The exemption classes each income record allows: the rule of seed menjo_income_thresholds
    (the same rule as nenkin_audit.menjo_rules, see its docstring), for every
    (atena_no, nendo) of stg_zei__shotoku. Which classes are graded (the most generous one
    allowed is kept), student or deferment is code_menjo_shurui.income_rule. Exemption year N
    uses the shotoku row of nendo N (住民税 課税年度 N = income of calendar year N−1, the
    前年所得). Restricted (atena_no, income).
-#}

with

income as (
    select
        atena_no,
        nendo,
        coalesce(gokei_shotoku, 0) as gokei_shotoku,
        coalesce(ippan_fuyo, 0) as ippan_fuyo,
        coalesce(rojin_fuyo, 0) as rojin_fuyo,
        coalesce(tokutei_fuyo, 0) as tokutei_fuyo,
        coalesce(nensho_fuyo, 0) as nensho_fuyo,
        coalesce(kojo_haigusha, 0) as kojo_haigusha,
        coalesce(shogaisha_fuyo, 0) as shogaisha_fuyo,
        coalesce(tokubetsu_shogaisha_fuyo, 0) as tokubetsu_shogaisha_fuyo,
        coalesce(honnin_shogai, 0) as honnin_shogai,
        coalesce(honnin_kafu, 0) as honnin_kafu,
        coalesce(honnin_kinro_gakusei, 0) as honnin_kinro_gakusei,
        coalesce(shakai_hoken_kojo, 0) as shakai_hoken_kojo,
        coalesce(zasson_kojo, 0) as zasson_kojo,
        coalesce(iryohi_kojo, 0) as iryohi_kojo,
        coalesce(haigusha_tokubetsu_kojo, 0) as haigusha_tokubetsu_kojo
    from {{ ref('stg_zei__shotoku') }}
),

rules as (
    select
        valid_from_nendo,
        valid_to_nendo,
        menjo_shurui,
        formula,
        coalesce(base_yen, 0) as base_yen,
        coalesce(per_head_yen, 0) as per_head_yen,
        coalesce(fuyo_ippan_yen, 0) as fuyo_ippan_yen,
        coalesce(fuyo_rojin_yen, 0) as fuyo_rojin_yen,
        coalesce(fuyo_tokutei_yen, 0) as fuyo_tokutei_yen,
        coalesce(deduct_kojo, false) as deduct_kojo,
        coalesce(shogai_yen, 0) as shogai_yen,
        coalesce(tokubetsu_shogai_yen, 0) as tokubetsu_shogai_yen,
        coalesce(kafu_yen, 0) as kafu_yen,
        coalesce(hitorioya_yen, 0) as hitorioya_yen,
        coalesce(kinro_gakusei_yen, 0) as kinro_gakusei_yen,
        special_limit_yen
    from {{ ref('menjo_income_thresholds') }}
),

evaluated as (
    select
        i.atena_no,
        i.nendo,
        r.menjo_shurui,
        i.gokei_shotoku
        - case
            when r.deduct_kojo
                then
                    i.shakai_hoken_kojo
                    + i.zasson_kojo
                    + i.iryohi_kojo
                    + i.haigusha_tokubetsu_kojo
                    + case when i.honnin_shogai = 1 then r.shogai_yen else 0 end
                    + case when i.honnin_shogai = 2 then r.tokubetsu_shogai_yen else 0 end
                    + i.shogaisha_fuyo * r.shogai_yen
                    + i.tokubetsu_shogaisha_fuyo * r.tokubetsu_shogai_yen
                    + case when i.honnin_kafu = 1 then r.kafu_yen else 0 end
                    + case when i.honnin_kafu = 2 then r.hitorioya_yen else 0 end
                    + case when i.honnin_kinro_gakusei = 1 then r.kinro_gakusei_yen else 0 end
            else 0
        end as tested_income_yen,
        case
            when r.formula = 'count_plus_one'
                then
                    case
                        when
                            r.special_limit_yen is not null
                            and (i.honnin_shogai > 0 or i.honnin_kafu > 0)
                            and r.special_limit_yen > (
                                i.ippan_fuyo + i.rojin_fuyo + i.tokutei_fuyo + i.nensho_fuyo
                                + i.kojo_haigusha + 1
                            ) * r.per_head_yen + r.base_yen
                            then r.special_limit_yen
                        else (
                            i.ippan_fuyo + i.rojin_fuyo + i.tokutei_fuyo + i.nensho_fuyo
                            + i.kojo_haigusha + 1
                        ) * r.per_head_yen + r.base_yen
                    end
            else
                r.base_yen
                + (i.ippan_fuyo + i.nensho_fuyo + i.kojo_haigusha) * r.fuyo_ippan_yen
                + i.rojin_fuyo * r.fuyo_rojin_yen
                + i.tokutei_fuyo * r.fuyo_tokutei_yen
        end as limit_yen
    from income as i
    inner join rules as r
        on i.nendo >= r.valid_from_nendo
            and (r.valid_to_nendo is null or i.nendo <= r.valid_to_nendo)
),

classes as (
    -- how each exemption class is decided by income (graded classes ordered by income_grade)
    select
        menjo_shurui,
        income_rule,
        income_grade
    from {{ ref('code_menjo_shurui') }}
),

allowed as (
    select
        evaluated.atena_no,
        evaluated.nendo,
        min(
            case
                when classes.income_rule = 'graded' and evaluated.tested_income_yen <= evaluated.limit_yen
                    then classes.income_grade
            end
        ) as allowed_grade,
        coalesce(
            bool_or(classes.income_rule = 'student' and evaluated.tested_income_yen <= evaluated.limit_yen),
            false
        ) as student_allowed,
        coalesce(
            bool_or(classes.income_rule = 'deferment' and evaluated.tested_income_yen <= evaluated.limit_yen),
            false
        ) as yuyo_allowed
    from evaluated
    left join classes
        on evaluated.menjo_shurui = classes.menjo_shurui
    group by evaluated.atena_no, evaluated.nendo
),

final as (
    select
        allowed.atena_no,
        allowed.nendo,
        classes.menjo_shurui as allowed_shurui,
        allowed.student_allowed,
        allowed.yuyo_allowed
    from allowed
    left join classes
        on classes.income_rule = 'graded'
            and allowed.allowed_grade = classes.income_grade
)

select * from final
