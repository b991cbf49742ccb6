"""Set-based SQL of the operations dashboard, shared by the views, the alerts and the metrics."""

NOW = "(now() AT TIME ZONE 'UTC')"


def missing_statements_sql(now: str = NOW) -> str:
    """Connected accounts whose previous business day's statement has not arrived by their expected time.

    The time and time zone are the account's (connection account: *Statement expected by* and *Bank time
    zone*), else the company's, else 09:00 UTC. Business days are Monday to Friday of the bank's local
    date; on Monday the previous business day is Friday. ``now`` is an SQL expression of the UTC time
    (the views use the transaction's; tests pass a fixed one).
    """
    return f"""
    SELECT l.company_id, l.journal_id, l.connection_id, l.local_now, l.expected_hour, l.tz
      FROM (SELECT a.company_id, a.journal_id, a.connection_id,
                   COALESCE(NULLIF(a.treasury_statement_hour, 0), c.finance_treasury_statement_hour, 9)
                       AS expected_hour,
                   COALESCE(NULLIF(a.treasury_statement_tz, ''), NULLIF(c.finance_treasury_statement_tz, ''),
                            NULLIF(p.tz, ''), 'UTC') AS tz,
                   ((({now}) AT TIME ZONE 'UTC') AT TIME ZONE
                       COALESCE(NULLIF(a.treasury_statement_tz, ''), NULLIF(c.finance_treasury_statement_tz, ''),
                                NULLIF(p.tz, ''), 'UTC')) AS local_now
              FROM finance_bank_connection_account a
              JOIN finance_bank_connection k ON k.id = a.connection_id AND k.active
                   AND k.state IN ('active', 'error')
              JOIN res_company c ON c.id = a.company_id
              JOIN res_partner p ON p.id = c.partner_id) l
     WHERE extract(isodow FROM l.local_now) <= 5
       AND extract(hour FROM l.local_now) + extract(minute FROM l.local_now) / 60.0 >= l.expected_hour
       AND COALESCE((SELECT max(s.date) FROM account_bank_statement s WHERE s.journal_id = l.journal_id),
                    DATE '1900-01-01')
           < l.local_now::date - CASE extract(isodow FROM l.local_now)::int WHEN 1 THEN 3 ELSE 1 END
"""


MISSING_STATEMENTS_SQL = missing_statements_sql()

# Payment messages the bank got but never answered (no status event with their MsgId).
UNACKNOWLEDGED_SQL = f"""
    SELECT m.company_id, m.id AS message_id, m.connection_id
      FROM finance_outbox_message m JOIN res_company c ON c.id = m.company_id
     WHERE m.state = 'sent' AND left(m.message_type, 7) = 'payment'
       AND m.sent_at < {NOW} - make_interval(hours => COALESCE(c.finance_treasury_ack_hours, 4))
       AND NOT EXISTS (SELECT 1 FROM finance_status_event e WHERE e.msg_id = m.key AND e.company_id = m.company_id)
"""

def connections_sql(with_certificates: bool = False) -> str:
    """One row per active connection; with the REST toolkit installed, its certificate expiry too."""
    certificate = ("k.certificate_expires_on, k.certificate_expires_on - ({NOW})::date AS certificate_days_left"
                   if with_certificates else
                   "NULL::date AS certificate_expires_on, NULL::int AS certificate_days_left").replace("{NOW}", NOW)
    return f"""
    SELECT k.id, k.id AS connection_id, k.company_id, k.provider, k.state, k.last_success, k.next_run,
           k.consecutive_failures, k.consent_expires_on, k.last_error, {certificate},
           CASE WHEN k.state = 'active' AND k.next_run < {NOW}
                THEN (extract(epoch FROM {NOW} - k.next_run) / 60)::int ELSE 0 END AS lateness_minutes,
           CASE WHEN k.consent_expires_on IS NOT NULL THEN k.consent_expires_on - ({NOW})::date END
               AS consent_days_left,
           (SELECT count(*) FROM finance_sync_run r WHERE r.connection_id = k.id AND r.state = 'failed'
                AND r.started_at > {NOW} - interval '24 hours') AS failed_runs_24h,
           (SELECT count(*) FROM ({MISSING_STATEMENTS_SQL}) ms WHERE ms.connection_id = k.id)
               AS statements_missing
      FROM finance_bank_connection k
     WHERE k.active
"""


