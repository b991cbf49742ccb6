"""Payment status events from any source (pain.002, camt.054, API polling, webhooks)."""
import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..lib.decision_guard import decides
from ..lib.dto import PAYMENT_STATUSES, STATUS_LEVELS
from .button_access import check_button


def event_dedup_key(dto):
    parts = [dto.source, dto.level, dto.status, dto.msg_id or "", dto.pmt_inf_id or "",
             dto.end_to_end_id or "", dto.instruction_id or "", dto.uetr or "", dto.reason_code or "",
             dto.occurred_at.isoformat() if dto.occurred_at else ""]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


class FinanceStatusEvent(models.Model):
    _name = "finance.status.event"
    _description = "Payment status event"
    _order = "id desc"
    _rec_name = "status"
    _finance_guarded_records = True  # evidence: written by server code only

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True,
                                 default=lambda self: self.env.company)
    connection_id = fields.Many2one("finance.bank.connection", readonly=True, ondelete="set null")
    source = fields.Char(required=True, readonly=True, help="pain.002, camt.054, api, webhook…")
    level = fields.Selection([(lv, lv.replace("_", " ").title()) for lv in STATUS_LEVELS],
                             required=True, readonly=True)
    status = fields.Selection([(s, s) for s in PAYMENT_STATUSES], required=True, readonly=True, index=True)
    msg_id = fields.Char(readonly=True, index="btree_not_null")
    pmt_inf_id = fields.Char(readonly=True)
    end_to_end_id = fields.Char(readonly=True, index="btree_not_null")
    instruction_id = fields.Char(readonly=True)
    uetr = fields.Char(readonly=True)
    reason_code = fields.Char(readonly=True)
    reason_text = fields.Char(readonly=True)
    occurred_at = fields.Datetime(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(readonly=True)
    raw = fields.Json(readonly=True)
    dedup_key = fields.Char(readonly=True, required=True)
    state = fields.Selection([("new", "New"), ("applied", "Applied"), ("unmatched", "Unmatched"),
                              ("error", "Error")], default="new", required=True, readonly=True, index=True)
    apply_error = fields.Text(readonly=True)
    applied_at = fields.Datetime(readonly=True)

    _dedup_unique = models.Constraint("UNIQUE (company_id, dedup_key)",
                                      "This status event was recorded already.")

    @api.model
    @decides
    def _record(self, dtos, connection=None, company=None):
        """Store events once each (re-reading a status file adds nothing) and apply the new ones."""
        company = company or (connection.company_id if connection else self.env.company)
        keyed = {event_dedup_key(dto): dto for dto in dtos}
        known = set(self.sudo().search([("company_id", "=", company.id),
                                        ("dedup_key", "in", list(keyed))]).mapped("dedup_key"))
        currency_ids = {c.name: c.id for c in self.env["res.currency"].with_context(active_test=False).search(
            [("name", "in", list({d.amount.currency for d in dtos if d.amount}))])}
        vals_list = []
        for key, dto in keyed.items():
            if key in known:
                continue
            vals_list.append({
                "company_id": company.id, "connection_id": connection.id if connection else False,
                "source": dto.source, "level": dto.level, "status": dto.status, "msg_id": dto.msg_id,
                "pmt_inf_id": dto.pmt_inf_id, "end_to_end_id": dto.end_to_end_id,
                "instruction_id": dto.instruction_id, "uetr": dto.uetr, "reason_code": dto.reason_code,
                "reason_text": dto.reason_text,
                "occurred_at": dto.occurred_at.replace(tzinfo=None) if dto.occurred_at else False,
                "amount": float(dto.amount.amount) if dto.amount else 0.0,
                "currency_id": currency_ids.get(dto.amount.currency) if dto.amount else False,
                "raw": dict(dto.raw), "dedup_key": key,
            })
        events = self.sudo().create(vals_list)
        events._apply()
        return events

    @decides
    def _apply(self):
        for event in self.filtered(lambda e: e.state in ("new", "unmatched", "error")):
            try:
                with self.env.cr.savepoint():
                    matched = event._apply_event()
            except Exception as exc:  # noqa: BLE001 - an event that fails to apply stays visible
                self.env.invalidate_all()
                event.write({"state": "error", "apply_error": str(exc)})
                continue
            event.write({"state": "applied" if matched else "unmatched", "apply_error": False,
                         "applied_at": fields.Datetime.now() if matched else False})
            self.env["finance.audit.event"]._log(
                "status.event", event, summary=f"{event.status} for {event.end_to_end_id or event.msg_id}",
                payload={"state": event.state, "reason": event.reason_code, "source": event.source})

    def _apply_event(self):
        """Hook: later addons match the event to their payment and return True when they did."""
        self.ensure_one()
        return False

    def action_reapply(self):
        """Events are evidence (no write right for users): the button applies them as server code,
        for treasury managers and their companies only."""
        check_button(self, "finance_bridge_core.group_treasury_manager")
        if not self.env.su and not set(self.company_id.ids) <= set(self.env.companies.ids):
            raise AccessError(_("These status events belong to another company."))
        self.sudo()._apply()
        return True
