{{ config(group="nenkin_warehouse") }}
-- Every control item is judged once: (control_code, item_id) is unique in the evidence.
select
    control_code,
    item_id,
    count(*) as copies
from {{ ref('int_controls__evidence') }}
group by control_code, item_id
having count(*) > 1
