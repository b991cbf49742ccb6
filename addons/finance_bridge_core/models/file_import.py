"""Every bank file that reaches Odoo, whatever the channel: its original, its fate, its counts.

A file is imported once per company (same SHA-256 = duplicate, nothing
done). A file that fails writes nothing but this record, which keeps the
original and the error naming file, position and reason.
"""
import contextvars
import hashlib
import logging

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.decision_guard import decides, server_scope
from ..lib.errors import FinanceBridgeError, FormatError
from ..lib.evidence import evidence_writer
from ..lib.file_formats import chunks_of, detect
from ..lib.safe_archive import ArchiveLimits, extract_archive, is_zip
from ..lib.sync_progress import SyncProgress

_logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 200 * 1024 * 1024
# The hash of the file as a channel delivered it (an archive's for its members), set by
# _import_inbound only: a context key would let an RPC caller forge it and so make a channel skip a
# good file as "already refused".
_SOURCE_SHA256 = contextvars.ContextVar("finance_bridge_source_sha256", default=None)


def _delivered_as(digest):
    return server_scope(_SOURCE_SHA256, digest)


# A failed file's original is kept up to this size; above it only its first bytes and its SHA-256.
MAX_FAILED_ORIGINAL_BYTES = 25 * 1024 * 1024
FAILED_HEAD_BYTES = 64 * 1024
# System parameters that override the limits (bytes, counts); see readme/CONFIGURE.md.
LIMIT_PARAMS = {"max_file_bytes": ("finance_bridge.max_file_bytes", MAX_FILE_BYTES),
                "failed_original_bytes": ("finance_bridge.failed_original_max_bytes", MAX_FAILED_ORIGINAL_BYTES),
                "members": ("finance_bridge.archive_max_members", ArchiveLimits.members),
                "member_bytes": ("finance_bridge.archive_max_member_bytes", ArchiveLimits.member_bytes),
                "total_bytes": ("finance_bridge.archive_max_total_bytes", ArchiveLimits.total_bytes),
                "ratio": ("finance_bridge.archive_max_ratio", ArchiveLimits.ratio)}
# Files from this size on report their progress while they are imported (about 1,500 camt entries).
PROGRESS_MIN_BYTES = 1024 * 1024
BANK_FILE_MIMETYPE = "application/vnd.finance-bridge.bank-file"


JOURNAL_CREATORS = "account.group_account_manager"


