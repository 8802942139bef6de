-- Every self-check (自己点検) exception that concerns one member of staff between two days:
-- late revocation, 個人番号表示 without the right, contractor work out of scope, provisions
-- they sent outside the approval.
-- The parameters are the one row of investigation_params (nenkin-audit investigate binds them).
-- params: staff_id text, date_from date, date_to date
select
    evidence.control_code,
    controls.control_name_ja,
    evidence.item_date,
    evidence.rule_code,
    evidence.log_id,
    evidence.record_id,
    evidence.detail_ja
from fct_control_evidence as evidence
cross join investigation_params
inner join dim_controls as controls
    on evidence.control_code = controls.control_code
where
    evidence.staff_id = investigation_params.staff_id
    and evidence.is_exception
    and evidence.item_date between investigation_params.date_from and investigation_params.date_to
order by evidence.item_date, evidence.control_code, evidence.item_id
