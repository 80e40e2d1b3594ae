-- One row per alert and recipient: the send failed; the next run retries it.
update alert_log
set state = 'failed', attempts = attempts + 1, last_error = :last_error
where kind = :kind and period = :period and unit_code = :unit_code
    and indicator_code = :indicator_code and status = :status and recipient = :recipient and ref = :ref
    and state <> 'sent'
