"""Set-based SQL of the cash position (one statement, no per-line Python).

Every figure comes from tables the suite already fills: ``finance_bank_balance`` (camt.053 / MT940 62F /
API closingBooked and the interim camt.052 / MT942 / interimAvailable balances), the statements and their
lines, account.payment (payments posted but not yet matched to a statement line) plus whatever the
in-transit hook adds, and the open receivable/payable journal items.
"""
from .horizons import bucket_sql

REPORTING_CURRENCY_PARAM = "finance_bridge_treasury.reporting_currency_id"

# Latest rate of a currency for a company at the day (Odoo stores units of currency per unit of the
# company currency; company-specific rates win over shared ones).
RATE_SQL = """COALESCE((SELECT r.rate FROM res_currency_rate r
                          WHERE r.currency_id = {cur} AND r.name <= CURRENT_DATE
                            AND (r.company_id = {company} OR r.company_id IS NULL)
                          ORDER BY r.company_id NULLS LAST, r.name DESC LIMIT 1), 1.0)"""


def convert(amount, from_cur, to_cur, company):
    """SQL expression converting ``amount`` between currencies at the company's rates of the day."""
    return (f"CASE WHEN {from_cur} = {to_cur} THEN ({amount}) ELSE "
            f"({amount}) * {RATE_SQL.format(cur=to_cur, company=company)} "
            f"/ {RATE_SQL.format(cur=from_cur, company=company)} END")


def reporting_currency():
    """SQL expression: the configured reporting currency, else the first company's currency."""
    return (f"COALESCE((SELECT NULLIF(value, '')::int FROM ir_config_parameter WHERE key = "
            f"'{REPORTING_CURRENCY_PARAM}'), (SELECT currency_id FROM res_company ORDER BY id LIMIT 1))")


