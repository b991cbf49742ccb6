"""`make matching-eval`: precision of automatic reconciliations, recall and automation rate of the
bank matching engine on a generated, labelled corpus with realistic noise (see matching_corpus.py)."""
import argparse
import collections
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import addons_path  # noqa: E402,F401  (makes odoo.addons.* of this repository importable)
import matching_corpus  # noqa: E402

from odoo.addons.bank_reconciliation_matching.lib.match_dto import MatchConfig  # noqa: E402
from odoo.addons.bank_reconciliation_matching.lib.match_engine import MatchEngine  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=int, default=MatchConfig().auto_threshold)
    parser.add_argument("--show", type=int, default=0, help="print N wrong automatic reconciliations")
    args = parser.parse_args()
    items, ibans, labelled = matching_corpus.generate(args.lines, args.items, args.seed)
    started = time.perf_counter()
    engine = MatchEngine(items, ibans, [matching_corpus.FEE_RULE], MatchConfig(auto_threshold=args.threshold))
    results = engine.match([lab.line for lab in labelled])
    elapsed = time.perf_counter() - started
    precision, recall, auto_rate, info = matching_corpus.judge(results, labelled)
    by_kind = collections.defaultdict(lambda: [0, 0])
    for res, lab in zip(results, labelled, strict=True):
        by_kind[lab.kind][0] += 1
        by_kind[lab.kind][1] += res.decision == "auto"
    print(f"corpus: {info['lines']} lines ({info['matchable']} with a true match), {len(items)} open items, "
          f"seed {args.seed}, threshold {args.threshold}; {len(labelled) / elapsed:.0f} lines/s")
    print("automatic by kind: " + ", ".join(f"{k} {a}/{n}" for k, (n, a) in sorted(by_kind.items())))
    for wrong in info["wrong"][: args.show]:
        print("  wrong:", wrong)
    print(f"matching: precision={precision:.4f} recall={recall:.4f} auto_rate={auto_rate:.4f} "
          f"(auto {info['auto']}, wrong auto {info['wrong_auto']})")
    return 0 if precision >= 0.995 and auto_rate >= 0.85 else 1


if __name__ == "__main__":
    sys.exit(main())
