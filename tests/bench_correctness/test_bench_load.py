"""The bench's own mechanics: its list of pages, the order flow's pacing, wrk's cache counts."""

import shutil
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load import LoadSettings, OrderFlow, run_wrk
from bench.pages import MIXED_ORDER_RATES, PAGE, PAGE_MIX_SHARES, page_mix_requests
from bench.report import CEILING_RATIO_TARGETS, MIXED_TARGETS

FIXTURES = {
    "product_slugs": [f"product-{n}" for n in range(500)],
    "category_slugs": ["lamps", "chairs", "rugs"],
    "cart_session": "cart-session",
    "add_slugs": ["mug", "bowl"],
    "add_sessions": ["one", "two"],
    "csrf_secret": "secret",
}


class FakeShop(BaseHTTPRequestHandler):
    """Answers a checkout with the redirect to its order (every fifth slowly), and a page
    with the page cache's header in turn: hit, hit, hit, miss, none."""

    pages_served = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        if self.path.endswith("/slow/"):
            time.sleep(0.3)
        self.send_response(302)
        self.send_header("Location", "/orders/BENCH1/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with FakeShop.lock:
            outcome = ("hit", "hit", "hit", "miss", None)[FakeShop.pages_served % 5]
            FakeShop.pages_served += 1
        self.send_response(200)
        if outcome and self.path != "/no-cache/":
            self.send_header("X-Page-Cache", outcome)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_shop():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeShop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_every_target_names_a_page_and_a_rate_the_bench_runs():
    assert set(CEILING_RATIO_TARGETS) <= set(PAGE)
    assert set(MIXED_TARGETS) <= set(MIXED_ORDER_RATES)
    assert 0 in MIXED_ORDER_RATES  # the no-order case the others are compared with


def test_the_page_mix_keeps_its_shares_and_visits_every_product_page():
    mix = page_mix_requests(FIXTURES)
    kinds = Counter(path.split("/")[1] or "home" for _, path, _, _ in mix)
    assert kinds == {"home": 100, "products": 700, "categories": 200}
    assert sum(PAGE_MIX_SHARES.values()) == 10
    product_pages = {path for _, path, _, _ in PAGE["product"].requests(FIXTURES)}
    assert product_pages <= {path for _, path, _, _ in mix}
    assert all(headers == {} for _, _, headers, _ in mix)  # anonymous: no cookie


def test_the_order_flow_keeps_its_rate_on_a_deadline_schedule_despite_slow_answers(fake_shop):
    host, port = fake_shop.server_address
    requests = [
        ("POST", "/checkout/slow/" if n % 5 == 0 else "/checkout/", {}, "token=1")
        for n in range(100)
    ]
    flow = OrderFlow(host, port, requests, rate=40)
    flow.start()
    time.sleep(1.5)
    result = flow.stop()
    # Order k is due at k/40 s: 0..60 are due within 1.5 s, whatever the slow ones took.
    assert 58 <= result["placed"] <= 61
    assert result["orders_per_s"] == pytest.approx(40, rel=0.1)
    assert result["refused"] == result["errors"] == 0
    assert not result["exhausted"]
    assert result["max_late_ms"] < 100


def test_the_order_flow_reports_when_its_shoppers_ran_out(fake_shop):
    host, port = fake_shop.server_address
    flow = OrderFlow(host, port, [("POST", "/checkout/", {}, "token=1")] * 3, rate=50)
    flow.start()
    time.sleep(0.3)
    result = flow.stop()
    assert result["placed"] == 3
    assert result["exhausted"]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="no wrk (make bench installs it)")
@pytest.mark.parametrize(("path", "hit_rate"), [("/", 0.75), ("/no-cache/", None)])
def test_wrk_counts_the_page_cache_s_hits_and_misses(fake_shop, tmp_path, path, hit_rate):
    host, port = fake_shop.server_address
    data_file = PAGE["home"].data_file(tmp_path, [("GET", path, {}, None)])
    load = LoadSettings(shutil.which("wrk"), threads=1, connections=1, pin="none")
    result = run_wrk(load, f"http://{host}:{port}", data_file, duration=1)
    assert result["ok"] == result["requests"] > 0
    if hit_rate is None:
        assert result["page_cache"] == {"hit": 0, "miss": 0}
        assert result["hit_rate"] is None
    else:
        assert result["hit_rate"] == pytest.approx(hit_rate, abs=0.02)