def accounts_sql():
    """One row per active bank journal: balances, freshness and continuity."""
    return f"""
    WITH journals AS (
        SELECT j.id AS journal_id, j.company_id, COALESCE(j.currency_id, c.currency_id) AS currency_id,
               c.currency_id AS company_currency_id, j.bank_account_id,
               COALESCE(c.finance_treasury_stale_hours, 26) AS stale_hours
          FROM account_journal j JOIN res_company c ON c.id = j.company_id
         WHERE j.type = 'bank' AND j.active
    ), booked AS (
        SELECT DISTINCT ON (b.journal_id) b.journal_id, b.date, b.amount, b.write_date
          FROM finance_bank_balance b WHERE b.kind = 'booked' AND b.position = 'closing'
         ORDER BY b.journal_id, b.date DESC
    ), interim AS (
        SELECT DISTINCT ON (b.journal_id) b.journal_id, b.date, b.amount, b.write_date
          FROM finance_bank_balance b WHERE b.kind IN ('available', 'intraday')
         ORDER BY b.journal_id, b.date DESC, b.write_date DESC
    ), stmt AS (
        SELECT DISTINCT ON (s.journal_id) s.journal_id, s.date, s.balance_end_real AS amount, s.write_date
          FROM account_bank_statement s WHERE s.date IS NOT NULL
         ORDER BY s.journal_id, s.date DESC, s.id DESC
    ), gaps AS (
        SELECT s.journal_id, count(*) AS n FROM account_bank_statement s
         WHERE s.finance_continuity = 'gap' AND s.date > CURRENT_DATE - 31 GROUP BY s.journal_id
    ), conn AS (
        SELECT DISTINCT ON (a.journal_id) a.journal_id, a.connection_id,
               CASE k.interval_type WHEN 'minutes' THEN k.interval_number / 60.0
                    WHEN 'hours' THEN k.interval_number ELSE k.interval_number * 24 END AS interval_hours
          FROM finance_bank_connection_account a JOIN finance_bank_connection k ON k.id = a.connection_id
         WHERE k.active ORDER BY a.journal_id, a.id
    ), ref AS (
        SELECT j.*, conn.connection_id, conn.interval_hours,
               CASE WHEN booked.date IS NOT NULL AND (stmt.date IS NULL OR booked.date >= stmt.date)
                    THEN booked.date ELSE stmt.date END AS booked_date,
               CASE WHEN booked.date IS NOT NULL AND (stmt.date IS NULL OR booked.date >= stmt.date)
                    THEN booked.amount ELSE stmt.amount END AS booked_balance,
               interim.amount AS interim_balance, interim.date AS interim_date, interim.write_date AS interim_at,
               GREATEST(booked.write_date, stmt.write_date, interim.write_date) AS last_balance_at,
               COALESCE(gaps.n, 0) AS continuity_gaps
          FROM journals j
          LEFT JOIN booked ON booked.journal_id = j.journal_id
          LEFT JOIN interim ON interim.journal_id = j.journal_id
          LEFT JOIN stmt ON stmt.journal_id = j.journal_id
          LEFT JOIN gaps ON gaps.journal_id = j.journal_id
          LEFT JOIN conn ON conn.journal_id = j.journal_id
    ), since AS (
        -- Odoo's internal_index starts with the line's date (YYYYMMDD): the lines after the booked
        -- balance are one range of the (journal_id, internal_index) index, read index-only.
        SELECT ref.journal_id, COALESCE(s.amount, 0) AS amount, COALESCE(s.lines, 0) AS lines
          FROM ref LEFT JOIN LATERAL (
               SELECT sum(l.amount) AS amount, count(*) AS lines FROM account_bank_statement_line l
                WHERE l.journal_id = ref.journal_id
                  AND l.internal_index >= to_char(COALESCE(ref.booked_date + 1, DATE '1900-01-01'), 'YYYYMMDD')
          ) s ON true
    ), rep AS (SELECT {reporting_currency()} AS currency_id)
    SELECT ref.journal_id AS id, ref.journal_id, ref.company_id, ref.currency_id, ref.company_currency_id,
           rep.currency_id AS reporting_currency_id, ref.bank_account_id, ref.connection_id,
           ref.booked_date, COALESCE(ref.booked_balance, 0) AS booked_balance,
           ref.interim_balance, ref.interim_date, ref.interim_at,
           since.lines AS lines_since, since.amount AS lines_since_amount,
           COALESCE(ref.booked_balance, 0) + since.amount AS balance,
           round(({convert("COALESCE(ref.booked_balance, 0) + since.amount", "ref.currency_id",
                           "ref.company_currency_id", "ref.company_id")})::numeric, 2) AS balance_company,
           round(({convert("COALESCE(ref.booked_balance, 0) + since.amount", "ref.currency_id",
                           "rep.currency_id", "ref.company_id")})::numeric, 2) AS balance_reporting,
           ref.last_balance_at,
           (extract(epoch FROM (now() AT TIME ZONE 'UTC') - ref.last_balance_at) / 3600.0)::numeric(12, 2)
               AS balance_age_hours,
           GREATEST(ref.stale_hours, COALESCE(ref.interval_hours, 0)) AS stale_after_hours,
           (ref.last_balance_at IS NULL OR (now() AT TIME ZONE 'UTC') - ref.last_balance_at
               > make_interval(secs => GREATEST(ref.stale_hours, COALESCE(ref.interval_hours, 0)) * 3600))
               AS stale,
           ref.continuity_gaps, ref.continuity_gaps > 0 AS continuity_warning,
           ref.currency_id != rep.currency_id AS other_than_reporting
      FROM ref JOIN since ON since.journal_id = ref.journal_id CROSS JOIN rep
    """


def default_transit_sql():
    """Payments posted through an outstanding account and not yet matched to a statement line (Odoo's own).

    Odoo marks a payment paid once it settles its invoice; it stays unmatched (``is_matched``) until a
    statement line clears its outstanding receipt/payment line — that is the moment it leaves transit.
    """
    return """
        SELECT 'payment' AS source, p.company_id, p.journal_id, p.currency_id,
               CASE WHEN p.payment_type = 'inbound' THEN p.amount ELSE -p.amount END AS amount,
               p.date AS due_date
          FROM account_payment p JOIN account_journal j ON j.id = p.journal_id
         WHERE j.type = 'bank' AND p.state IN ('in_process', 'paid') AND p.is_matched IS NOT TRUE
           AND p.outstanding_account_id IS NOT NULL
    """


