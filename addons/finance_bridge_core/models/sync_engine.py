"""The sync engine: one run of a connection, driven by its provider's capabilities, and the one
entry point through which every statement, balance and status event enters Odoo.

* ``_run(connection, trigger)`` — one synchronisation attempt in the caller's transaction: a
  ``finance.sync.run``, the provider with its context and state, the capabilities driven in
  order (FILES or STATEMENTS, then BALANCES, then STATUS), the cursors saved with the data under
  one savepoint; on failure the data rolls back, the provider's state writes are re-applied and
  the connection backs off (``RetryAfter``: not before the bank's time).
* ``_ingest(progress, ...)`` — THE ingestion entry point, used by API syncs, file channels and
  uploads alike: statements (whole or in chunks) to their journal, balances, status events; it
  returns the ``SyncProgress`` it filled. ``finance.statement.ingestion`` only stores one
  statement for it.

Claiming due connections and the cron loop stay on the connection (``_claim_due``/``_sync_due``,
``lib/concurrency.drain_due``, shared with the outbox).
"""
import logging
import time
import traceback
import uuid
from datetime import datetime, timedelta
from itertools import chain

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.backoff import failure_delay
from ..lib.concurrency import CONCURRENCY_ERRORS
from ..lib.decision_guard import decides
from ..lib.dto import FetchResult, StatusResult
from ..lib.errors import ConfigurationError, FinanceBridgeError, FormatError, ProviderError, RetryAfter
from ..lib.file_formats import StatementChunk
from ..lib.masking import mask_account, mask_text, normal_account
from ..lib.provider_context import bank_zone
from ..lib.provider_protocols import Capability, declares
from ..lib.provider_state import collect_states, replay_states
from ..lib.sync_progress import SyncProgress
from ..lib.user_errors import describe_error
from .statement_ingestion import ingesting_file

_logger = logging.getLogger(__name__)

MAX_PAGES = 10000           # pages of one account (or of status events) per run
RUN_COUNTERS = ("statements_created", "lines_created", "lines_skipped", "balances_recorded", "continuity_gaps",
                "status_events", "pending_lines")


def _acknowledge(provider, name, ok):
    """Move an inbound file after the commit; a refusal (a linked failed/, a lost SFTP link) is logged.

    Raised from a post-commit hook it would turn a committed import into an
    error for the caller; the file stays where it is and is seen again by name.
    """
    try:
        provider.acknowledge(name, ok)
    except (FinanceBridgeError, OSError) as exc:
        _logger.warning("inbound file %s not moved: %s", name, exc)


