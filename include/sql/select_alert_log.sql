-- One row per logged alert of one kind and period (every recipient, every state).
select kind, period, unit_code, indicator_code, status, recipient, ref, state, attempts, sent_at
from alert_log
where kind = :kind and period = :period
order by alert_id
