-- One row per alert and recipient asked for: its delivery state and when a run claimed it for sending.
-- result types: claimed_at datetime
select state, claimed_at
from alert_log
where kind = :kind and period = :period and unit_code = :unit_code
    and indicator_code = :indicator_code and status = :status and recipient = :recipient and ref = :ref
