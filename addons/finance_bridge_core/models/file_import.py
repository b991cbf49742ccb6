"""Every bank file that reaches Odoo, whatever the channel: its original, its fate, its counts.

A file is imported once per company (same SHA-256 = duplicate, nothing
done). A file that fails writes nothing but this record, which keeps the
original and the error naming file, position and reason.
"""
import hashlib
import io
import zipfile

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.decision_guard import decides
from ..lib.errors import FinanceBridgeError, FormatError
from ..lib.file_formats import chunks_of, detect
from ..lib.masking import mask_account

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 500
# Files from this size on report their progress while they are imported (about 1,500 camt entries).
PROGRESS_MIN_BYTES = 1024 * 1024
BANK_FILE_MIMETYPE = "application/vnd.finance-bridge.bank-file"


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

    def _attach(self, data):
        """Keep the original as opaque bytes under a type of our own.

        Odoo would guess XML (and store it as text for users without technical rights) and then
        index every word of a text attachment: hundreds of megabytes for a large statement. A
        declared vendor type is neither guessed nor indexed, and is always downloaded, never shown.
        """
        for rec in self:
            rec.attachment_id = self.env["ir.attachment"].sudo().create(
                {"name": rec.name, "raw": data, "res_model": self._name, "res_id": rec.id,
                 "mimetype": BANK_FILE_MIMETYPE})

    @api.model
    def _journal_for(self, account, company, connection=None):
        if connection:
            link = connection.account_ids.filtered(lambda a: a.account_number == account)
            return link.journal_id[:1]
        return self.env["account.journal"].sudo().search(
            [("type", "=", "bank"), ("company_id", "=", company.id),
             ("bank_account_id.sanitized_acc_number", "=", account)], limit=1)

    @api.model
    @decides
    def _import_file(self, data, filename, channel="upload", connection=None, company=None):
        """Import one file (not an archive); returns its record."""
        company = company or (connection.company_id if connection else self.env.company)
        digest = hashlib.sha256(data).hexdigest()
        vals = {"name": filename, "company_id": company.id, "channel": channel, "sha256": digest,
                "connection_id": connection.id if connection else False}
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
            if len(data) > MAX_FILE_BYTES:
                raise FormatError([("file", f"{len(data)} bytes exceeds {MAX_FILE_BYTES}")], filename)
            registry = self.env["finance.addon.registry"]
            fmt = detect(data, filename, lambda f: registry._is_installed(f.parse))
            vals["file_format"] = fmt.label
            with self.env.cr.savepoint():
                counts = self._ingest_file(fmt, data, filename, company, connection, reporter)
        except (FinanceBridgeError, ValueError, UserError, ValidationError) as exc:
            self.env.invalidate_all()
            if reporter:
                reporter.finish("failed", str(exc))
            record = self.sudo().create(dict(vals, state="failed", error=str(exc)))
            record._attach(data)
            self.env["finance.audit.event"]._log("file.failed", record, summary=f"{filename}: refused",
                                                 payload={"error": str(exc), "sha256": digest}, company=company)
            return record
        if reporter:
            # Done once the import is committed; a transaction rolled back later loses it all.
            self.env.cr.postcommit.add(lambda: reporter.finish("done", counts=counts))
            self.env.cr.postrollback.add(lambda: reporter.finish("failed", "the transaction was rolled back"))
        record = self.sudo().create(dict(vals, state="done", **counts))
        record._attach(data)
        self.env["finance.audit.event"]._log(
            "file.imported", record, summary=f"{filename}: {counts['lines_created']} line(s)",
            payload=dict(counts, sha256=digest, format=vals.get("file_format")), company=company)
        return record

    @api.model
    def _ingest_file(self, fmt, data, filename, company, connection, reporter=None):
        """Read the file (incrementally when its format can) and ingest it; returns the counters."""
        if fmt.stream:
            reader = fmt.stream(data, filename)
            progress = reporter and (lambda counts: reporter.update(counts, reader.position))
            counts, notes = self._ingest_statements(reader, filename, company, connection, progress)
            notes = list(reader.notes) + notes
            events = reader.status_events
        else:
            parsed = fmt.parse(data, filename)
            counts, notes = self._ingest_statements(chunks_of(parsed), filename, company, connection)
            notes = list(parsed.notes) + notes
            events = parsed.status_events
        if events:
            counts["status_events"] = len(self.env["finance.status.event"]._record(events, connection, company))
        counts["notes"] = "\n".join(notes) or False
        return counts

    @api.model
    def _ingest_statements(self, chunks, filename, company, connection, progress=None):
        """Each statement of a file (given as chunks) into its journal; returns (counters, notes)."""
        ingestion = self.env["finance.statement.ingestion"]
        counts = {"statements_created": 0, "lines_created": 0, "lines_skipped": 0, "status_events": 0}
        notes = []
        done = {"lines_created": 0, "lines_skipped": 0}
        iterator = iter(chunks)
        for chunk in iterator:
            statement = chunk.statement

            def lines_of(first=chunk):
                current = first
                yield current.lines
                while not current.last:
                    current = next(iterator)
                    yield current.lines

            label = statement.statement_id or str(statement.date)
            if statement.raw.get("message") == "camt.054" and not company.finance_notification_lines:
                notes.append(f"{label}: notification lines not imported (see the company setting)")
                for _lines in lines_of():
                    pass
                continue
            journal = self._journal_for(statement.account, company, connection)
            if not journal:
                raise FormatError([("statement " + label, f"no bank journal of {company.name} has account "
                                                         f"{mask_account(statement.account)}")], filename)
            step = progress and (lambda c, base=dict(done): progress(
                {k: base[k] + c[k] for k in ("lines_created", "lines_skipped")}))
            result = ingestion._ingest_chunks(journal, statement, lines_of(), None, connection, step)
            for key in ("statements_created", "lines_created", "lines_skipped"):
                counts[key] += result[key]
            for key in done:
                done[key] += result[key]
            if result.get("continuity_gaps"):
                notes.append(f"{label}: continuity gap")
            ingestion._ingest_journal_balances(journal, statement.balances, None, connection)
        return counts, notes

    @api.model
    @decides
    def _import_payload(self, data, filename, channel="upload", connection=None, company=None):
        """A file or a zip of files; returns the records, one per file."""
        if data[:4] != b"PK\x03\x04":
            return self._import_file(data, filename, channel, connection, company)
        records = self.browse()
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_ZIP_MEMBERS:
                raise FormatError([("zip", f"{len(members)} files, at most {MAX_ZIP_MEMBERS}")], filename)
            for member in members:
                if member.file_size > MAX_FILE_BYTES:
                    raise FormatError([(member.filename, "too large once unpacked")], filename)
                records |= self._import_file(archive.read(member), f"{filename}/{member.filename}", channel,
                                             connection, company)
        except (zipfile.BadZipFile, FormatError) as exc:
            record = self.sudo().create({"name": filename, "channel": channel, "state": "failed",
                                         "error": str(exc), "sha256": hashlib.sha256(data).hexdigest(),
                                         "company_id": (company or self.env.company).id})
            record._attach(data)
            records |= record
        return records
