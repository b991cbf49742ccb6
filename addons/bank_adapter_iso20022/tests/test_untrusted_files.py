"""Adversarial: untrusted files (issue #13, class 6: archives, XML, JSON nesting).

Each case is a hostile or awkward file as a bank, a careless operator or an attacker would send
it. Refused = one failed-import record naming the file (and member/line) with the reason,
nothing else written, no raw exception, the connection healthy and the file moved once.
"""
import base64
import os
import shutil
import tempfile
import tracemalloc
import zipfile

from odoo.addons.finance_bridge_core.lib.errors import FormatError
from odoo.addons.finance_bridge_core.lib.safe_xml import parse_xml
from odoo.addons.finance_bridge_core.tests.hostile_zip import build_zip, corrupt_member, patch_entry_count, patch_member
from odoo.addons.finance_bridge_core.tests.rpc_case import RpcAttackCase

from . import samples as s
from .sshd_server import LocalSshd
from .test_channels import ChannelCase
from .test_file_import import FileImportCase

NS = b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
DTD_REFUSED = "DOCTYPE/ENTITY declarations are not allowed"


def with_prolog(document, prolog):
    """``prolog`` inserted after the XML declaration of ``document``."""
    head, rest = document.split(b"?>", 1)
    return head + b"?>" + prolog + rest


