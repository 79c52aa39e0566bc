"""`make bench` for listings: server time of /listings/ on 100,000 listings."""

from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from bench.timing import time_call
from listings.models import Listing

TARGET_LISTINGS = 100_000
TARGET_P95_MS = 30

CASES = [
    ("plain", ""),
    ("kind=factory", "kind=factory"),
    ("deal=rent", "deal=rent"),
    ("town=新桥镇", "town=新桥镇"),
    ("park", "park=songjiang-etdz"),
    ("area_min=1000", "area_min=1000"),
    ("area_max=2000", "area_max=2000"),
    ("rent_max=1.2", "rent_max=1.2"),
    ("sale_max=3000", "sale_max=3000"),
    ("height_min=8", "height_min=8"),
    ("load_min=2000", "load_min=2000"),
    ("power_min=630", "power_min=630"),
    ("crane_min=10", "crane_min=10"),
    ("eia=1", "eia=1"),
    ("standalone=1", "standalone=1"),
    ("single_storey=1", "single_storey=1"),
    ("certificate=1", "certificate=1"),
    ("divisible=1", "divisible=1"),
    ("q=独栋", "q=独栋"),
    ("kind+town+area_min", "kind=factory&town=新桥镇&area_min=1000"),
    ("sort=price (rent)", "deal=rent&sort=price"),
    ("sort=-price", "sort=-price"),
    ("page=50", "page=50"),
]


def ensure_listings(command, target=TARGET_LISTINGS):
    """Build listings up to `target` the first time (the bench database keeps them)."""
    existing = Listing.objects.count()
    if existing < target:
        command.stdout.write(f"building {target - existing} more listings first…")
        # Through seed_demo, which also indexes the new rows for the search (q=…).
        call_command("seed_demo", listings=target)
        # Settle the new rows as autovacuum would in time: planner statistics (without
        # them the cards' pictures were read by a scan of all 100,000, 6.5 ms instead of
        # 0.3), and the visibility map that lets the covering indexes answer without the
        # table.
        with connection.cursor() as cursor:
            for table in ("listings_listing", "listings_listingimage", "listings_landparcel"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")


def run(command, repeat=30):
    ensure_listings(command)
    command.stdout.write(
        f"/listings/ with {Listing.objects.count()} listings "
        f"({Listing.objects.published().count()} public), target p95 ≤ {TARGET_P95_MS} ms"
    )
    client = Client()
    fragments = caches["fragments"]
    # DEBUG off so that queries are not recorded; the page is measured as served. Each
    # case twice: as visitors mostly see it, with the cards kept rendered (the count is
    # kept a minute either way), and with no card kept (after a restart, or for a page
    # nobody opened within ten minutes), when every card loads its row and pictures.
    with override_settings(DEBUG=False):
        for kept, before in ((True, None), (False, fragments.clear)):
            for label, query in CASES:
                url = f"/listings/?{query}" if query else "/listings/"
                response = client.get(url)  # warm up: thumbnails, plans, connection
                assert response.status_code == 200, (url, response.status_code)
                samples = time_call(lambda url=url: client.get(url), repeat, before=before)
                suffix = "" if kept else " (no card kept)"
                command.report(f"/listings/ {label}{suffix}", samples, target=TARGET_P95_MS)
