"""The targets of `make bench`, and its report: a table, the JSON and a chart."""

from __future__ import annotations

import datetime
import json
import shutil
import statistics
from pathlib import Path

from bench.pages import PAGE

# --- targets (issue 11: ratios within one run, 10,000 products, 2 cores) ------------------------
# Requests/s of a page over the ceiling's.
CEILING_RATIO_TARGETS = {
    # Anonymous catalog pages, from the page cache.
    "home": 0.5,
    "listing": 0.5,
    "listing_search": 0.5,
    "category": 0.5,
    "product": 0.5,
    # Rendered per shopper.
    "listing_signed_in": 0.4,
    "category_signed_in": 0.4,
    "product_signed_in": 0.4,
    "cart": 0.25,
    "add_to_cart": 0.25,
}
PLACE_ORDER_TARGET_PER_S = 150
# Mixed: orders/s -> (least requests/s over the same pages' with no orders, least share of
# answers from the page cache or None).
MIXED_TARGETS = {5: (0.8, 0.95), 20: (0.6, None)}
# At the database, at AT_SCALE_PRODUCTS products.
AT_SCALE_PRODUCTS = 100_000
LISTING_P95_TARGET_MS = 30
LISTING_LAST_PAGE_P95_TARGET_MS = 50
SEARCH_P95_TARGET_MS = 50  # every term of the list
WORKER_MEMORY_TARGET_MB = 120
START_TARGET_S = 3.0

# Above this share of a core used by other processes during a run, the table warns.
OTHER_CPU_WARNING_PERCENT = 15


def page_label(key: str) -> str:
    return key if key.startswith("ceiling") else PAGE[key].label


def target(name: str, value, met: bool | None) -> dict:
    """One line of the targets; `met` None: the run cannot tell (e.g. no cache header)."""
    return {"target": name, "value": value, "met": met}


def percent(share: float | None) -> str:
    return "unknown" if share is None else f"{100 * share:.1f} %"


# --- evaluation ----------------------------------------------------------------------------------


def evaluate(report: dict) -> None:
    """Ratios and query counts into the pages' results; the targets into report["targets"]."""
    pages = report["pages"]
    ceilings = [pages[k] for k in ("ceiling_first", "ceiling_last") if k in pages]
    ceiling_rps = statistics.mean(c["rps"] for c in ceilings) if ceilings else None
    ceiling_cpu_ms = (
        statistics.mean(c["app_cpu_ms_per_request"] for c in ceilings) if ceilings else None
    )
    report["ceiling_rps"] = round(ceiling_rps, 1) if ceiling_rps else None
    for key, page in pages.items():
        page["ratio"] = round(page["rps"] / ceiling_rps, 3) if ceiling_rps else None
        # The ratio of CPU costs: what the ratio is when the shop's core is saturated, and a
        # figure other processes on the machine disturb far less than requests/s.
        page["cpu_ratio"] = (
            round(ceiling_cpu_ms / page["app_cpu_ms_per_request"], 3) if ceiling_cpu_ms else None
        )
        counted = report.get("queries", {}).get("ceiling" if key.startswith("ceiling") else key)
        page["queries"] = counted["queries"] if counted else None
    targets = []
    for key, least in CEILING_RATIO_TARGETS.items():
        if key in pages and ceiling_rps:
            ratio = pages[key]["ratio"]
            targets.append(target(f"{page_label(key)} >= {least}x ceiling", ratio, ratio >= least))
    if "place_order" in pages:
        orders = pages["place_order"]["orders"]
        rate = round(orders["orders_per_s"], 1)
        targets.append(
            target(
                f"Place order >= {PLACE_ORDER_TARGET_PER_S} orders/s",
                rate,
                rate >= PLACE_ORDER_TARGET_PER_S,
            )
        )
        targets.append(target("Place order: no oversell", orders["ok"], orders["ok"]))
    targets += mixed_targets(report.get("mixed"))
    targets += at_scale_targets(report.get("at_scale"))
    memory = report.get("memory")
    if memory:
        targets.append(
            target(
                f"worker memory < {WORKER_MEMORY_TARGET_MB} MB (RSS)",
                f"RSS {memory['max_rss_mb']} MB, PSS {memory['max_pss_mb']} MB",
                memory["max_rss_mb"] < WORKER_MEMORY_TARGET_MB,
            )
        )
    start = report["start_to_healthy_s"]
    targets.append(
        target(
            f"start to healthy < {START_TARGET_S:g} s",
            f"max {start['max']} s",
            start["max"] < START_TARGET_S,
        )
    )
    report["targets"] = targets


