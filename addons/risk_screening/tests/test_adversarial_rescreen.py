"""Adversarial: after a list update every active counterparty is re-screened exactly once per version.

The review's job restarted at the first partner whenever the cron's time slice ended, so most
partners were never screened and the version stayed pending. These cases give the job a tiny
time slice, a crash in the middle of a batch and two concurrent runs, and count the screening
rows per partner and version.
"""
import time

import psycopg2

from odoo.addons.finance_bridge_core.tests.committed_case import CommittedCase
from odoo.tests.common import TransactionCase

from . import fixtures as fx

LISTED = '9{n},"ZORBLAX QUENTAVIA HOLDINGS {n}",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'


def one_batch_per_run(processed=0, remaining=None, deactivate=False):
    """The cron progress API of a run whose time slice is spent after every batch."""
    return 0.0 if remaining is None else 1.0


def new_list(env, tag, names=1):
    """A fresh list source with its own entries (other tests' lists stay untouched); returns the version."""
    source = env["risk.list.source"].create({"name": f"Adversarial list {tag}", "list_format": "ofac_csv"})
    body = "".join(LISTED.format(n=n) for n in range(names))
    return source._import_files({"main": body.encode(), "alt": fx.OFAC_ALT.encode()[:0]})


class TestRescreenCoverage(TransactionCase):
    adversarial_class = "screening_coverage"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.engine = cls.env["risk.screening.engine"]
        # Finish whatever is pending from the install so each case measures its own version.
        cls.engine._rescreen_pending(lambda *a, **k: float("inf"))
        Partner = cls.env["res.partner"].with_context(risk_skip_screening=True)
        # More counterparties than one time slice (the job's old fixed batch was 500) can take.
        cls.partners = Partner.create([{"name": f"Counterparty {i:04d} GmbH", "is_company": True,
                                        "supplier_rank": 1} for i in range(520)])
        cls.partners[::7].write({"name": "Zorblax Quentavia Holdings 3"})
        cls.env["ir.config_parameter"].sudo().set_param("risk_screening.rescreen_batch_size", "40")

    def marks(self, version):
        rows = self.env["risk.list.version.screening"].search_read([("version_id", "=", version.id)], ["partner_id"])
        counts = {}
        for row in rows:
            counts[row["partner_id"][0]] = counts.get(row["partner_id"][0], 0) + 1
        return counts

    def targets(self):
        return self.env["res.partner"].search(self.engine._rescreen_domain())

    def run_slices(self, version, limit=100):
        runs = 0
        while version.rescreen_state == "pending" and runs < limit:
            with self.env.cr.savepoint():
                self.engine._rescreen_pending(one_batch_per_run)
            runs += 1
        return runs

    def assertExactlyOnce(self, version):
        counts = self.marks(version)
        targets = self.targets()
        self.assertEqual(set(counts), set(targets.ids), "every active counterparty is screened, none else")
        self.assertEqual(set(counts.values()), {1}, "no counterparty is screened twice for one version")
        self.assertEqual(version.rescreen_state, "done")
        self.assertEqual((version.rescreen_done, version.rescreen_total), (len(targets), len(targets)))
        self.assertEqual(version.rescreen_progress, 100.0)

    def test_tiny_time_slice_screens_everyone_once(self):
        version = new_list(self.env, "slice", names=5)
        self.assertEqual(version.rescreen_state, "pending")
        runs = self.run_slices(version)
        self.assertGreater(runs, 10, "the work really was spread over many time slices")
        self.assertExactlyOnce(version)
        self.assertEqual(set(self.partners[::7].mapped("risk_state")), {"hit"})
        self.assertEqual(self.partners[1].risk_state, "clear")

    def test_progress_is_visible_between_slices(self):
        version = new_list(self.env, "progress", names=2)
        with self.env.cr.savepoint():
            self.engine._rescreen_pending(one_batch_per_run)
        self.assertEqual(version.rescreen_state, "pending")
        self.assertEqual(version.rescreen_done, 40)
        self.assertEqual(version.rescreen_total, len(self.targets()))
        self.assertTrue(0 < version.rescreen_progress < 100)
        first_cursor = version.rescreen_cursor
        with self.env.cr.savepoint():
            self.engine._rescreen_pending(one_batch_per_run)
        self.assertGreater(version.rescreen_cursor, first_cursor, "the second slice goes on, not from the start")
        self.assertEqual(version.rescreen_done, 80)

    def test_crash_mid_batch_resumes_without_gap_or_duplicate(self):
        version = new_list(self.env, "crash", names=3)
        victim = self.partners[130]
        # A real failure inside the batch: PostgreSQL refuses to update this one partner.
        self.env.cr.execute("""
            CREATE FUNCTION fb_adv_crash() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.id = %s AND NEW.risk_screened_at IS DISTINCT FROM OLD.risk_screened_at THEN
                    RAISE EXCEPTION 'worker died in the middle of a batch';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER fb_adv_crash BEFORE UPDATE ON res_partner FOR EACH ROW EXECUTE FUNCTION fb_adv_crash();
        """ % int(victim.id))  # noqa: UP031 - DDL takes no bind parameters
        crashed = False
        for _run in range(100):
            try:
                with self.env.cr.savepoint():
                    self.engine._rescreen_pending(one_batch_per_run)
            except psycopg2.Error:
                crashed = True
                break
            finally:
                self.env.invalidate_all()
        self.assertTrue(crashed)
        self.assertLess(version.rescreen_cursor, victim.id, "the crashed batch left no cursor behind")
        self.assertNotIn(victim.id, self.marks(version))
        self.env.cr.execute("DROP TRIGGER fb_adv_crash ON res_partner; DROP FUNCTION fb_adv_crash()")
        self.run_slices(version)
        self.assertExactlyOnce(version)

    def test_counterparties_changing_between_slices(self):
        version = new_list(self.env, "moving", names=4)
        with self.env.cr.savepoint():
            self.engine._rescreen_pending(one_batch_per_run)
        late = self.env["res.partner"].with_context(risk_skip_screening=True).create(
            {"name": "Zorblax Quentavia Holdings 2", "is_company": True, "customer_rank": 1})
        gone = self.partners[-1]
        gone.active = False
        self.run_slices(version)
        self.assertExactlyOnce(version)
        self.assertIn(late.id, self.marks(version), "a counterparty added during the pass is screened too")
        self.assertNotIn(gone.id, self.marks(version))
        self.assertEqual(late.risk_state, "hit")

    def test_two_versions_each_get_their_own_pass(self):
        first = new_list(self.env, "first", names=1)
        second = new_list(self.env, "second", names=1)
        self.run_slices(first)
        self.run_slices(second)
        self.assertExactlyOnce(first)
        self.assertExactlyOnce(second)


