-- One row per alert and recipient: an undelivered alert that is no longer true is not retried.
update alert_log
set state = 'superseded'
where kind = :kind and period = :period and unit_code = :unit_code
    and indicator_code = :indicator_code and status = :status and recipient = :recipient and ref = :ref
    and state in ('pending', 'failed')