def mixed_targets(mixed: dict | None) -> list[dict]:
    if not mixed:
        return []
    targets = []
    for page_set in mixed["page_sets"].values():
        for rate, (least_ratio, least_hits) in MIXED_TARGETS.items():
            run = page_set["runs"].get(str(rate))
            if run is None:
                continue
            name = f"{page_set['label']} at {rate} orders/s"
            achieved = f"at {run['orders']['orders_per_s']} orders/s"
            ratio = run["ratio_to_no_orders"]
            targets.append(
                target(
                    f"{name}: >= {least_ratio}x no-order req/s",
                    f"{ratio}x {achieved}",
                    ratio >= least_ratio,
                )
            )
            if least_hits is not None:
                hits = run["hit_rate"]
                targets.append(
                    target(
                        f"{name}: >= {percent(least_hits)} cache hits",
                        percent(hits),
                        None if hits is None else hits >= least_hits,
                    )
                )
    rounds = [
        run["orders"]["stock"]
        for page_set in mixed["page_sets"].values()
        for run in page_set["runs"].values()
        if run["orders"]
    ]
    if rounds:
        ok = all(stock["ok"] for stock in rounds)
        targets.append(target("mixed: no oversell", ok, ok))
    return targets


def at_scale_targets(at_scale: dict | None) -> list[dict]:
    if not at_scale:
        return []
    products = at_scale["products"]
    enough = products >= AT_SCALE_PRODUCTS
    at = f"at {products:,} products"
    listing, search = at_scale["listing"], at_scale["search"]
    first_p95, last_p95 = listing["first"]["p95_ms"], listing["last"]["p95_ms"]
    worst_term, worst = max(search["terms"].items(), key=lambda item: item[1]["p95_ms"])
    scale = f"{AT_SCALE_PRODUCTS:,} products"
    return [
        target(
            f"listing p95 < {LISTING_P95_TARGET_MS} ms at {scale}",
            f"{first_p95} ms {at}",
            enough and first_p95 < LISTING_P95_TARGET_MS,
        ),
        target(
            f"listing's last page p95 < {LISTING_LAST_PAGE_P95_TARGET_MS} ms at {scale}",
            f"{last_p95} ms (page {listing['last_page']:,}) {at}",
            enough and last_p95 < LISTING_LAST_PAGE_P95_TARGET_MS,
        ),
        target(
            f"search p95 < {SEARCH_P95_TARGET_MS} ms for every term at {scale}",
            f"worst {worst_term!r} {worst['p95_ms']} ms {at}",
            enough and worst["p95_ms"] < SEARCH_P95_TARGET_MS,
        ),
    ]


# --- the table -----------------------------------------------------------------------------------


def table(report: dict) -> str:
    lines = pages_table(report["pages"])
    if report.get("mixed"):
        lines += ["", *mixed_table(report["mixed"])]
    lines.append("")
    if "place_order" in report["pages"]:
        place_order = report["pages"]["place_order"]
        orders = place_order["orders"]
        lines.append(
            f"Place order: {orders['orders']} orders in {orders['first_to_last_s']:.1f} s = "
            f"{orders['orders_per_s']:.1f} orders/s; stock arithmetic "
            f"{'OK' if orders['ok'] else 'MISMATCH'} (scarce stock left: "
            f"{orders['scarce_stock_left']}); refused (stock ran out): {place_order['unexpected']}"
        )
    at_scale = report.get("at_scale")
    if at_scale:
        listing, search = at_scale["listing"], at_scale["search"]
        lines.append(
            f"Listing at the database, {at_scale['products']:,} products: first page p50/p95 "
            f"{listing['first']['p50_ms']}/{listing['first']['p95_ms']} ms, last page "
            f"({listing['last_page']:,}) {listing['last']['p50_ms']}/{listing['last']['p95_ms']}"
            " ms"
        )
        per_term = ", ".join(
            f"{term!r} {data['p50_ms']}/{data['p95_ms']}" for term, data in search["terms"].items()
        )
        lines.append(
            f"Search at the database, {at_scale['products']:,} products: p50 {search['p50_ms']} ms,"
            f" p95 {search['p95_ms']} ms (per term p50/p95 ms: {per_term})"
        )
    seeding = report["seeding"]
    seeded = f"Seeding: {seeding['products']:,} products in {seeding['seconds']} s"
    if at_scale and "seeding_s" in at_scale:
        seeded += f"; {at_scale['products']:,} in {at_scale['seeding_s']} s"
    lines.append(seeded)
    memory = report.get("memory")
    if memory:
        lines.append(
            f"Worker memory after warm-up: max RSS {memory['max_rss_mb']} MB, max PSS "
            f"{memory['max_pss_mb']} MB, max USS {memory['max_uss_mb']} MB"
        )
    start = report["start_to_healthy_s"]
    lines.append(f"Start to /health/live/: {start['samples']} s (max {start['max']} s)")
    lines.append(f"CPU split: {report['settings']['cpu_split']}")
    lines.append(f"Machine: {report['machine_line']}")
    lines += ["", "Targets:"]
    flags = {True: "met", False: "MISSED", None: "unknown"}
    for line in report["targets"]:
        lines.append(f"  [{flags[line['met']]}] {line['target']}: {line['value']}")
    return "\n".join(lines)


