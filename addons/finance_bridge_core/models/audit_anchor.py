"""Anchors of the audit chains: their heads, exported outside the database and kept in it.

Why: a keyed chain cannot be edited without the key, but its newest rows can
still be deleted, leaving a shorter chain that is valid in itself. Each head
(company, sequence, MAC) is therefore written to the server log (prefix
``FINANCE_BRIDGE_AUDIT_HEAD``) and, when configured, appended to an anchor file
(``finance_bridge_audit_anchor_file``) and sent to syslog
(``finance_bridge_audit_syslog``): after every seal batch and by the anchor cron.
Verification compares each chain with the last anchors of the file and of the
database. The database copy is a convenience only: whoever can delete audit
rows can delete these too; the file and syslog, out of the database's reach,
are the real defence.
"""
import datetime
import logging
import logging.handlers
import os
import socket

from odoo import api, fields, models
from odoo.tools import config

from ..lib.audit_chain import (
    Anchor,
    ChainHead,
    chain_key_id,
    entry_mac,
    event_mac,
    format_head,
    latest_anchors,
    parse_head_lines,
)

_logger = logging.getLogger(__name__)
ANCHOR_FILE_OPTION = "finance_bridge_audit_anchor_file"
SYSLOG_OPTION = "finance_bridge_audit_syslog"
SYSLOG_TIMEOUT = 5  # seconds, for a TCP-less UDP/unix send it is a guard only


def _send_syslog(target, line):
    """``target``: a unix socket path (``/dev/log``) or ``host[:port]`` (UDP, default port 514)."""
    if target.startswith("/"):
        address, socktype = target, None
    else:
        host, _sep, port = target.partition(":")
        address, socktype = (host, int(port or 514)), socket.SOCK_DGRAM
    handler = logging.handlers.SysLogHandler(address=address, socktype=socktype)
    try:
        if handler.socket is not None:
            handler.socket.settimeout(SYSLOG_TIMEOUT)
        handler.setFormatter(logging.Formatter("finance_bridge: %(message)s"))
        handler.emit(logging.makeLogRecord({"msg": line, "levelno": logging.INFO, "levelname": "INFO"}))
    finally:
        handler.close()


def export_head(database, head):
    """Write one head to the server log and to the configured anchor file and syslog target."""
    line = format_head(database, head, datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"))
    _logger.info("%s", line)
    path = config.get(ANCHOR_FILE_OPTION)
    if path:
        try:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            _logger.error("audit anchor file %s could not be written: %s", path, exc)
    target = config.get(SYSLOG_OPTION)
    if target:
        try:
            _send_syslog(target, line)
        except (OSError, ValueError) as exc:
            _logger.error("audit head could not be sent to syslog %s: %s", target, exc)
    return line


class FinanceAuditAnchor(models.Model):
    _name = "finance.audit.anchor"
    _inherit = ["finance.audit.append.only"]
    _description = "Finance Bridge audit chain anchor"
    _append_only_label = "Audit anchors"
    _order = "company_id, sequence desc, id desc"
    _rec_name = "sequence"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    sequence = fields.Integer(required=True, readonly=True, help="Sequence number of the anchored head.")
    mac = fields.Char(required=True, readonly=True, help="MAC of the event at that sequence.")
    key_id = fields.Char(required=True, readonly=True)

    @api.model
    def _export_head(self, database, head):
        return export_head(database, head)

    @api.model
    def _anchor_company(self, company_id, key):
        """Anchor the company's current head if it is new and its own MACs hold; returns the head or None."""
        Audit = self.env["finance.audit.event"]
        row = Audit._head_row(company_id)
        if not row:
            return None
        key_id = chain_key_id(key)
        if row["key_id"] != key_id or entry_mac(key, row) != row["entry_mac"] or event_mac(key, row) != row["hash"]:
            _logger.error("audit head #%s of company %s does not authenticate: not anchored",
                          row["sequence"], company_id)
            return None
        head = ChainHead(company_id, row["sequence"], row["hash"], key_id)
        last = self.sudo().search([("company_id", "=", company_id)], limit=1)
        if not (last and last.sequence == head.sequence and last.mac == head.mac):
            self.sudo().with_context(finance_audit_append=True).create({
                "company_id": company_id, "sequence": head.sequence, "mac": head.mac, "key_id": key_id})
        # Exported once committed: a head that rolls back must not become an anchor.
        dbname = self.env.cr.dbname
        self.env.cr.postcommit.add(lambda: export_head(dbname, head))
        return head

    @api.model
    def _cron_anchor(self):
        """Periodic anchor of every company's head (after sealing what is pending)."""
        from .audit_event import audit_key
        Audit = self.env["finance.audit.event"]
        Audit._seal_pending()
        key = audit_key()
        self.env.cr.execute("SELECT DISTINCT company_id FROM finance_audit_event WHERE hash IS NOT NULL")
        return [head for (company_id,) in self.env.cr.fetchall()
                if (head := self._anchor_company(company_id, key))]

    @api.model
    def _anchors_for(self, company):
        """Anchors of one company: the newest in the database (per key) and all in the anchor file."""
        self.env.cr.execute(
            "SELECT DISTINCT ON (key_id) sequence, mac, key_id FROM finance_audit_anchor "
            "WHERE company_id = %s ORDER BY key_id, sequence DESC", (company.id,))
        anchors = [Anchor(company.id, seq, mac, key_id, "database") for seq, mac, key_id in self.env.cr.fetchall()]
        path = config.get(ANCHOR_FILE_OPTION)
        if path and os.path.exists(path):
            from .audit_event import audit_key
            with open(path, encoding="utf-8", errors="replace") as handle:
                # streamed: only the anchors verification uses are kept, however long the file
                anchors += latest_anchors((a for a in parse_head_lines(handle, self.env.cr.dbname)
                                           if a.company_id == company.id), chain_key_id(audit_key()))
        return anchors