def comment(size):
    """A prolog comment of ``size`` bytes; it names the camt namespace so the format is detected."""
    return b"<!-- " + NS + b" " + b"padding " * (size // 8) + b"-->\n"


class UntrustedCase(FileImportCase):
    def set_param(self, key, value):
        self.env["ir.config_parameter"].sudo().set_param(f"finance_bridge.{key}", str(value))

    def refused(self, data, name, fragment, member=None):
        """Exactly one failed record for ``name`` whose error names it (and the member), nothing booked."""
        before = self.env["account.bank.statement.line"].search_count([])
        records = self.Import._import_payload(data, name)
        self.assertEqual(records.mapped("state"), ["failed"], f"{name}: {records.mapped('error')}")
        self.assertTrue(records.error.startswith(f"{name}: "), records.error)
        self.assertIn(fragment, records.error)
        if member:
            self.assertIn(member, records.error)
        self.assertEqual(self.env["account.bank.statement.line"].search_count([]), before, "nothing booked")
        return records

    def good(self, ref="ACSR-1"):
        return self.camt(entries=s.entry(ref=ref, txs=s.tx(e2e=f"E2E-{ref}")))


class TestUntrustedArchives(UntrustedCase):
    adversarial_class = "untrusted_files"

    def test_encrypted_member(self):
        data = patch_member(build_zip([("stmt.xml", self.good())]), "stmt.xml", flags=0x1)
        self.refused(data, "enc.zip", "encrypted", "member stmt.xml")

    def test_unsupported_method_99(self):
        data = patch_member(build_zip([("stmt.xml", self.good())]), "stmt.xml", method=99)
        self.refused(data, "aes.zip", "unsupported compression method 99", "member stmt.xml")

    def test_corrupt_deflate_stream(self):
        data = corrupt_member(build_zip([("stmt.xml", self.good())]), "stmt.xml")
        self.refused(data, "corrupt.zip", "corrupt or unreadable", "member stmt.xml")

    def test_lying_size_smaller(self):
        data = patch_member(build_zip([("stmt.xml", self.good())]), "stmt.xml", size=200)
        self.refused(data, "lies.zip", "stmt.xml", "member stmt.xml")

    def test_lying_entry_count(self):
        self.refused(patch_entry_count(build_zip([("stmt.xml", self.good())]), 60000), "many.zip",
                     "60000 entries, at most 500")

    def test_compression_bomb_member(self):
        self.refused(build_zip([("bomb.xml", b" " * (40 * 1024 * 1024))]), "bomb.zip", "compression ratio",
                     "member bomb.xml")

    def test_total_uncompressed_limit(self):
        """Five distinct members: each under the member limit, together over the total one."""
        self.set_param("archive_max_total_bytes", 2_000_000)
        members = [(f"part{i}.xml", os.urandom(600_000)) for i in range(5)]
        self.refused(build_zip(members), "five.zip", "more than 2000000 bytes together")
        self.assertEqual(self.Import.search_count([("name", "like", "five.zip/")]), 0, "no member stored")

    def test_member_limit_from_system_parameter(self):
        self.set_param("archive_max_member_bytes", 100_000)
        self.refused(build_zip([("big.xml", os.urandom(150_000))]), "big.zip", "at most 100000 per member",
                     "member big.xml")

    def test_nested_archive(self):
        inner = build_zip([("stmt.xml", self.good())])
        self.refused(build_zip([("inner.zip", inner)]), "outer.zip", "nested archives", "member inner.zip")

    def test_nested_archive_disguised(self):
        inner = build_zip([("stmt.xml", self.good())])
        self.refused(build_zip([("stmt.xml", inner)]), "outer.zip", "nested archives", "member stmt.xml")

    def test_path_traversal_member(self):
        self.refused(build_zip([("../../../tmp/stmt.xml", self.good())]), "trav.zip", "unsafe member name")

    def test_absolute_member(self):
        self.refused(build_zip([("/etc/stmt.xml", self.good())]), "abs.zip", "unsafe member name")

    def test_zero_length_member(self):
        self.refused(build_zip([("stmt.xml", self.good()), ("empty.xml", b"")]), "zero.zip", "empty member",
                     "member empty.xml")

    def test_duplicate_member_names(self):
        self.refused(build_zip([("stmt.xml", self.good()), ("stmt.xml", self.good("ACSR-2"))]), "dup.zip",
                     "two members of this name")

    def test_not_a_zip_named_zip(self):
        self.refused(b"Dear customer, your statement is attached.\n" * 20, "statement.zip", "not a valid zip archive")

    def test_zero_length_zip(self):
        self.refused(b"", "empty.zip", "not a valid zip archive")

    def test_hostile_member_imports_nothing_of_the_archive(self):
        """All or nothing: the good member before a corrupt one is not imported either."""
        data = corrupt_member(build_zip([("a.xml", self.good()), ("b.xml", self.good("ACSR-2"))]), "b.xml")
        self.refused(data, "mixed.zip", "member b.xml")
        self.assertFalse(self.lines())

    def test_failed_original_kept_within_bound(self):
        """A refused 3 MB file is not copied whole into the filestore: its head and hash are kept."""
        self.set_param("failed_original_max_bytes", 1_000_000)
        data = b"\x00garbage" * (3 * 1024 * 1024 // 8)
        record = self.refused(data, "garbage.bin", "format not recognised")
        self.assertLess(len(record.attachment_id.raw), 100_000)
        self.assertEqual(record.attachment_id.raw, data[: len(record.attachment_id.raw)])
        self.assertIn("Original not kept", record.notes)
        self.assertEqual(record.file_size, len(data))

    def test_upload_wizard_encrypted_zip(self):
        data = patch_member(build_zip([("stmt.xml", self.good())]), "stmt.xml", flags=0x1)
        attachment = self.env["ir.attachment"].create({"name": "up.zip", "raw": data})
        wizard = self.env["finance.file.upload"].create({"attachment_ids": [(6, 0, attachment.ids)]})
        wizard.action_import()
        self.assertEqual(wizard.import_ids.mapped("state"), ["failed"])
        self.assertIn("up.zip: member stmt.xml: encrypted", wizard.import_ids.error)

    def test_upload_wizard_oversized_not_read(self):
        self.set_param("max_file_bytes", 50_000)
        attachment = self.env["ir.attachment"].create({"name": "huge.xml", "raw": self.good() + b" " * 60_000})
        wizard = self.env["finance.file.upload"].create({"attachment_ids": [(6, 0, attachment.ids)]})
        wizard.action_import()
        self.assertEqual(wizard.import_ids.mapped("state"), ["failed"])
        self.assertIn("exceeds the limit of 50000: not read", wizard.import_ids.error)
        self.assertFalse(wizard.import_ids.attachment_id)


class TestUntrustedArchivesStillImport(UntrustedCase):
    def test_good_archive_imports_every_member(self):
        records = self.Import._import_payload(build_zip([("a.xml", self.good()), ("b.xml", self.good("ACSR-2"))]),
                                              "good.zip")
        self.assertEqual(sorted(records.mapped("name")), ["good.zip/a.xml", "good.zip/b.xml"])
        self.assertEqual(records.mapped("state"), ["done", "done"])
        self.assertEqual(len(self.lines()), 2)

    def test_stored_archive_imports(self):
        records = self.Import._import_payload(build_zip([("a.xml", self.good())], zipfile.ZIP_STORED), "s.zip")
        self.assertEqual(records.state, "done")


class TestUntrustedFolder(ChannelCase):
    """A watched folder fed hostile files: each goes to failed/ once; the connection stays healthy."""
    adversarial_class = "untrusted_files"

    def setUp(self):
        super().setUp()
        self.root = tempfile.mkdtemp(prefix="fb_untrusted_")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.inbound = os.path.join(self.root, "in")
        os.makedirs(self.inbound)
        self.conn = self.connect("iso20022_folder", {"inbound_path": self.inbound})

    def drop(self, name, data=None, sparse=None):
        with open(os.path.join(self.inbound, name), "wb") as handle:
            if sparse:
                handle.truncate(sparse)
            else:
                handle.write(data)

    def sync(self):
        run = self.conn._run_sync("manual")
        self.commit_hooks()
        return run

    def assertHealthy(self, run):
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(self.conn.state, "active")
        self.assertEqual((self.conn.consecutive_failures, self.conn.next_retry), (0, False), "no backoff")

    def failed_records(self, name):
        return self.env["finance.file.import"].search([("connection_id", "=", self.conn.id), ("name", "=", name)])

    def test_encrypted_zip_goes_to_failed_once(self):
        data = patch_member(build_zip([("stmt.xml", self.camt())]), "stmt.xml", flags=0x1)
        self.drop("enc.zip", data)
        self.assertHealthy(self.sync())
        self.assertEqual(os.listdir(os.path.join(self.inbound, "failed")), ["enc.zip"])
        self.assertEqual(self.failed_records("enc.zip").mapped("state"), ["failed"])

    def test_poison_file_delivered_again_is_not_retried(self):
        data = corrupt_member(build_zip([("stmt.xml", self.camt())]), "stmt.xml")
        for _round in range(3):  # the bank delivers the same file again and again
            self.drop("poison.zip", data)
            self.assertHealthy(self.sync())
        self.assertEqual(len(self.failed_records("poison.zip")), 1, "refused once, not once per sync")
        self.assertFalse(os.path.exists(os.path.join(self.inbound, "poison.zip")))

    def test_unsupported_method_keeps_schedule(self):
        data = patch_member(build_zip([("stmt.xml", self.camt())]), "stmt.xml", method=99)
        self.drop("m99.zip", data)
        self.drop("good.xml", self.camt())
        run = self.sync()
        self.assertHealthy(run)
        self.assertEqual(run.lines_created, 1)
        self.assertEqual(sorted(os.listdir(os.path.join(self.inbound, "processed"))), ["good.xml"])

    def test_oversized_file_refused_without_reading(self):
        """A 64 MB file over an 8 MB limit: refused by its size, never read into memory."""
        self.env["ir.config_parameter"].sudo().set_param("finance_bridge.max_file_bytes", str(8 * 1024 * 1024))
        self.drop("huge.zip", sparse=64 * 1024 * 1024)
        tracemalloc.start()
        try:
            run = self.sync()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertHealthy(run)
        self.assertLess(peak, 8 * 1024 * 1024, f"peak {peak} bytes")
        record = self.failed_records("huge.zip")
        self.assertEqual((record.state, record.file_size), ("failed", 64 * 1024 * 1024))
        self.assertIn("not read", record.error)
        self.assertFalse(record.attachment_id, "nothing of it stored")
        self.assertEqual(os.listdir(os.path.join(self.inbound, "failed")), ["huge.zip"])

    def test_archive_with_a_bad_member_not_reimported(self):
        """A zip whose second member is not a bank file, delivered three times: recorded once."""
        data = build_zip([("stmt.xml", self.camt()), ("readme.txt", b"not a statement")])
        for _round in range(3):
            self.drop("partial.zip", data)
            self.assertHealthy(self.sync())
        self.assertEqual(self.failed_records("partial.zip/readme.txt").mapped("state"), ["failed"])
        self.assertEqual(len(self.failed_records("partial.zip/stmt.xml")), 1, "no duplicate record per delivery")
        self.assertEqual(len(self.lines()), 1)

    def test_deep_json_in_folder(self):
        self.drop("deep.json", b'{"format": "finance_bridge.statement", "version": 1, "statement": '
                  + b"[" * 200000 + b"]" * 200000 + b"}")
        self.assertHealthy(self.sync())
        self.assertIn("nested", self.failed_records("deep.json").error)


class TestUntrustedSftp(ChannelCase):
    """An SFTP server leaves refused files where they are: they must not be imported at every sync."""
    adversarial_class = "untrusted_files"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sshd = LocalSshd().__enter__()
        cls.addClassCleanup(cls.sshd.__exit__, None, None, None)

    def test_refused_file_on_server_recorded_once(self):
        with open(os.path.join(self.sshd.inbound, "enc.zip"), "wb") as handle:
            handle.write(patch_member(build_zip([("stmt.xml", self.camt())]), "stmt.xml", flags=0x1))
        conn = self.connect("iso20022_sftp", {
            "host": "127.0.0.1", "port": str(self.sshd.port), "username": self.sshd.user,
            "host_key": self.sshd.host_key_line(), "inbound_dir": self.sshd.inbound,
            "outbound_dir": self.sshd.outbound, "processed_dir": self.sshd.processed,
        }, {"private_key": self.sshd.client_private_key()})
        for _round in range(3):
            run = conn._run_sync("manual")
            self.commit_hooks()
            self.assertEqual(run.state, "done", run.error)
        self.assertEqual(conn.state, "active")
        records = self.env["finance.file.import"].search([("connection_id", "=", conn.id)])
        self.assertEqual(records.mapped("state"), ["failed"], "one record, not one per sync")
        self.assertIn("enc.zip: member stmt.xml: encrypted", records.error)


class TestUntrustedXml(UntrustedCase):
    adversarial_class = "untrusted_files"

    def test_dtd_after_70kb_comment(self):
        data = with_prolog(self.good(), comment(70 * 1024) + b'<!DOCTYPE Document [<!ENTITY x "y">]>')
        self.refused(data, "dtd70k.xml", DTD_REFUSED)

    def test_dtd_after_1mb_comment(self):
        data = with_prolog(self.good(), comment(1024 * 1024) + b"<!DOCTYPE Document>")
        self.refused(data, "dtd1m.xml", DTD_REFUSED)

    def test_internal_entity_after_whitespace(self):
        data = with_prolog(self.good(), comment(100) + b" \n" * 40000 + b'<!DOCTYPE Document [<!ENTITY co "ACME">]>').replace(
            b"<Nm>ACME GmbH</Nm>", b"<Nm>&co;</Nm>")
        self.refused(data, "entity.xml", DTD_REFUSED)

    def test_external_entity(self):
        data = with_prolog(self.good(), comment(80 * 1024)
                           + b'<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>').replace(
            b"<Ustrd>Invoice 17</Ustrd>", b"<Ustrd>&x;</Ustrd>")
        self.refused(data, "xxe.xml", DTD_REFUSED)

    def test_parameter_entity(self):
        data = with_prolog(self.good(), comment(80 * 1024)
                           + b'<!DOCTYPE Document [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>')
        self.refused(data, "param.xml", DTD_REFUSED)

    def test_system_dtd(self):
        data = with_prolog(self.good(), comment(80 * 1024) + b'<!DOCTYPE Document SYSTEM "file:///etc/hostname">')
        self.refused(data, "system.xml", DTD_REFUSED)

    def test_pain002_dtd_after_comment(self):
        pain_ns = b"urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"
        data = with_prolog(s.pain002(), b"<!-- " + pain_ns + b" " + b"x" * 80000 + b' -->\n<!DOCTYPE Document '
                           b'[<!ENTITY e SYSTEM "file:///etc/passwd">]>')
        self.refused(data, "status.xml", DTD_REFUSED)

    def test_xinclude(self):
        data = self.good().replace(b"<Ustrd>Invoice 17</Ustrd>", b'<Ustrd><xi:include xmlns:xi="http://www.w3.org/2001/'
                                   b'XInclude" href="file:///etc/passwd" parse="text"/></Ustrd>')
        self.refused(data, "xinclude.xml", "XInclude elements are not allowed")

    def test_bom_camt_accepted(self):
        record = self.Import._import_payload(b"\xef\xbb\xbf" + self.good(), "bom.xml")
        self.assertEqual((record.state, record.lines_created), ("done", 1), record.error)

    def test_bom_and_comment_before_declaration_free_camt(self):
        data = b"\xef\xbb\xbf" + self.good().split(b"?>", 1)[1].lstrip()
        record = self.Import._import_payload(data, "bom-nodecl.xml")
        self.assertEqual(record.state, "done", record.error)

    def test_parse_xml_refuses_dtd_after_prefix(self):
        """Risk lists and pain.002 use parse_xml: the same refusal whatever precedes the DTD."""
        with self.assertRaisesRegex(FormatError, DTD_REFUSED):
            parse_xml(b'<?xml version="1.0"?>' + comment(100 * 1024) + b'<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>',
                      "list.xml")

    def test_utf16_refused_clearly(self):
        data = self.good().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le")
        self.refused(data, "wide.xml", "UTF-16 encoded")


class TestXmlEncodings(UntrustedCase):
    def test_latin1_declared_camt_with_umlauts(self):
        text = self.camt(entries=s.entry(txs=s.tx(name="Müller & Söhne"))).decode().replace("&", "&amp;")
        data = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
        record = self.Import._import_payload(data, "latin1.xml")
        self.assertEqual(record.state, "done", record.error)
        self.assertEqual(self.lines().partner_name, "Müller & Söhne")

    def test_non_utf8_json_refused_clearly(self):
        self.refused('{"format": "finance_bridge.statement", "x": "Müller"}'.encode("latin-1"), "l1.json",
                     "not UTF-8")


class TestUntrustedJson(UntrustedCase):
    adversarial_class = "untrusted_files"

    def document(self, raw):
        return (b'{"format": "finance_bridge.statement", "version": 1, "statement": {"account": {"iban": "'
                + self.iban.encode() + b'", "currency": "EUR"}, "date": "2026-03-02", "lines": [{"booking_date": '
                b'"2026-03-02", "amount": "1.00", "raw": ' + raw + b"}]}}")

    def test_deeply_nested_arrays(self):
        self.refused(b'{"format": "finance_bridge.statement", "statement": ' + b"[" * 100000 + b"]" * 100000 + b"}",
                     "deep.json", "nested 100001 levels deep")

    def test_deeply_nested_objects(self):
        self.refused(b'{"format": "finance_bridge.statement", "statement": ' + b'{"a":' * 50000 + b"1"
                     + b"}" * 50001, "deep-obj.json", "levels deep")

    def test_nesting_hidden_by_strings(self):
        """Brackets inside strings do not count; real nesting after them does."""
        self.refused(b'{"format": "finance_bridge.statement", "x": "]]]]}}}}\\\"]]", "statement": '
                     + b"[" * 3000 + b"]" * 3000 + b"}", "strings.json", "nested 3001 levels deep")

    def test_nesting_inside_raw(self):
        self.refused(self.document(b'{"a":' * 60 + b"1" + b"}" * 60), "raw.json", "at most 32 allowed")


class TestUntrustedUploadRpc(RpcAttackCase):
    """The upload wizard over JSON-RPC as a Treasury Manager: a hostile zip is a failed record, not a crash."""
    adversarial_class = "untrusted_files"

    def upload(self, name, data):
        answer = self.call_kw("adv_treasury_a", "ir.attachment", "create",
                              [{"name": name, "datas": base64.b64encode(data).decode()}])
        self.assertTrue(answer.ok, answer)
        wizard = self.call_kw("adv_treasury_a", "finance.file.upload", "create",
                              [{"attachment_ids": [(6, 0, [answer.result])]}])
        self.assertTrue(wizard.ok, wizard)
        return self.call_button("adv_treasury_a", "finance.file.upload", "action_import", [wizard.result])

    def test_corrupt_zip_over_rpc(self):
        data = corrupt_member(build_zip([("s.xml", s.camt053())]), "s.xml")
        answer = self.upload("rpc.zip", data)
        self.assertTrue(answer.ok, answer)
        record = self.env["finance.file.import"].search([("name", "=", "rpc.zip")])
        self.assertEqual(record.state, "failed")
        self.assertIn("member s.xml", record.error)

    def test_method_99_over_rpc(self):
        data = patch_member(build_zip([("s.xml", s.camt053())]), "s.xml", method=99)
        answer = self.upload("rpc99.zip", data)
        self.assertTrue(answer.ok, answer)
        record = self.env["finance.file.import"].search([("name", "=", "rpc99.zip")])
        self.assertIn("unsupported compression method 99", record.error)