def pages_table(pages: dict) -> list[str]:
    header = (
        f"{'page':<28}{'req/s':>9}{'ratio':>7}{'CPU r.':>7}{'p50 ms':>9}{'p99 ms':>9}{'hits':>7}"
        f"{'SQL':>5}{'app CPU':>9}{'db CPU':>8}{'wrk CPU':>9}{'boots':>7}{'bad':>5}"
    )
    lines = [header, "-" * len(header)]
    for key, page in pages.items():
        queries = page.get("queries")
        lines.append(
            f"{page_label(key):<28}{page['rps']:>9.1f}{page['ratio'] or 0:>7.2f}"
            f"{page['cpu_ratio'] or 0:>7.2f}{page['p50_ms']:>9.2f}{page['p99_ms']:>9.2f}"
            f"{hits_cell(page['hit_rate']):>7}{'' if queries is None else queries:>5}"
            f"{page['app_cpu_ms_per_request']:>9.2f}{page['db_cpu_ms_per_request']:>8.2f}"
            f"{page['wrk_cpu_ms_per_request']:>9.2f}{page['worker_boots']:>7}"
            f"{page['unexpected'] + page['exhausted']:>5}"
        )
    lines.append(
        "(ratio: req/s over the ceiling's; CPU r.: the ceiling's CPU per request over the page's;"
        " hits: answers from the page cache (X-Page-Cache), '-' when no answer said;"
        " CPU columns: ms of CPU per request, db: PostgreSQL and Redis;"
        " boots: gunicorn workers started meanwhile;"
        " bad: unexpected answers, for Place order the checkouts refused for stock)"
    )
    busy = [
        f"{page_label(key)} {page['other_cpu_percent']:.0f}%"
        for key, page in pages.items()
        if page.get("other_cpu_percent", 0) > OTHER_CPU_WARNING_PERCENT
    ]
    if busy:
        lines.append(
            "WARNING: other processes used CPU during the runs ("
            + ", ".join(busy)
            + " of a core): these figures are not reliable; run again on a quiet machine."
        )
    return lines


def mixed_table(mixed: dict) -> list[str]:
    header = (
        f"{'pages, while orders flow':<28}{'orders/s':>9}{'achieved':>9}{'req/s':>9}"
        f"{'ratio':>7}{'p99 ms':>9}{'hits':>7}{'bad':>5}  stock"
    )
    lines = [header, "-" * len(header)]
    for page_set in mixed["page_sets"].values():
        for rate, run in page_set["runs"].items():
            orders = run["orders"]
            achieved = f"{orders['orders_per_s']:.1f}" if orders else "-"
            stock = "-"
            if orders:
                left = ",".join(map(str, orders["stock"]["scarce_stock_left"].values()))
                ok = "OK" if orders["stock"]["ok"] else "MISMATCH"
                stock = f"{ok} (scarce left {left}; refused {orders['refused']})"
            lines.append(
                f"{page_set['label']:<28}{rate:>9}{achieved:>9}{run['rps']:>9.1f}"
                f"{run['ratio_to_no_orders']:>7.2f}{run['p99_ms']:>9.2f}"
                f"{hits_cell(run['hit_rate']):>7}{run['unexpected'] + run['exhausted']:>5}"
                f"  {stock}"
            )
    lines.append(
        "(anonymous visitors under wrk while a driver POSTs /checkout/ on a deadline schedule;"
        " ratio: req/s over the same pages' with no orders; achieved: orders placed per second;"
        " stock: arithmetic of the round, scarce products start at the low-stock threshold + "
        f"{mixed['scarce_stock_above_threshold']})"
    )
    return lines


