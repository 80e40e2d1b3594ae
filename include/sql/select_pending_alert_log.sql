-- One row per alert of one kind still to be delivered (written before a send that failed or never ended).
-- result types: detail json
select kind, period, unit_code, indicator_code, status, recipient, ref, detail
from alert_log
where kind = :kind and state in ('pending', 'failed')
order by alert_id