class FinanceFileImport(models.Model):
    _name = "finance.file.import"
    _description = "Imported bank file"
    _order = "id desc"
    _finance_guarded_records = True  # evidence: written by server code only

    name = fields.Char(required=True, readonly=True, string="File")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True,
                                 default=lambda self: self.env.company)
    connection_id = fields.Many2one("finance.bank.connection", readonly=True, ondelete="set null")
    channel = fields.Selection([("upload", "Upload"), ("folder", "Watched folder"), ("sftp", "SFTP"),
                                ("api", "API")], readonly=True, default="upload")
    sha256 = fields.Char(readonly=True, index=True)
    file_format = fields.Char(readonly=True, string="Format")
    state = fields.Selection([("done", "Imported"), ("duplicate", "Already imported"), ("failed", "Failed")],
                             readonly=True, required=True, index=True)
    attachment_id = fields.Many2one("ir.attachment", readonly=True, string="Original file")
    statements_created = fields.Integer(readonly=True)
    lines_created = fields.Integer(readonly=True)
    lines_skipped = fields.Integer(readonly=True)
    status_events = fields.Integer(readonly=True)
    error = fields.Text(readonly=True)
    notes = fields.Text(readonly=True)
    file_size = fields.Integer(readonly=True, string="Size (bytes)")
    source_sha256 = fields.Char(readonly=True, index=True,
                                help="SHA-256 of the file as the channel delivered it (the archive, for its members)")
    # The account of a statement no bank journal has, in full, for those who may create the journal
    # (the error text masks it for everyone who reads the list).
    unknown_account = fields.Char(readonly=True, groups=JOURNAL_CREATORS, string="Unknown account")
    unknown_currency = fields.Char(readonly=True, groups=JOURNAL_CREATORS, string="Its currency")
    sync_run_id = fields.Many2one("finance.sync.run", readonly=True, index="btree_not_null", ondelete="set null",
                                  string="Sync run", help="The synchronisation run that read this file from its "
                                                          "connection (empty for an upload).")
    balances_recorded = fields.Integer(readonly=True)
    continuity_gaps = fields.Integer(readonly=True)
    statement_ids = fields.Many2many("account.bank.statement", "finance_file_import_statement_rel", "import_id",
                                     "statement_id", readonly=True, string="Statements",
                                     help="The bank statements this file created or added lines to.")

    def _attach(self, data, name=None):
        """Keep the original as opaque bytes under a type of our own.

        Odoo would guess XML (and store it as text for users without technical rights) and then
        index every word of a text attachment: hundreds of megabytes for a large statement. A
        declared vendor type is neither guessed nor indexed, and is always downloaded, never shown.
        """
        for rec in self:
            with evidence_writer():
                rec.attachment_id = self.env["ir.attachment"].sudo().create(
                    {"name": name or rec.name, "raw": data, "res_model": self._name, "res_id": rec.id,
                     "mimetype": BANK_FILE_MIMETYPE})

    @api.model
    def _limit(self, key):
        """A file limit: its system parameter when set to a positive integer, else its constant."""
        param, default = LIMIT_PARAMS[key]
        value = self.env["ir.config_parameter"].sudo().get_param(param)
        return int(value) if value and str(value).strip().isdigit() and int(value) > 0 else default

    @api.model
    def _archive_limits(self):
        return ArchiveLimits(members=self._limit("members"), member_bytes=self._limit("member_bytes"),
                             total_bytes=self._limit("total_bytes"), ratio=self._limit("ratio"))

    @api.model
    def _record_failed(self, filename, error, channel, connection, company, data=None, size=None, digest=None,
                       extra=None, run=None):
        """A failed-import record (and its audit event) for a file that was refused.

        Its original is kept only within a size bound: a 2 GB file is not copied into the filestore;
        its first bytes are kept instead (or nothing, when it was refused unread) and the record says so.
        """
        company = company or (connection.company_id if connection else self.env.company)
        digest = digest or (hashlib.sha256(data).hexdigest() if data is not None else False)
        bound, kept, notes = self._limit("failed_original_bytes"), data, False
        if data is None:
            notes = _("Original not read: %(size)s bytes exceeds the limit.", size=size)
        elif len(data) > bound:
            kept = data[:FAILED_HEAD_BYTES]
            notes = _("Original not kept: %(size)s bytes exceeds %(bound)s; its first %(head)s bytes and its "
                      "SHA-256 are kept.", size=len(data), bound=bound, head=FAILED_HEAD_BYTES)
        record = self.sudo().create({
            "name": filename, "company_id": company.id, "channel": channel, "state": "failed", "error": error,
            "sha256": digest, "connection_id": connection.id if connection else False, "notes": notes,
            "file_size": len(data) if data is not None else (size or 0),
            "source_sha256": _SOURCE_SHA256.get() or digest, "sync_run_id": run.id if run else False,
            **(extra or {})})
        if kept is not None:
            record._attach(kept, filename if kept is data else f"{filename}.first-{FAILED_HEAD_BYTES}-bytes")
        self.env["finance.audit.event"]._log("file.failed", record, summary=f"{filename}: refused",
                                             payload={"error": error, "sha256": digest}, company=company)
        return record

    @api.model
    def _refuse_unread(self, filename, size, channel="upload", connection=None, company=None, limit=None, run=None):
        """A file refused by its size alone, before a byte of it is read into memory."""
        limit = limit or self._limit("max_file_bytes")
        error = str(FormatError([("file", f"{size} bytes exceeds the limit of {limit}: not read")], filename))
        return self._record_failed(filename, error, channel, connection, company, size=size, run=run)

    @api.model
    def _import_inbound(self, provider, name, channel, connection, run=None):
        """One inbound file of a file channel, refused once and never retried in a loop.

        A file over the size limit is refused before it is read (and, delivered again with the same
        name and size, not recorded again). A file whose content was already refused for this
        connection, wholly or in part (an archive with a failed member), is not imported again:
        the earlier failed records are returned, so the channel moves it to ``failed/`` (or leaves
        it on an SFTP server) without a new record. A provider may read less than the server's limit
        (``max_file_bytes``, e.g. the JSON folder's document bound). ``run`` is the sync run that reads it.
        """
        Failed = self.sudo().with_context(active_test=False)
        failed = [("connection_id", "=", connection.id), ("state", "=", "failed")]
        size = provider.inbound_size(name)
        limit = min(filter(None, (self._limit("max_file_bytes"), getattr(provider, "max_file_bytes", None))))
        if size is not None and size > limit:
            earlier = Failed.search([*failed, ("name", "=", name), ("file_size", "=", size),
                                     ("attachment_id", "=", False)], limit=1)
            return earlier or self._refuse_unread(name, size, channel, connection, limit=limit, run=run)
        data = provider.read_inbound(name)
        digest = hashlib.sha256(data).hexdigest()
        earlier = Failed.search([*failed, ("source_sha256", "=", digest)])
        if earlier:
            return earlier
        with _delivered_as(digest):
            return self._import_payload(data, name, channel, connection, run=run)

    @api.model
    @decides
    def _import_file(self, data, filename, channel="upload", connection=None, company=None, run=None):
        """Import one file (not an archive); returns its record. Every channel ends here."""
        company = company or (connection.company_id if connection else self.env.company)
        digest = hashlib.sha256(data).hexdigest()
        vals = {"name": filename, "company_id": company.id, "channel": channel, "sha256": digest,
                "connection_id": connection.id if connection else False, "file_size": len(data),
                "source_sha256": _SOURCE_SHA256.get() or digest, "sync_run_id": run.id if run else False}
        done = self.sudo().search([("company_id", "=", company.id), ("sha256", "=", digest),
                                   ("state", "=", "done")], limit=1)
        if done:
            return self.sudo().create(dict(vals, state="duplicate", file_format=done.file_format,
                                           notes=_("Same content as %(name)s imported on %(date)s.",
                                                   name=done.name, date=done.create_date)))
        reporter = None
        if len(data) >= PROGRESS_MIN_BYTES:
            reporter = self.env["finance.job.progress"].sudo()._start(filename, company, connection, len(data))
        try:
            limit = self._limit("max_file_bytes")
            if len(data) > limit:
                raise FormatError([("file", f"{len(data)} bytes exceeds {limit}")], filename)
            registry = self.env["finance.addon.registry"]
            fmt = detect(data, filename, lambda f: registry._is_installed(f.parse))
            vals["file_format"] = fmt.label
            with self.env.cr.savepoint():
                # created first, so that the lines it creates point to it (rolled back with them)
                record = self.sudo().create(dict(vals, state="done"))
                counts = self._read_file(fmt, data, filename, company, connection, reporter, run, record)
        except psycopg2.Error:
            raise  # the database's own errors (serialisation, locks) are retried by the caller
        except Exception as exc:  # a hostile file must end as a failed record, never a crash
            self.env.invalidate_all()
            if not isinstance(exc, FinanceBridgeError | ValueError | UserError | ValidationError | RecursionError):
                _logger.warning("%s: unexpected error while reading", filename, exc_info=True)
            error = str(exc) if isinstance(exc, FinanceBridgeError) else str(FormatError(
                [("file", f"cannot be read ({type(exc).__name__}: {str(exc)[:300]})")], filename))
            if reporter:
                reporter.finish("failed", error)
            if not error.startswith(filename):
                error = f"{filename}: {error}"
            account, currency = getattr(exc, "unknown_account", (False, False))
            return self._record_failed(filename, error, channel, connection, company, data=data, digest=digest,
                                       extra={"unknown_account": account, "unknown_currency": currency}, run=run)
        if reporter:
            # Done once the import is committed; a transaction rolled back later loses it all.
            self.env.cr.postcommit.add(lambda: reporter.finish("done", counts=counts))
            self.env.cr.postrollback.add(lambda: reporter.finish("failed", "the transaction was rolled back"))
        statements = counts.pop("statement_ids", [])
        record.write(dict(statement_ids=[fields.Command.set(statements)], **counts))
        record._attach(data)
        self.env["finance.audit.event"]._log(
            "file.imported", record, summary=f"{filename}: {counts['lines_created']} line(s)",
            payload=dict(counts, sha256=digest, format=vals.get("file_format")), company=company)
        return record

    @api.model
    def _read_file(self, fmt, data, filename, company, connection, reporter=None, run=None, record=None):
        """Read the file (incrementally when its format can) and hand it to the sync engine's one
        ingestion entry point; returns the counters of this record."""
        progress = SyncProgress()
        if fmt.stream:
            reader = fmt.stream(data, filename)
            if reporter:
                progress.listener = lambda counts: reporter.update(counts, reader.position)
            chunks, parsed_notes, events = reader, lambda: reader.notes, lambda: reader.status_events
        else:
            charset = fmt.charset_aware and connection and connection.sudo().setting_ids.filtered(
                lambda s: s.key == "files_charset").value
            parsed = fmt.parse(data, filename, charset=charset) if charset else fmt.parse(data, filename)
            chunks, parsed_notes, events = chunks_of(parsed), lambda: parsed.notes, lambda: parsed.status_events
        engine = self.env["finance.sync.engine"]
        engine._ingest(progress, company=company, connection=connection, run=run, chunks=chunks, source=filename,
                       file_import=record)
        engine._ingest(progress, company=company, connection=connection, run=run, status_events=events(),
                       source=filename)
        counts = progress.counters(("statements_created", "lines_created", "lines_skipped", "status_events",
                                    "balances_recorded", "continuity_gaps"))
        counts["statement_ids"] = progress.statement_ids
        counts["notes"] = "\n".join(list(parsed_notes()) + progress.notes) or False
        return counts

    @api.model
    @decides
    def _import_payload(self, data, filename, channel="upload", connection=None, company=None, run=None):
        """A file or a zip of files; returns the records, one per file.

        An archive is checked and unpacked completely (within ``_archive_limits``) before any member
        is imported: a hostile archive is one failed record naming the member, and nothing else.
        """
        if not is_zip(data, filename):
            return self._import_file(data, filename, channel, connection, company, run)
        limit = self._limit("max_file_bytes")
        try:
            if len(data) > limit:
                raise FormatError([("archive", f"{len(data)} bytes exceeds {limit}")], filename)
            members = extract_archive(data, filename, self._archive_limits())
        except FormatError as exc:
            return self._record_failed(filename, str(exc), channel, connection, company, data=data, run=run)
        records = self.browse()
        for member in members:
            records |= self._import_file(member.data, f"{filename}/{member.name}", channel, connection, company, run)
        return records
