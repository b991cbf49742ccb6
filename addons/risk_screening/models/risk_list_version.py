"""One imported version of a list, with what changed against the one before."""
import hashlib
import json

from odoo import api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides


def entry_vals(entry):
    return {
        "ref": entry.ref, "entry_type": entry.entry_type, "name": entry.primary_name[:512],
        "names": [[n.name, n.strong, n.primary] for n in entry.names],
        "countries": ", ".join(entry.countries), "birth_years": " ".join(str(y) for y in entry.birth_years),
        "identifiers": {k: list(v) for k, v in entry.identifiers.items()},
        "programmes": ", ".join(entry.programmes),
        "content_hash": hashlib.sha256(json.dumps(entry.content_key(), default=str).encode()).hexdigest(),
    }


class RiskListVersion(models.Model):
    _name = "risk.list.version"
    _description = "Sanctions list version"
    _order = "id desc"
    _rec_name = "version"
    _finance_guarded_records = True  # evidence of what was screened against

    source_id = fields.Many2one("risk.list.source", required=True, ondelete="cascade", index=True)
    version = fields.Char(required=True, readonly=True, help="Publisher's date, or a hash of the content.")
    state = fields.Selection([("active", "Active"), ("superseded", "Superseded"), ("failed", "Refused")],
                             required=True, readonly=True)
    origin = fields.Selection([("upload", "Upload"), ("download", "Scheduled download")], readonly=True)
    imported_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    entries_total = fields.Integer(readonly=True)
    added = fields.Integer(readonly=True)
    changed = fields.Integer(readonly=True)
    removed = fields.Integer(readonly=True)
    error = fields.Text(readonly=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Original files", readonly=True)
    rescreen_state = fields.Selection([("none", "Not needed"), ("pending", "Pending"), ("done", "Done")],
                                      default="none", readonly=True,
                                      help="Re-screening of all active counterparties against what changed.")
    # The re-screening cursor: partners are taken in id order and the last id done is committed with
    # each batch's results, so a run that ends (time slice, crash) resumes exactly where it stopped.
    rescreen_cursor = fields.Integer(readonly=True, copy=False, string="Last partner screened",
                                     help="Id of the last counterparty re-screened for this version.")
    rescreen_done = fields.Integer(readonly=True, copy=False, string="Counterparties re-screened")
    rescreen_total = fields.Integer(readonly=True, copy=False, string="Counterparties to re-screen",
                                    help="Counterparties done plus those still after the cursor, at the last batch.")
    rescreen_progress = fields.Float(compute="_compute_rescreen_progress", string="Re-screening progress (%)")
    rescreen_finished_at = fields.Datetime(readonly=True, copy=False)
    screened_ids = fields.One2many("risk.list.version.screening", "version_id", string="Re-screened counterparties")

    @api.depends("rescreen_done", "rescreen_total", "rescreen_state")
    def _compute_rescreen_progress(self):
        for version in self:
            if version.rescreen_state == "done":
                version.rescreen_progress = 100.0
            else:
                version.rescreen_progress = (100.0 * version.rescreen_done / version.rescreen_total
                                             if version.rescreen_total else 0.0)

    def _attach(self, files, filenames=None):
        attachments = self.env["ir.attachment"].sudo().create([{
            "name": (filenames or {}).get(role) or f"{self.source_id.name}-{role}",
            "raw": data, "res_model": self._name, "res_id": self.id,
        } for role, data in files.items() if data])
        self.sudo().attachment_ids = attachments

    @api.model
    @decides
    def _record_snapshot(self, source, snapshot, files, origin, filenames=None):
        Entry = self.env["risk.list.entry"].sudo().with_context(active_test=False)
        existing = {e.ref: e for e in Entry.search([("source_id", "=", source.id)])}
        active = source.active_version_id
        if active and active.version == snapshot.version and not any(
                entry_vals(e)["content_hash"] != existing.get(e.ref, Entry).content_hash
                for e in snapshot.entries):
            return active  # the same version again: nothing changes
        version = self.sudo().create({"source_id": source.id, "version": snapshot.version, "state": "active",
                                      "origin": origin, "entries_total": len(snapshot.entries)})
        version._attach(files, filenames)
        added = changed = 0
        seen = set()
        create_vals = []
        for entry in snapshot.entries:
            vals = entry_vals(entry)
            seen.add(entry.ref)
            record = existing.get(entry.ref)
            if record is None:
                create_vals.append(dict(vals, source_id=source.id, version_id=version.id, active=True))
                added += 1
            elif record.content_hash != vals["content_hash"] or not record.active:
                record.write(dict(vals, version_id=version.id, active=True))
                changed += 1
        Entry.create(create_vals)
        gone = [e for ref, e in existing.items() if ref not in seen and e.active]
        Entry.browse([e.id for e in gone]).write({"active": False, "version_id": version.id})
        version.write({"added": added, "changed": changed, "removed": len(gone),
                       "rescreen_state": "pending" if added or changed else "none"})
        if active:
            active.state = "superseded"
        source.sudo().write({"active_version_id": version.id, "last_error": False})
        self.env["risk.screening.engine"]._invalidate()
        self.env["finance.audit.event"]._log(
            "screening.list_imported", version,
            summary=f"{source.name} {snapshot.version}: +{added} ~{changed} -{len(gone)}",
            payload={"version": snapshot.version, "added": added, "changed": changed, "removed": len(gone)},
            company=self.env.company)
        if added or changed:
            self.env.ref("risk_screening.ir_cron_risk_rescreen")._trigger()
        return version