def hits_cell(hit_rate: float | None) -> str:
    return "-" if hit_rate is None else f"{100 * hit_rate:.0f}%"


# --- the chart -----------------------------------------------------------------------------------


def chart(report: dict, path: Path) -> None:
    """Requests/s and p99 of every page against the ceiling; below, the mixed scenario's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [panel for panel in (pages_panel(report), mixed_panel(report.get("mixed"))) if panel]
    if not panels:
        return
    heights = [len(panel["labels"]) for panel in panels]
    fig, axes = plt.subplots(
        len(panels),
        2,
        figsize=(13, 2.5 + 0.42 * sum(heights)),
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    for row, panel in zip(axes, panels, strict=True):
        bars(row, **panel)
    settings = report["settings"]
    fig.suptitle(
        f"Storefront vs. its stack's ceiling — {settings['products']:,} products, "
        f"wrk -c{settings['wrk_connections']}, {settings['duration_s']} s per page, "
        f"{settings['cpu_split']}\n{report['machine_line']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def pages_panel(report: dict) -> dict | None:
    ceilings = [page for key, page in report["pages"].items() if key.startswith("ceiling")]
    pages = {k: v for k, v in report["pages"].items() if not k.startswith("ceiling")}
    if not pages:
        return None
    ceiling_rps = report["ceiling_rps"]
    reference = None
    if ceiling_rps:
        reference = ("ceiling", ceiling_rps, statistics.mean(c["p99_ms"] for c in ceilings))
    return {
        "title": "pages",
        "labels": [page_label(key) for key in pages],
        "rps": [page["rps"] for page in pages.values()],
        "notes": [f"{page['ratio'] or 0:.2f}× ceiling" for page in pages.values()],
        "p99": [page["p99_ms"] for page in pages.values()],
        "reference": reference,
    }


def mixed_panel(mixed: dict | None) -> dict | None:
    if not mixed:
        return None
    rows = [
        (f"{page_set['label']}, {rate} orders/s", run)
        for page_set in mixed["page_sets"].values()
        for rate, run in page_set["runs"].items()
    ]
    return {
        "title": "anonymous pages while orders flow",
        "labels": [label for label, _ in rows],
        "rps": [run["rps"] for _, run in rows],
        "notes": [
            f"{run['ratio_to_no_orders']:.2f}× no orders, hits {hits_cell(run['hit_rate'])}"
            for _, run in rows
        ],
        "p99": [run["p99_ms"] for _, run in rows],
        "reference": None,
    }


def bars(axes, *, title, labels, rps, notes, p99, reference) -> None:
    """Requests/s (left) and p99 (right) of each row, against a reference (the ceiling)."""
    left, right = axes
    left.set_title(title, fontsize=10)
    positions = range(len(labels))
    left.barh(positions, rps, color="#4477aa")
    right.barh(positions, p99, color="#ee7733")
    for y, value, note in zip(positions, rps, notes, strict=True):
        left.text(value, y, f" {value:.0f} ({note})", va="center", fontsize=8)
    for y, value in zip(positions, p99, strict=True):
        right.text(value, y, f" {value:.1f}", va="center", fontsize=8)
    most_rps, most_p99 = max(rps), max(p99)
    if reference:
        name, reference_rps, reference_p99 = reference
        left.axvline(
            reference_rps, color="#cc3311", linestyle="--", label=f"{name} {reference_rps:.0f}"
        )
        right.axvline(
            reference_p99, color="#cc3311", linestyle="--", label=f"{name} {reference_p99:.1f}"
        )
        left.legend(loc="lower right")
        right.legend(loc="lower right")
        most_rps, most_p99 = max(most_rps, reference_rps), max(most_p99, reference_p99)
    left.set_yticks(list(positions), labels)
    right.set_yticks(list(positions), [""] * len(labels))
    left.invert_yaxis()
    right.invert_yaxis()
    left.set_xlabel("requests/s (higher is better)")
    right.set_xlabel("p99 latency, ms (lower is better)")
    left.set_xlim(0, most_rps * 1.6)
    right.set_xlim(0, most_p99 * 1.25)


def write_results(report: dict, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path = directory / f"{stamp}.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    shutil.copyfile(json_path, directory / "latest.json")
    png_path = directory / f"{stamp}.png"
    chart(report, png_path)
    shutil.copyfile(png_path, directory / "latest.png")
    return json_path, png_path
