"""Retention of bank evidence: the one way evidence is ever deleted — explicit, by an administrator,
for his companies, older than a number of days he states, and written to the audit chain."""
from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib.evidence import evidence_writer

# model -> domain of records that are finished with (queued or running work is never purged)
PURGEABLE = {
    "finance.file.import": [],
    "finance.sync.run": [("state", "!=", "running")],
    "finance.status.event": [],
    "finance.outbox.message": [("state", "in", ("sent", "dead"))],
    "finance.webhook.inbox": [("state", "!=", "queued")],   # a queued event is still to be applied
    "finance.http.exchange": [],
    "finance.webhook.refusal": [],
}
# Also kept by a daily cron of their own with a shorter default (settings / system parameter):
# ``finance.http.exchange`` (Bank API exchanges, 90 days) and ``finance.webhook.refusal`` (90 days,
# also the hourly counts of unknown tokens, which belong to no company). This wizard deletes a
# company's older ones on demand too, with the same audit event as the rest.


class FinanceEvidenceRetention(models.TransientModel):
    _name = "finance.evidence.retention"
    _description = "Delete bank evidence older than a retention period"

    days = fields.Integer(required=True, default=3650,
                          help="Imported files (with their originals), sync runs, status events, sent or dead "
                               "outbound messages, applied/ignored/failed webhook events, webhook refusals and "
                               "bank API exchanges created more than this many days ago are deleted.")
    summary = fields.Text(readonly=True)

    def action_purge(self):
        """Delete old evidence of the current companies with its attachments; audited per company."""
        self.ensure_one()
        user = self.env.user
        if not (self.env.su or user.has_group("finance_bridge_core.group_connection_admin")
                or user.has_group("base.group_system")):
            raise AccessError(_("Only connection administrators can delete bank evidence."))
        if self.days < 1:
            raise UserError(_("The retention period must be at least one day (got %s).", self.days))
        cutoff = fields.Datetime.now() - timedelta(days=self.days)
        lines = []
        for company in self.env.companies:
            counts = self._purge_company(company, cutoff)
            self.env["finance.audit.event"]._log(
                "evidence.purged", summary=f"evidence older than {self.days} day(s) deleted",
                payload=dict(counts, days=self.days, cutoff=cutoff), company=company)
            lines.append(_("%(company)s: %(counts)s", company=company.name,
                           counts=", ".join(f"{n} {model}" for model, n in counts.items())))
        self.summary = "\n".join(lines)
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "target": "new"}

    def _purge_company(self, company, cutoff):
        counts = {}
        for model, domain in PURGEABLE.items():
            records = self.env[model].sudo().search(
                [("company_id", "=", company.id), ("create_date", "<", cutoff), *domain])
            counts[model] = len(records)
            with evidence_writer():
                attachments = self.env["ir.attachment"].sudo().search(
                    [("res_model", "=", model), ("res_id", "in", records.ids)])
                if model == "finance.file.import":
                    attachments |= records.attachment_id
                if model == "finance.outbox.message":
                    attachments |= records.file_ids
                records.unlink()
                attachments.exists().unlink()
        return counts