def position_lines_sql(transit_sources):
    """Every amount of the position, each counted once: balance | transit | receivable | payable."""
    transit = " UNION ALL ".join(f"({sql})" for sql in transit_sources) or (
        "SELECT NULL::varchar AS source, NULL::int AS company_id, NULL::int AS journal_id, "
        "NULL::int AS currency_id, 0::numeric AS amount, NULL::date AS due_date WHERE false")
    bucket = bucket_sql("COALESCE(aml.date_maturity, aml.date)")
    return f"""
    WITH acc AS ({accounts_sql()}),
    items AS (
        SELECT 'balance'::varchar AS category, acc.company_id, acc.journal_id, acc.currency_id,
               acc.balance AS amount, NULL::int AS horizon, acc.booked_date AS date
          FROM acc
        UNION ALL
        SELECT 'transit_' || CASE WHEN t.amount >= 0 THEN 'in' ELSE 'out' END, t.company_id, t.journal_id,
               COALESCE(t.currency_id, c.currency_id), t.amount, NULL::int, t.due_date
          FROM ({transit}) t JOIN res_company c ON c.id = t.company_id
        UNION ALL
        SELECT CASE WHEN a.account_type = 'asset_receivable' THEN 'receivable' ELSE 'payable' END,
               aml.company_id, NULL::int, COALESCE(aml.currency_id, c.currency_id),
               CASE WHEN aml.currency_id IS NULL OR aml.currency_id = c.currency_id THEN aml.amount_residual
                    ELSE aml.amount_residual_currency END,
               {bucket}, COALESCE(aml.date_maturity, aml.date)
          FROM account_move_line aml
          JOIN account_account a ON a.id = aml.account_id
          JOIN res_company c ON c.id = aml.company_id
         WHERE a.account_type IN ('asset_receivable', 'liability_payable') AND aml.parent_state = 'posted'
           AND NOT aml.reconciled AND aml.amount_residual != 0
           AND COALESCE(aml.date_maturity, aml.date) <= CURRENT_DATE + 90
    ), rep AS (SELECT {reporting_currency()} AS currency_id)
    SELECT row_number() OVER (ORDER BY i.company_id, i.category, i.journal_id, i.currency_id, i.horizon,
                                       i.date) AS id,
           i.category, i.company_id, i.journal_id, i.currency_id, c.currency_id AS company_currency_id,
           rep.currency_id AS reporting_currency_id, i.horizon, i.date, i.amount,
           round(({convert("i.amount", "i.currency_id", "c.currency_id", "i.company_id")})::numeric, 2)
               AS amount_company,
           round(({convert("i.amount", "i.currency_id", "rep.currency_id", "i.company_id")})::numeric, 2)
               AS amount_reporting
      FROM items i JOIN res_company c ON c.id = i.company_id CROSS JOIN rep
    """


def position_summary_sql(transit_sources):
    """One row per company: balances, transit and the position at each horizon."""
    def upto(h):
        return f"sum(amount_{{cur}}) FILTER (WHERE category IN ('balance', 'transit_in', 'transit_out') " \
               f"OR horizon <= {h})"
    cols = []
    for cur in ("company", "reporting"):
        cols.append(f"COALESCE(sum(amount_{cur}) FILTER (WHERE category = 'balance'), 0) AS balance_{cur}")
        cols.append(f"COALESCE(sum(amount_{cur}) FILTER (WHERE category IN ('transit_in', 'transit_out')), 0) "
                    f"AS transit_{cur}")
        for h in (0, 7, 30, 90):
            cols.append(f"COALESCE({upto(h).format(cur=cur)}, 0) AS position_{h}_{cur}")
    return f"""
    SELECT l.company_id AS id, l.company_id, min(l.company_currency_id) AS company_currency_id,
           min(l.reporting_currency_id) AS reporting_currency_id, {", ".join(cols)}
      FROM ({position_lines_sql(transit_sources)}) l GROUP BY l.company_id
    """
