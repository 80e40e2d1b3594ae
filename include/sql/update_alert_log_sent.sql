-- One row per alert and recipient: the message carrying it was accepted by the mail server.
update alert_log
set state = 'sent', attempts = attempts + 1, last_error = null, sent_at = :sent_at
where kind = :kind and period = :period and unit_code = :unit_code
    and indicator_code = :indicator_code and status = :status and recipient = :recipient and ref = :ref
    and state <> 'sent'
