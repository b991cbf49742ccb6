"""A sanctions list the company screens against, where it comes from and how to read it."""
import logging

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.lib.errors import FormatError
from odoo.addons.finance_bridge_core.lib.provider_context import make_http_session
from odoo.addons.finance_bridge_core.lib.user_errors import describe_error
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError

from ..lib.eu_xml_parser import parse_eu_xml
from ..lib.ofac_csv_parser import parse_ofac_csv
from ..lib.ofac_xml_parser import parse_ofac_xml
from ..lib.uk_csv_parser import parse_uk_csv
from ..lib.un_xml_parser import parse_un_xml

_logger = logging.getLogger(__name__)

FORMATS = [("ofac_csv", "OFAC SDN (CSV: sdn, alt, add)"), ("ofac_xml", "OFAC SDN (legacy XML)"),
           ("un_xml", "UN consolidated list (XML)"), ("eu_xml", "EU consolidated list (FSF XML)"),
           ("uk_csv", "UK consolidated list (OFSI CSV)")]
FILE_ROLES = ("main", "alt", "add")
DOWNLOAD_TIMEOUT = (10, 120)
MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024


def parse_list(list_format, files):
    """``files``: {"main": bytes, "alt": bytes?, "add": bytes?} → ListSnapshot."""
    main = files.get("main")
    if not main:
        raise FormatError([("file", "the list file is missing")])
    if list_format == "ofac_csv":
        return parse_ofac_csv(main, alt=files.get("alt"), add=files.get("add"))
    parser = {"ofac_xml": parse_ofac_xml, "un_xml": parse_un_xml, "eu_xml": parse_eu_xml,
              "uk_csv": parse_uk_csv}[list_format]
    return parser(main)


class RiskListSource(models.Model):
    _name = "risk.list.source"
    _description = "Sanctions list source"
    _order = "sequence, name"
    _finance_shared_config = True  # one list for every company

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    list_format = fields.Selection(FORMATS, required=True)
    url = fields.Char(string="Download URL", help="Where the scheduled download fetches the list.")
    alt_url = fields.Char(string="Aliases URL (OFAC alt.csv)")
    add_url = fields.Char(string="Addresses URL (OFAC add.csv)")
    auto_update = fields.Boolean(help="Download and import the list every day.")
    version_ids = fields.One2many("risk.list.version", "source_id")
    active_version_id = fields.Many2one("risk.list.version", readonly=True, guarded=True)
    entry_count = fields.Integer(compute="_compute_entry_count")
    last_error = fields.Text(readonly=True, guarded=True)

    def _compute_entry_count(self):
        counts = dict(self.env["risk.list.entry"]._read_group(
            [("source_id", "in", self.ids), ("active", "=", True)], ["source_id"], ["__count"]))
        for source in self:
            source.entry_count = counts.get(source, 0)

    # ------------------------------------------------------------------ import
    @decides
    def _import_files(self, files, origin="upload", filenames=None):
        """Parse, then record a new version and its entry changes; returns the version.

        A malformed file raises before anything is written to the entries:
        the failed version keeps the original file and the error, and the
        active version stays what it was.
        """
        self.ensure_one()
        if origin == "upload":  # the list is shared by every company: so is the right to replace it
            self._finance_check_shared(_("importing a list file"), records=self)
        try:
            snapshot = parse_list(self.list_format, files)
        except FormatError as exc:
            version = self.env["risk.list.version"].sudo().create({
                "source_id": self.id, "version": "failed", "state": "failed", "origin": origin,
                "error": str(exc)})
            version._attach(files, filenames)
            self.sudo().last_error = str(exc)
            self.env["finance.audit.event"]._log("screening.list_failed", version, summary=f"{self.name}: refused",
                                                 payload={"error": str(exc)}, company=self.env.company)
            raise UserError(_("The %(list)s file was refused: %(error)s", list=self.name, error=exc)) from None
        return self.env["risk.list.version"]._record_snapshot(self, snapshot, files, origin, filenames)

    def action_download(self):
        check_button(self, "finance_bridge_core.group_connection_admin")
        for source in self:
            source._download()
        return True

    def _fetch(self, url):
        session = make_http_session(timeout=DOWNLOAD_TIMEOUT, retries=2)
        response = session.get(url, stream=True)
        if response.status_code != 200:
            raise UserError(_("%(url)s answered %(code)s", url=url, code=response.status_code))
        chunks, size = [], 0
        for chunk in response.iter_content(1 << 16):
            size += len(chunk)
            if size > MAX_DOWNLOAD_BYTES:
                raise UserError(_("%s is larger than the download limit", url))
            chunks.append(chunk)
        return b"".join(chunks)

    def _download(self):
        self.ensure_one()
        if not self.url:
            raise UserError(_("%s has no download URL.", self.name))
        try:
            files = {"main": self._fetch(self.url)}
            if self.alt_url:
                files["alt"] = self._fetch(self.alt_url)
            if self.add_url:
                files["add"] = self._fetch(self.add_url)
        except Exception as exc:  # noqa: BLE001 - network errors of every kind end here
            # UserErrors keep their text; network errors read "cannot reach <host>: <reason>".
            message = exc.args[0] if isinstance(exc, UserError) else _(
                "%(list)s: download failed: %(reason)s", list=self.name, reason=describe_error(exc, self.url))
            self.sudo().last_error = message
            raise UserError(message) from None
        return self._import_files(files, origin="download")

    @api.model
    def _cron_download(self):
        for source in self.search([("auto_update", "=", True), ("url", "!=", False)]):
            try:
                with self.env.cr.savepoint():
                    source._download()
            except UserError as exc:
                _logger.warning("sanctions list %s not updated: %s", source.name, exc)
            self.env["ir.cron"]._commit_progress(1)
