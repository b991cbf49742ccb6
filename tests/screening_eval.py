"""`make screening-eval`: recall, false-hit rate and speed of the sanctions matcher.

List: the UN "untreated" positives of the yente benchmark plus every OFAC SDN name and alias.
Queries: the UN "treated" positives (each must find its own untreated entry), the US Congress
positives (not sanctioned: controls) and the 50,000 synthetic global negatives.
"""
import argparse
import csv
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import addons_path  # noqa: E402,F401  (makes odoo.addons.* of this repository importable)

from odoo.addons.risk_screening.lib.list_dto import ListEntry, ListName  # noqa: E402
from odoo.addons.risk_screening.lib.matcher import DEFAULT_THRESHOLD, NameIndex, ScreenQuery  # noqa: E402
from odoo.addons.risk_screening.lib.ofac_csv_parser import parse_ofac_csv  # noqa: E402


def year(value):
    return int(value[:4]) if value and value[:4].isdigit() else None


def rows(path):
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def query(row):
    country = row["nationality"].upper() if len(row["nationality"]) == 2 else None
    return ScreenQuery(name=row["full_name"], entry_type="person", birth_year=year(row["date_of_birth"]),
                       country=country)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "sanctions"))
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--show", type=int, default=0, help="print N misses and N false hits")
    args = parser.parse_args()
    data = pathlib.Path(args.data)
    bench = data / "yente_candidate_generation_benchmark"
    sdn_dir, alt_dir = data / "ofac" / "2024-05-03_sdn-only", data / "ofac" / "2025-12-24_alt-add-only"
    ofac = parse_ofac_csv((sdn_dir / "sdn.csv").read_bytes(), alt=(alt_dir / "alt.csv").read_bytes())
    untreated = rows(bench / "positives_un_untreated.csv")
    un_entries = [ListEntry(source="un-bench", ref=f"un-{i}", entry_type="person",
                            names=(ListName(r["full_name"], True, True),),
                            birth_years=(year(r["date_of_birth"]),) if year(r["date_of_birth"]) else (),
                            countries=(r["nationality"].upper(),) if len(r["nationality"]) == 2 else ())
                  for i, r in enumerate(untreated)]
    started = time.perf_counter()
    index = NameIndex(list(ofac.entries) + un_entries)
    build = time.perf_counter() - started
    treated = rows(bench / "positives_un_treated.csv")
    congress = rows(bench / "positives_us_congress_untreated.csv")
    negatives = rows(bench / "negatives_global.csv")

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}) if hasattr(os, "sched_setaffinity") else None
    queries = [query(r) for r in treated + congress + negatives]
    started = time.perf_counter()
    results = [index.screen(q, threshold=args.threshold) for q in queries]
    elapsed = time.perf_counter() - started

    n_pos = len(treated)
    found = sum(1 for i, res in enumerate(results[:n_pos]) if any(m.entry.ref == f"un-{i}" for m in res))
    misses = [(treated[i]["full_name"], untreated[i]["full_name"]) for i, res in enumerate(results[:n_pos])
              if not any(m.entry.ref == f"un-{i}" for m in res)]
    control_hits = [(congress[i]["full_name"], res[0].matched_name, res[0].score)
                    for i, res in enumerate(results[n_pos:n_pos + len(congress)]) if res]
    neg_results = results[n_pos + len(congress):]
    neg_hits = [(negatives[i]["full_name"], res[0].matched_name, res[0].score, res[0].explanation["qualifiers"])
                for i, res in enumerate(neg_results) if res]
    recall = found / n_pos
    neg_rate = len(neg_hits) / len(negatives)
    rate = len(queries) / elapsed
    print(f"list: {len(index.entries)} entries, {len(index.names)} names (OFAC {len(ofac.entries)} + UN "
          f"{len(un_entries)}), index built in {build:.2f} s")
    print(f"queries: {n_pos} UN treated positives, {len(congress)} US Congress controls, "
          f"{len(negatives)} global negatives; threshold {args.threshold}")
    print(f"recall {found}/{n_pos} = {recall:.3f}; control hits {len(control_hits)}/{len(congress)} = "
          f"{len(control_hits) / len(congress):.4f}; negatives hit {len(neg_hits)}/{len(negatives)} = {neg_rate:.4f}")
    print(f"{len(queries)} names in {elapsed:.2f} s on one core = {rate:.0f} names/s")
    for label, items in (("miss", misses), ("control hit", control_hits), ("negative hit", neg_hits)):
        for item in items[:args.show]:
            print(f"  {label}: {item}")
    print(f"screening: recall={recall:.3f} negatives_hit={neg_rate:.4f} names_per_s={rate:.0f}")


if __name__ == "__main__":
    main()