CONNECTIONS_SQL = connections_sql()


def companies_sql(with_hits: bool, with_webhooks: bool = False) -> str:
    """One row per company: queues, business signals, technical vs business failures.

    ``with_hits``: risk_screening is installed; ``with_webhooks``: the core's webhook inbox exists.
    """
    hits = ("(SELECT count(*) FROM risk_screening_hit h WHERE h.company_id = c.id AND h.state = 'open')"
            if with_hits else "0")
    webhooks = ("""(SELECT count(*) FROM finance_webhook_inbox w WHERE w.company_id = c.id AND w.state = 'queued')
               AS webhook_backlog,
           COALESCE((SELECT (extract(epoch FROM {now} - min(w.received_at)) / 60)::int
                       FROM finance_webhook_inbox w WHERE w.company_id = c.id AND w.state = 'queued'), 0)
               AS webhook_oldest_minutes,
           (SELECT count(*) FROM finance_webhook_inbox w WHERE w.company_id = c.id AND w.state = 'failed')
               AS webhook_failed""".replace("{now}", NOW) if with_webhooks else
                "0 AS webhook_backlog, 0 AS webhook_oldest_minutes, 0 AS webhook_failed")
    today = f"({NOW})::date"
    return f"""
    SELECT c.id, c.id AS company_id, x.*,
           x.connections_error + x.failed_runs_24h + x.dead_letters + x.outbox_failed + x.webhook_failed
               AS technical_failures,
           x.statements_missing + x.payments_unacknowledged + x.exceptions_backlog AS business_failures
      FROM res_company c, LATERAL (SELECT
           (SELECT count(*) FROM finance_bank_connection k WHERE k.company_id = c.id AND k.active
                AND k.state = 'error') AS connections_error,
           (SELECT count(*) FROM finance_sync_run r WHERE r.company_id = c.id AND r.state = 'failed'
                AND r.started_at > {NOW} - interval '24 hours') AS failed_runs_24h,
           (SELECT count(*) FROM finance_outbox_message m WHERE m.company_id = c.id AND m.state = 'queued')
               AS outbox_queued,
           (SELECT count(*) FROM finance_outbox_message m WHERE m.company_id = c.id AND m.state = 'sending')
               AS outbox_sending,
           (SELECT count(*) FROM finance_outbox_message m WHERE m.company_id = c.id AND m.state = 'failed')
               AS outbox_failed,
           (SELECT count(*) FROM finance_outbox_message m WHERE m.company_id = c.id AND m.state = 'dead')
               AS dead_letters,
           COALESCE((SELECT (extract(epoch FROM {NOW} - min(m.create_date)) / 60)::int
                       FROM finance_outbox_message m WHERE m.company_id = c.id
                        AND m.state IN ('queued', 'sending', 'failed')), 0) AS outbox_oldest_minutes,
           (SELECT count(*) FROM ({MISSING_STATEMENTS_SQL}) ms WHERE ms.company_id = c.id)
               AS statements_missing,
           (SELECT count(*) FROM ({UNACKNOWLEDGED_SQL}) ua WHERE ua.company_id = c.id)
               AS payments_unacknowledged,
           (SELECT count(*) FROM finance_status_event e WHERE e.company_id = c.id
                AND e.state IN ('unmatched', 'error'))
             + (SELECT count(*) FROM finance_file_import f WHERE f.company_id = c.id AND f.state = 'failed')
             + {hits} AS exceptions_backlog,
           (SELECT count(*) FROM finance_file_import f WHERE f.company_id = c.id AND f.state = 'failed')
               AS failed_imports,
           {hits} AS open_hits,
           COALESCE((SELECT sum(r.lines_skipped) FROM finance_sync_run r WHERE r.company_id = c.id
                       AND r.started_at::date = {today}), 0)
             + COALESCE((SELECT sum(f.lines_skipped) FROM finance_file_import f WHERE f.company_id = c.id
                           AND f.create_date::date = {today}), 0) AS duplicate_lines_today,
           (SELECT count(*) FROM finance_file_import f WHERE f.company_id = c.id AND f.state = 'duplicate'
                AND f.create_date::date = {today}) AS duplicate_files_today,
           (SELECT count(*) FROM finance_treasury_alert a WHERE a.company_id = c.id AND a.state = 'open')
               AS open_alerts,
           {webhooks}
      ) x
    """