class FinanceSyncEngine(models.AbstractModel):
    _name = "finance.sync.engine"
    _description = "Finance Bridge sync engine"

    # ------------------------------------------------------------------ one run
    @api.model
    @decides
    def _run(self, connection, trigger="cron", clock=None, accounts=None):
        """Synchronise one claimed connection inside the caller's transaction; returns the run.

        ``accounts`` (account numbers, spaces and case ignored) narrows STATEMENTS and BALANCES to
        those accounts of the connection (a bank's ``sync_account`` notification); such a partial
        run does not move the connection's next scheduled run.

        Data and cursors are written under a savepoint: on any failure they roll back together,
        the run records the error and the connection backs off; the next attempt starts from
        the same cursor. What the provider learnt from the bank (tokens, consent) is kept.
        """
        connection.ensure_one()
        run = self.env["finance.sync.run"].sudo().create({
            "connection_id": connection.id, "trigger": trigger, "correlation_id": str(uuid.uuid4()),
        })
        started = time.monotonic()
        try:
            with collect_states() as states, self.env.cr.savepoint():
                provider = connection._make_provider(run.correlation_id, clock=clock)
                self._check_quota(connection, provider, trigger)
                progress = self._drive(connection, provider, run, accounts)
        except CONCURRENCY_ERRORS:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure must be recorded, never lost
            self.env.invalidate_all()
            replay_states(states)
            self._fail(connection, run, exc, time.monotonic() - started)
            return run
        now = fields.Datetime.now()
        for note in progress.notes:
            run._add_note(note)
        counts = progress.counters(RUN_COUNTERS)
        run.write(dict(counts, state="done", finished_at=now, duration=time.monotonic() - started))
        vals = {"last_success": now, "consecutive_failures": 0, "next_retry": False, "last_error": False}
        if accounts is None:
            vals["next_run"] = now + connection._interval()
        if connection.state == "error":
            vals["state"] = "active"
        connection.sudo().write(vals)
        self.env["finance.audit.event"]._log(
            "sync.done", connection, summary=f"{connection.name}: {counts['lines_created']} line(s) created",
            payload=dict(counts, run=run.id, correlation_id=run.correlation_id))
        return run

    @api.model
    def _check_quota(self, connection, provider, trigger):
        """An unattended run (scheduled, or started by a bank notification) never spends calls the
        consent no longer has today (bank-local day); *Sync now* is attended and not limited."""
        state = provider.context.state
        if trigger == "manual" or state is None:
            return
        today = provider.context.bank_today()
        if state.consent.calls_left(today) == 0:
            midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(),
                                        tzinfo=bank_zone(provider.context.bank_timezone))
            wait = (midnight - provider.context.now()).total_seconds()
            raise RetryAfter(wait, _("the consent's %(n)s unattended calls of %(day)s are spent",
                                     n=state.consent.frequency_per_day, day=today))

    @api.model
    def _drive(self, connection, provider, run, accounts=None):
        """Call what the provider declares, in order; returns the run's ``SyncProgress``."""
        progress = SyncProgress()
        if accounts is not None:
            numbers = ", ".join(mask_account(a) for a in accounts)
            run._add_note(_("only account(s) %s", numbers))
        driven = False
        if declares(provider, Capability.FILES):
            self._sync_files(connection, provider, run, progress)
            driven = True
        elif declares(provider, Capability.STATEMENTS):
            self._sync_statements(connection, provider, run, progress, accounts)
            driven = True
        if declares(provider, Capability.BALANCES):
            self._sync_balances(connection, provider, run, progress, accounts)
            driven = True
        if declares(provider, Capability.STATUS) and not declares(provider, Capability.FILES):
            self._sync_status(connection, provider, run, progress)
            driven = True
        if not driven:
            caps = ", ".join(sorted(Capability(c).value for c in type(provider).capabilities)) or "none"
            raise ConfigurationError(_("provider %(key)s has nothing to synchronise (capabilities: %(caps)s)",
                                       key=connection.provider, caps=caps))
        return progress

    @api.model
    def _accounts(self, connection, accounts=None):
        """The connection's account links, only those of ``accounts`` when given."""
        wanted = None if accounts is None else {normal_account(a) for a in accounts}
        for link in connection.account_ids:
            if wanted is not None and normal_account(link.account_number) not in wanted:
                continue
            if not link.account_number:
                raise UserError(_("Journal %s has no bank account number.", link.journal_id.display_name))
            yield link

    @api.model
    def _sync_statements(self, connection, provider, run, progress, accounts=None):
        """STATEMENTS: every account from its cursor, page after page; the cursor moves with the data."""
        for link in self._accounts(connection, accounts):
            cursor, pending = link.cursor or None, None
            for _page in range(MAX_PAGES):
                result = provider.fetch_statements(link.account_number, cursor)
                if not isinstance(result, FetchResult):
                    raise ProviderError(f"{connection.provider}.fetch_statements returned "
                                        f"{type(result).__name__}, not a FetchResult", retryable=False)
                # a statement's own balances are stored with it; FetchResult.balances may repeat them
                carried = [b for statement in result.statements for b in statement.balances]
                self._ingest(progress, connection=connection, run=run, journal=link.journal_id,
                             statements=result.statements,
                             balances=[b for b in result.balances if b not in carried])
                if result.pending is not None:
                    pending = (pending or ()) + result.pending
                if result.next_cursor is not None and result.next_cursor != cursor:
                    cursor = result.next_cursor
                progress.tick()
                if not result.has_more:
                    break
            if pending is not None:   # kept apart, never booked; what is gone from the bank's list goes
                progress.add(pending_lines=self.env["finance.bank.pending.line"]._replace(
                    connection, link.journal_id, pending, run))
            vals = {"last_sync": fields.Datetime.now()}
            if cursor != (link.cursor or None):
                vals["cursor"] = cursor
            link.write(vals)

    @api.model
    def _sync_balances(self, connection, provider, run, progress, accounts=None):
        """BALANCES: what the bank reports now, per account."""
        for link in self._accounts(connection, accounts):
            balances = tuple(provider.fetch_balances(link.account_number) or ())
            self._ingest(progress, connection=connection, run=run, journal=link.journal_id, balances=balances)

    @api.model
    def _sync_status(self, connection, provider, run, progress):
        """STATUS: payment status events after the connection's status cursor, page after page."""
        cursor = connection.status_cursor or None
        for _page in range(MAX_PAGES):
            result = provider.fetch_status_events(cursor)
            if not isinstance(result, StatusResult):
                raise ProviderError(f"{connection.provider}.fetch_status_events returned "
                                    f"{type(result).__name__}, not a StatusResult", retryable=False)
            self._ingest(progress, connection=connection, run=run, status_events=result.events)
            if result.next_cursor is not None and result.next_cursor != cursor:
                cursor = result.next_cursor
            progress.tick()
            if not result.has_more:
                break
        if cursor != (connection.status_cursor or None):
            connection.sudo().write({"status_cursor": cursor})

    @api.model
    def _imported_names(self, connection):
        """Names of the files this connection already imported (or found already imported)."""
        return set(self.env["finance.file.import"].sudo().search([
            ("connection_id", "=", connection.id), ("state", "in", ("done", "duplicate"))]).mapped("name"))

    @api.model
    def _sync_files(self, connection, provider, run, progress):
        """FILES: import every new inbound file through ``finance.file.import``, the one path of every
        channel; move it away only once the transaction committed.

        Each file read becomes an *Imported Files* record linked to ``run``. A provider that keeps its
        files (``files_per_sync``) is read up to that many new files per run; the rest wait for the next.
        """
        Import = self.env["finance.file.import"].sudo()
        seen = self._imported_names(connection)
        channel = getattr(provider, "channel", "folder")
        limit = provider.files_per_sync() if hasattr(provider, "files_per_sync") else None
        taken = 0
        for name in provider.list_inbound():
            if name in seen:
                self.env.cr.postcommit.add(lambda n=name: _acknowledge(provider, n, True))
                continue
            if limit and taken >= limit:
                progress.note(_("%(n)s file(s) read; the next run reads the files from %(name)s on.",
                                n=taken, name=name))
                break
            records = Import._import_inbound(provider, name, channel, connection, run)
            ok = all(r.state != "failed" for r in records)
            fresh = records.filtered(lambda r: r.sync_run_id == run)  # not an earlier refusal returned
            taken += bool(fresh)
            for record in fresh:
                progress.add(statements_created=record.statements_created, lines_created=record.lines_created,
                             lines_skipped=record.lines_skipped, status_events=record.status_events,
                             balances_recorded=record.balances_recorded, continuity_gaps=record.continuity_gaps)
                if record.state == "failed":
                    progress.note(f"{record.name}: {record.error}")
            self.env.cr.postcommit.add(lambda n=name, good=ok: _acknowledge(provider, n, good))
            progress.tick()
        now = fields.Datetime.now()
        for link in connection.account_ids:
            days = run.statement_ids.filtered(lambda st, j=link.journal_id: st.journal_id == j).mapped("date")
            latest = max([*days, link.last_statement_date]) if days and link.last_statement_date else \
                max(days, default=link.last_statement_date)
            link.write({"last_sync": now, "last_statement_date": latest})

    # ------------------------------------------------------------------ failure
    @api.model
    @decides
    def _fail(self, connection, run, exc, duration):
        """Record a failed run and back the connection off (``RetryAfter``: the bank's delay)."""
        failures = connection.consecutive_failures + 1
        delay = failure_delay(exc, failures)
        now = fields.Datetime.now()
        message = describe_error(exc)
        if not isinstance(exc, (FinanceBridgeError, UserError, ValidationError, OSError)):
            _logger.error("sync of connection %s failed:\n%s", connection.id, mask_text(traceback.format_exc()))
        run.write({"state": "failed", "finished_at": now, "duration": duration, "error": message})
        payload = {"run": run.id, "error": message, "retry_at": str(now + delay),
                   "correlation_id": run.correlation_id}
        if isinstance(exc, RetryAfter):
            run._add_note(_("The bank asked to wait %(s)s s (%(why)s): next attempt not before %(at)s UTC.",
                            s=exc.seconds, why=exc.reason, at=now + delay))
            payload.update(retry_after=exc.seconds, retry_reason=exc.reason)
        connection.sudo().write({"state": "error" if connection.state in ("active", "error") else connection.state,
                                 "consecutive_failures": failures, "last_error": message,
                                 "next_retry": now + delay, "next_run": now + delay})
        self.env["finance.audit.event"]._log(
            "sync.failed", connection, summary=f"{connection.name}: sync failed ({failures} in a row)",
            payload=payload)
        if failures == 3 and connection.user_id:
            connection.activity_schedule("mail.mail_activity_data_todo", user_id=connection.user_id.id,
                                         summary=_("Bank synchronisation failing"),
                                         note=_("%(n)s failures in a row: %(err)s", n=failures, err=message))

    # ------------------------------------------------------------------ the ingestion entry point
    @api.model
    def _ingest(self, progress=None, *, company=None, connection=None, run=None, journal=None,
                statements=(), chunks=(), balances=(), status_events=(), source=None, file_import=None):
        """Store what a bank delivered; returns the ``SyncProgress`` (``progress`` or a new one).

        ``statements`` (whole ``StatementDTO``s) and ``chunks`` (``StatementChunk``s of statements read
        incrementally) go to ``journal`` when given, else to the journal of their account (the
        connection's accounts, or the company's bank journals); ``balances`` likewise; ``status_events``
        (read after the statements: a streaming reader completes them while its chunks are read)
        become ``finance.status.event`` rows. ``source`` names the file in errors. Notifications
        (``StatementDTO.notification``) are imported only when the company asks for them.
        ``file_import`` (a ``finance.file.import``) is written on every line created
        (``finance_file_import_id``): its *Transactions* are exactly those.
        """
        progress = progress if progress is not None else SyncProgress()
        company = company or (connection.company_id if connection else journal.company_id if journal
                              else self.env.company)
        whole = (StatementChunk(statement=s, lines=s.lines) for s in statements)
        iterator = iter(chain(chunks, whole))
        with ingesting_file(file_import.id if file_import else None):
            for chunk in iterator:
                self._ingest_one(progress, chunk, iterator, company, connection, run, journal, source)
        self._ingest_balances(progress, balances, company, connection, run, journal)
        events = tuple(status_events)
        if events:
            recorded = self.env["finance.status.event"]._record(events, connection, company)
            progress.add(status_events=len(recorded))
        return progress

    @api.model
    def _ingest_one(self, progress, chunk, iterator, company, connection, run, journal, source):
        """One statement: its first chunk is ``chunk``, the rest follow in ``iterator``."""
        statement = chunk.statement

        def lines_of(first=chunk):
            current = first
            yield current.lines
            while not current.last:
                current = next(iterator)
                yield current.lines

        label = statement.statement_id or str(statement.date)
        if statement.notification and not company.finance_notification_lines:
            progress.note(f"{label}: notification lines not imported (see the company setting)")
            for _lines in lines_of():
                pass
            return
        target = journal or self._journal_for(statement.account, company, connection)
        if not target:
            error = FormatError([("statement " + label, f"no bank journal of {company.name} has account "
                                                       f"{mask_account(statement.account)}")], source)
            error.unknown_account = (statement.account, statement.currency)  # for "Create bank journal"
            raise error
        base = (progress.lines_created, progress.lines_skipped)

        def step(counts):
            progress.tick(lines_created=base[0] + counts["lines_created"],
                          lines_skipped=base[1] + counts["lines_skipped"])

        last_line = self._last_line_id()
        result = self.env["finance.statement.ingestion"]._store_statement(
            target, statement, lines_of(), run, connection, step if progress.listener else None)
        progress.add(**{k: result.get(k, 0) for k in ("statements_created", "lines_created", "lines_skipped",
                                                         "continuity_gaps")})
        if result["lines_created"]:
            progress.touched(self._statements_with_lines_after(target, last_line))
            link = connection.account_ids.filtered(lambda a: a.journal_id == target)[:1] if connection else None
            if link:
                link.last_statement_date = max(statement.date, link.last_statement_date or statement.date)
        if result.get("continuity_note"):
            progress.note(f"{label}: continuity gap: {result['continuity_note']}")
        if result.get("balance_mismatch"):
            progress.note(f"{label}: flagged, {result['balance_mismatch']}")
        self._ingest_balances(progress, statement.balances, company, connection, run, target)

    @api.model
    def _ingest_balances(self, progress, balances, company, connection, run, journal):
        if not balances:
            return
        Store = self.env["finance.statement.ingestion"]
        if journal:
            progress.add(balances_recorded=Store._store_balances(journal, balances, run, connection))
            return
        by_account = {}
        for balance in balances:
            by_account.setdefault(balance.account, []).append(balance)
        for account, group in by_account.items():
            target = self._journal_for(account, company, connection)
            if target:
                progress.add(balances_recorded=Store._store_balances(target, group, run, connection))

    # ------------------------------------------------------------------ helpers
    @api.model
    def _journal_for(self, account, company, connection=None):
        if connection:
            link = connection.account_ids.filtered(lambda a: a.account_number == account)
            return link.journal_id[:1]
        return self.env["account.journal"].sudo().search(
            [("type", "=", "bank"), ("company_id", "=", company.id),
             ("bank_account_id.sanitized_acc_number", "=", account)], limit=1)

    @api.model
    def _last_line_id(self):
        self.env["account.bank.statement.line"].flush_model()
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_bank_statement_line")
        return self.env.cr.fetchone()[0]

    @api.model
    def _statements_with_lines_after(self, journal, line_id):
        """Statements of ``journal`` that received lines after ``line_id`` in this transaction (its
        snapshot hides other transactions' lines): the statements an ingestion created or added to."""
        self.env["account.bank.statement.line"].flush_model()
        self.env.cr.execute("SELECT DISTINCT statement_id FROM account_bank_statement_line "
                            "WHERE journal_id = %s AND id > %s AND statement_id IS NOT NULL", (journal.id, line_id))
        return [row[0] for row in self.env.cr.fetchall()]