class TestConcurrentRescreen(CommittedCase):
    adversarial_class = "screening_coverage"

    def test_two_concurrent_runs_never_screen_a_partner_twice(self):
        tag = f"conc{int(time.time() * 1000) % 10**8}"
        with self.transaction() as env:
            env["risk.screening.engine"]._rescreen_pending(lambda *a, **k: float("inf"))
            partners = env["res.partner"].with_context(risk_skip_screening=True).create(
                [{"name": f"{tag} counterparty {i}", "customer_rank": 1} for i in range(150)])
            partner_ids = partners.ids
            version_id = new_list(env, tag, names=2).id
        try:
            def work(env, index):
                def commit_progress(processed=0, remaining=None, deactivate=False):
                    env.cr.commit()
                    return float("inf")
                return env["risk.screening.engine"]._rescreen_pending(commit_progress, batch_size=7)

            screened = self.run_workers(work, count=2)
            with self.transaction() as env:
                version = env["risk.list.version"].browse(version_id)
                self.assertEqual(version.rescreen_state, "done")
                env.cr.execute("SELECT partner_id, count(*) FROM risk_list_version_screening WHERE version_id = %s "
                               "GROUP BY partner_id", (version_id,))
                counts = dict(env.cr.fetchall())
                targets = env["res.partner"].search(env["risk.screening.engine"]._rescreen_domain())
                self.assertEqual(set(counts), set(targets.ids))
                self.assertEqual(set(counts.values()), {1})
                self.assertTrue(set(partner_ids) <= set(counts))
                self.assertEqual(sum(screened), version.rescreen_done)
        finally:
            with self.transaction() as env:
                version = env["risk.list.version"].browse(version_id)
                source = version.source_id
                env["risk.list.entry"].with_context(active_test=False).search(
                    [("source_id", "=", source.id)]).unlink()
                source.unlink()
                env["res.partner"].browse(partner_ids).unlink()
