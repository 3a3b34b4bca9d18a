"""`manage.py seed_demo`: a realistic demo catalog, safe to run again.

Every demo row has a natural key derived from its position (category slug, product SKU
`DEMO-000001`, shopper e-mail, order number `DEM0102`, one review per shopper and product), and
rows are written with `bulk_create(ignore_conflicts=True)` or only when their key is missing: a
second run adds what is missing and leaves the rest, including stock that orders or staff have
changed since.
"""

import random
import sys
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify
from tqdm import tqdm

from catalog import changes
from catalog.models import Category, Product, ProductImage, StockMovement
from demo.pictures import VIEWS, demo_picture, object_of
from orders.models import Address, Order, OrderItem
from orders.services import shipping_cost_for
from reviews.models import Review
from reviews.services import refresh_product_ratings

BATCH_SIZE = 1000


@dataclass(frozen=True)
class Range:
    """What the products of one sub-category are: `adjective variant noun`, e.g. "Nordic Walnut
    Table Lamp", priced within the noun's (low, high) euros, described by two of `features`."""

    nouns: dict[str, tuple[int, int]]
    variants: list[str]
    adjectives: list[str]
    features: list[str]


# Top-level category -> sub-category -> its range. The bench searches this vocabulary ("lamp",
# "walnut lamp", "travel backpack", "oak kettle", "ultralight", "headphnes"): keep those findable.
CATALOG_TREE = {
    "Kitchen": {
        "Cookware": Range(
            nouns={
                "Frying Pan": (25, 95),
                "Saucepan": (29, 110),
                "Casserole": (59, 240),
                "Wok": (29, 85),
            },
            variants=["Steel", "Copper", "Cast-Iron", "Enamel"],
            adjectives=["Classic", "Everyday", "Heritage", "Pro"],
            features=[
                "It heats evenly on gas, electric and induction hobs.",
                "The riveted handle stays cool on the hob.",
                "It is oven-safe up to 250 °C.",
                "It browns, sears and simmers without hot spots.",
            ],
        ),
        "Knives": Range(
            nouns={
                "Chef's Knife": (35, 190),
                "Paring Knife": (12, 60),
                "Bread Knife": (25, 120),
                "Santoku": (39, 180),
            },
            variants=["Steel", "Damascus", "Carbon-Steel"],
            adjectives=["Classic", "Pro", "Heritage", "Nordic"],
            features=[
                "The blade is hand-sharpened to a 15° edge.",
                "Its walnut handle is balanced for long prep sessions.",
                "It holds its edge well; hone it once a week.",
                "Wash it by hand and dry it straight away.",
            ],
        ),
        "Coffee & Tea": Range(
            nouns={
                "Kettle": (29, 120),
                "Teapot": (19, 75),
                "Mug": (8, 24),
                "French Press": (22, 69),
                "Coffee Grinder": (35, 160),
            },
            variants=["Steel", "Copper", "Ceramic", "Enamel"],
            adjectives=["Classic", "Nordic", "Minimal", "Everyday"],
            features=[
                "Its oak handle stays cool to the touch.",
                "It is dishwasher-safe.",
                "It keeps its finish for years of daily use.",
                "It makes the morning routine a little calmer.",
            ],
        ),
    },
    "Living": {
        "Lighting": Range(
            nouns={
                "Table Lamp": (35, 180),
                "Floor Lamp": (79, 390),
                "Desk Lamp": (29, 150),
                "Pendant Lamp": (49, 260),
            },
            variants=["Walnut", "Oak", "Brass", "Linen", "Ceramic"],
            adjectives=["Nordic", "Minimal", "Vintage", "Studio", "Classic"],
            features=[
                "It takes a standard E27 bulb of up to 60 W.",
                "Its warm light suits a reading corner.",
                "The shade is finished by hand.",
                "A dimmer on the cable sets the mood.",
            ],
        ),
        "Textiles": Range(
            nouns={"Throw": (39, 149), "Cushion": (19, 59), "Blanket": (49, 189), "Rug": (79, 420)},
            variants=["Wool", "Linen", "Cotton", "Mohair"],
            adjectives=["Nordic", "Heritage", "Classic", "Everyday"],
            features=[
                "It is woven in a small family mill.",
                "It softens with every wash.",
                "Its natural dyes age gracefully.",
                "Machine-wash it cold on a gentle cycle.",
            ],
        ),
        "Storage": Range(
            nouns={
                "Basket": (15, 69),
                "Shelf": (39, 189),
                "Storage Box": (12, 49),
                "Coat Rack": (45, 160),
            },
            variants=["Oak", "Walnut", "Bamboo", "Steel"],
            adjectives=["Minimal", "Nordic", "Compact", "Classic"],
            features=[
                "It keeps clutter out of sight.",
                "Its finish is oiled by hand.",
                "It goes together in minutes, without tools.",
                "It fits a small flat as well as a large house.",
            ],
        ),
    },
    "Outdoors": {
        "Camping": Range(
            nouns={
                "Tent": (89, 490),
                "Sleeping Bag": (59, 320),
                "Lantern": (19, 79),
                "Camp Stove": (39, 149),
            },
            variants=["Alpine", "Trekking", "Expedition"],
            adjectives=["Ultralight", "Rugged", "Compact", "Trail"],
            features=[
                "It packs down small enough for a day pack.",
                "It weighs less than you would expect.",
                "It was tested for a wet week in the Highlands.",
                "Spare parts stay available for years.",
            ],
        ),
        "Cycling": Range(
            nouns={
                "Bike Light": (15, 79),
                "Bike Pump": (19, 69),
                "Saddle Bag": (25, 89),
                "Helmet": (49, 199),
            },
            variants=["Commuter", "Road", "Gravel"],
            adjectives=["Everyday", "Pro", "Compact", "Ultralight"],
            features=[
                "It fits every common frame.",
                "Reflective details keep you visible at night.",
                "It shrugs off a downpour.",
                "It is made for daily commutes in all weathers.",
            ],
        ),
        "Garden": Range(
            nouns={
                "Trowel": (12, 39),
                "Watering Can": (19, 69),
                "Planter": (24, 129),
                "Pruner": (19, 79),
            },
            variants=["Steel", "Copper", "Galvanised"],
            adjectives=["Classic", "Heritage", "Compact", "Rugged"],
            features=[
                "It is built for years of weekend work.",
                "It stands up to rain and frost.",
                "Rinse and dry it after use and it will last.",
                "It sits comfortably in the hand.",
            ],
        ),
    },
    "Office": {
        "Stationery": Range(
            nouns={
                "Notebook": (6, 29),
                "Journal": (12, 39),
                "Pencil Case": (9, 39),
                "Planner": (12, 35),
            },
            variants=["Leather", "Linen", "Canvas", "Cork"],
            adjectives=["Classic", "Pocket", "Minimal", "Everyday"],
            features=[
                "Its paper takes fountain-pen ink without bleeding.",
                "It lies flat when open.",
                "It slips into a coat pocket.",
                "It is bound by hand in a small bindery.",
            ],
        ),
        "Desk": Range(
            nouns={
                "Desk Organizer": (19, 69),
                "Monitor Stand": (39, 149),
                "Desk Mat": (19, 59),
                "Pen Holder": (9, 35),
            },
            variants=["Oak", "Walnut", "Felt", "Cork", "Leather"],
            adjectives=["Minimal", "Studio", "Nordic", "Compact"],
            features=[
                "It keeps the desk tidy without getting in the way.",
                "Soft feet protect the desk's surface.",
                "It is shaped for a laptop and a keyboard side by side.",
                "Its finish is easy to wipe clean.",
            ],
        ),
        "Bags": Range(
            nouns={
                "Backpack": (49, 229),
                "Messenger Bag": (59, 199),
                "Laptop Sleeve": (25, 79),
                "Tote": (19, 89),
                "Duffel": (59, 249),
            },
            variants=["Canvas", "Ripstop", "Waxed-Canvas", "Nylon"],
            adjectives=["Travel", "Ultralight", "Everyday", "Urban", "Classic"],
            features=[
                "A padded pocket holds a 16-inch laptop.",
                "It fits under an airline seat as cabin luggage.",
                "Its zips are water-resistant.",
                "The straps are padded for long days.",
            ],
        ),
    },
    "Audio": {
        "Headphones": Range(
            nouns={"Headphones": (39, 399), "Earbuds": (29, 249)},
            variants=["Wireless", "Noise-Cancelling", "Wired"],
            adjectives=["Studio", "Travel", "Everyday", "Pro", "Compact"],
            features=[
                "The ear cushions stay comfortable for hours.",
                "A carrying case is included.",
                "The sound is balanced, with clear mids.",
                "They are tuned by ear in our own studio.",
            ],
        ),
        "Speakers": Range(
            nouns={
                "Bookshelf Speaker": (89, 499),
                "Portable Speaker": (39, 199),
                "Soundbar": (129, 599),
            },
            variants=["Walnut", "Oak", "Fabric", "Aluminium"],
            adjectives=["Studio", "Compact", "Classic", "Nordic"],
            features=[
                "It fills a living room without distortion.",
                "Its cabinet is damped against resonance.",
                "It streams over Bluetooth and Wi-Fi.",
                "It has a clear, natural sound at any volume.",
            ],
        ),
        "Hi-Fi": Range(
            nouns={"Amplifier": (149, 890), "Turntable": (129, 790), "CD Player": (99, 490)},
            variants=["Walnut", "Aluminium", "Black"],
            adjectives=["Classic", "Studio", "Vintage", "Pro"],
            features=[
                "It is assembled and tested by hand.",
                "Its front panel is milled from one piece.",
                "It drives demanding speakers with ease.",
                "A two-year service plan is included.",
            ],
        ),
    },
}
QUALITIES = [
    "built to last for years",
    "designed in a small workshop",
    "made from responsibly sourced materials",
    "backed by a two-year warranty",
]

# The demo shoppers (country: ISO 3166 code): they order and review the first products.
DEMO_SHOPPERS = [
    ("Anna", "Berg", "Berlin", "10115", "DE"),
    ("Lukas", "Meyer", "Hamburg", "20095", "DE"),
    ("Sofia", "Rossi", "Milan", "20121", "IT"),
    ("Mateo", "García", "Madrid", "28001", "ES"),
    ("Emma", "Jansen", "Utrecht", "3511", "NL"),
    ("Noah", "Peeters", "Ghent", "9000", "BE"),
    ("Léa", "Martin", "Lyon", "69001", "FR"),
    ("Jakub", "Nowak", "Kraków", "31-001", "PL"),
    ("Ingrid", "Lund", "Aarhus", "8000", "DK"),
    ("Elias", "Huber", "Vienna", "1010", "AT"),
    ("Chiara", "Bianchi", "Turin", "10121", "IT"),
    ("Oskar", "Nilsson", "Malmö", "211 20", "SE"),
    ("Clara", "Schmidt", "Munich", "80331", "DE"),
    ("Hugo", "Dubois", "Bordeaux", "33000", "FR"),
    ("Maja", "Kowalska", "Gdańsk", "80-001", "PL"),
    ("Finn", "Weber", "Cologne", "50667", "DE"),
    ("Nora", "Virtanen", "Helsinki", "00100", "FI"),
    ("Tomás", "Silva", "Porto", "4000-001", "PT"),
    ("Greta", "Keller", "Zurich", "8001", "CH"),
    ("Liam", "Murphy", "Dublin", "D02", "IE"),
    ("Ella", "de Vries", "Amsterdam", "1011", "NL"),
    ("Jonas", "Fischer", "Leipzig", "04109", "DE"),
    ("Alba", "López", "Valencia", "46001", "ES"),
    ("Theo", "Wagner", "Graz", "8010", "AT"),
    ("Freya", "Olsen", "Oslo", "0150", "NO"),
]
STREETS = ["Lindenweg", "Market Street", "Via Roma", "Calle Mayor", "Kerkstraat", "Rue Haute"]
# Orders and reviews cover only the first products, so that seeding 100,000 products costs no
# more of them than seeding 100.
REVIEWED_PRODUCTS = 48
MAX_REVIEWS_PER_PRODUCT = 4
MAX_LINES_PER_ORDER = 3
REVIEWS = {
    1: [("Broke quickly", "It stopped working properly after a few weeks. Support was kind.")],
    2: [("Expected more", "It looks good, but it did not hold up as well as I had hoped.")],
    3: [("Does the job", "Nothing special, nothing wrong. Fair for the price.")],
    4: [
        ("Very good", "Well made and pleasant to use. A little dear, but worth it."),
        ("Happy with it", "Arrived quickly and well packed. It does what it promises."),
    ],
    5: [
        ("Excellent", "Exactly what I hoped for. I use it every day."),
        ("Love it", "Beautifully made; I have since bought a second one as a gift."),
        ("Best purchase this year", "Feels solid, looks lovely, and it works perfectly."),
    ],
}


def demo_address(shopper_number):
    """Demo shopper number N's shipping address (the fields of orders.models.Address)."""
    first_name, last_name, city, postal_code, country = DEMO_SHOPPERS[shopper_number - 1]
    return {
        "name": f"{first_name} {last_name}",
        "address": f"{STREETS[len(city) % len(STREETS)]} {len(last_name) + 3}",
        "postal_code": postal_code,
        "city": city,
        "country": country,
    }


def demo_sku(index):
    return f"DEMO-{index:06d}"


class Command(BaseCommand):
    help = "Seed a demo catalog (category tree, products, shoppers, orders, reviews). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=200, help="How many products.")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (same seed, same data)."
        )

    def handle(self, *args, products, seed, **options):
        self._drawn_pictures = {}
        if products < 0:
            raise CommandError("--products must be zero or more.")
        with transaction.atomic():
            subcategories = self._seed_categories()
            self._seed_products(random.Random(seed), subcategories, products)
            shoppers = self._seed_shoppers()
            reviewed = self._seed_orders_and_reviews(random.Random(seed), shoppers)
            refresh_product_ratings(product_ids=reviewed)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalog ready: {Category.objects.count()} categories, "
                f"{Product.objects.count()} products "
                f"({ProductImage.objects.count()} pictures), {Order.objects.count()} orders, "
                f"{Review.objects.count()} reviews."
            )
        )

    def _seed_categories(self):
        """Create the two-level tree; return the sub-categories with their ranges."""
        subcategories = []
        for top_name, children in CATALOG_TREE.items():
            top, _ = Category.objects.get_or_create(
                slug=slugify(top_name), defaults={"name": top_name}
            )
            for child_name, product_range in children.items():
                child, _ = Category.objects.get_or_create(
                    slug=slugify(child_name), defaults={"name": child_name, "parent": top}
                )
                subcategories.append((child, product_range))
        return subcategories

    def _seed_products(self, rng, subcategories, count):
        with self._progress(total=count, unit="product", desc="Products") as progress:
            for start in range(0, count, BATCH_SIZE):
                batch, looks = [], {}
                for index in range(start + 1, min(start + BATCH_SIZE, count) + 1):
                    product, noun, variant = self._demo_product(rng, index, subcategories)
                    batch.append(product)
                    # 1-3 pictures, varying within each sub-category (index % len picks it).
                    views = 1 + (index // len(subcategories)) % len(VIEWS)
                    drawing = object_of(product.category.slug, noun)
                    looks[product.sku] = (drawing, variant, views)
                Product.objects.bulk_create(batch, ignore_conflicts=True)
                self._seed_opening_stock([product.sku for product in batch])
                self._seed_pictures(looks)
                progress.update(len(batch))

    def _seed_pictures(self, looks):
        """Pictures for the products of `looks` ({sku: (drawing, variant, views)}) that have
        none yet, each drawn once per drawing, variant and view (demo.pictures)."""
        drawn = self._drawn_pictures
        pictures = []
        unpictured = Product.objects.filter(sku__in=looks, images__isnull=True)
        for pk, sku, name in unpictured.values_list("pk", "sku", "name"):
            drawing, variant, views = looks[sku]
            for view in range(views):
                key = (drawing, variant, view)
                if key not in drawn:
                    drawn[key] = demo_picture(default_storage, *key)
                image, width, height, renditions = drawn[key]
                pictures.append(
                    ProductImage(
                        product_id=pk,
                        image=image,
                        alt_text=f"{name}, {VIEWS[view]}",
                        position=view,
                        width=width,
                        height=height,
                        renditions=renditions,
                    )
                )
        ProductImage.objects.bulk_create(pictures)
        # Bulk inserts send no signal: pages of products that existed without pictures change.
        changes.products_changed(Product.objects.filter(pk__in={p.product_id for p in pictures}))

    @staticmethod
    def _demo_product(rng, index, subcategories):
        """The index-th demo product (unsaved), and the noun and variant its name carries."""
        category, product_range = subcategories[index % len(subcategories)]
        noun, (low, high) = rng.choice(list(product_range.nouns.items()))
        adjective = rng.choice(product_range.adjectives)
        variant = rng.choice(product_range.variants)
        name = f"{adjective} {variant} {noun}"
        features = rng.sample(product_range.features, 2)
        return (
            Product(
                category=category,
                name=name,
                slug=f"{slugify(name)}-{index}",
                sku=demo_sku(index),
                description=(
                    f"{features[0]} {features[1]} Like everything in our "
                    f"{category.name.lower()} range, it is {rng.choice(QUALITIES)}."
                ),
                price=Decimal(rng.randint(low, high))
                + rng.choice([Decimal("0.00"), Decimal("0.50"), Decimal("0.90"), Decimal("0.95")]),
                # Mostly well stocked; some running low, some sold out, as in a real shop.
                stock=rng.choice([0, 1, 3, *range(5, 120, 5)]),
            ),
            noun,
            variant,
        )

    @staticmethod
    def _seed_opening_stock(skus):
        """The demo stock's first movement, for the products that have none yet: a product's
        stock is the sum of its movements (catalog.StockMovement)."""
        unrecorded = Product.objects.filter(sku__in=skus, stock_movements__isnull=True)
        StockMovement.objects.bulk_create(
            StockMovement(
                product_id=pk, change=stock, reason=StockMovement.Reason.COUNTED, note="Demo stock"
            )
            for pk, stock in unrecorded.exclude(stock=0).values_list("pk", "stock")
        )

    def _seed_shoppers(self):
        """The demo shoppers by number (1, 2, ...)."""
        User = get_user_model()
        shoppers = [
            User(
                username=f"demo-shopper-{number:02d}",
                email=f"demo-shopper-{number:02d}@example.com",
                first_name=first_name,
                last_name=last_name,
                password=make_password(None),  # unusable: demo reviewers never sign in
            )
            for number, (first_name, last_name, *_) in enumerate(DEMO_SHOPPERS, start=1)
        ]
        User.objects.bulk_create(shoppers, ignore_conflicts=True)
        by_username = User.objects.in_bulk(
            [shopper.username for shopper in shoppers], field_name="username"
        )
        shoppers = {
            number: by_username[f"demo-shopper-{number:02d}"]
            for number in range(1, len(DEMO_SHOPPERS) + 1)
        }
        # Their address is saved on their account, as a checkout would have done.
        Address.objects.bulk_create(
            (Address(user=shopper, **demo_address(number)) for number, shopper in shoppers.items()),
            ignore_conflicts=True,
        )
        return shoppers

    def _seed_orders_and_reviews(self, rng, shoppers):
        """Delivered orders for the demo shoppers, then their reviews of what they bought; return
        the reviewed product ids.

        The plan covers the first REVIEWED_PRODUCTS products whatever --products says, so that it
        is the same on every run; an order is placed only once all its products exist.
        """
        buyers_by_index = {
            index: rng.sample(
                range(1, len(DEMO_SHOPPERS) + 1), rng.randint(0, MAX_REVIEWS_PER_PRODUCT)
            )
            for index in range(1, REVIEWED_PRODUCTS + 1)
        }
        products = {
            product.sku: product
            for product in Product.objects.filter(
                sku__in=[demo_sku(index) for index in buyers_by_index]
            )
        }
        plan = []  # (order number, shopper number, [(product, quantity, rating, text)])
        for shopper in range(1, len(DEMO_SHOPPERS) + 1):
            bought = [index for index, buyers in buyers_by_index.items() if shopper in buyers]
            for start in range(0, len(bought), MAX_LINES_PER_ORDER):
                lines = [
                    (
                        products.get(demo_sku(index)),
                        rng.choice([1, 1, 1, 2]),
                        rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 5])[0],
                        rng.randrange(6),
                    )
                    for index in bought[start : start + MAX_LINES_PER_ORDER]
                ]
                # Drawn before this check, so the plan is the same whatever exists yet.
                if all(product is not None for product, *_ in lines):
                    order_number = f"DEM{shopper:02d}{start // MAX_LINES_PER_ORDER + 1:02d}"
                    plan.append((order_number, shopper, lines))

        existing = set(
            Order.objects.filter(number__in=[number for number, _, _ in plan]).values_list(
                "number", flat=True
            )
        )
        new_plan = [entry for entry in plan if entry[0] not in existing]
        orders = Order.objects.bulk_create(
            self._demo_order(number, shoppers[shopper], lines)
            for number, shopper, lines in new_plan
        )
        OrderItem.objects.bulk_create(
            OrderItem(
                order=order,
                product=product,
                product_name=product.name,
                product_sku=product.sku,
                unit_price=product.price,
                quantity=quantity,
            )
            for order, (_, _, lines) in zip(orders, new_plan, strict=True)
            for product, quantity, *_ in lines
        )

        reviews = []
        for _, shopper, lines in plan:
            for product, _, rating, text in lines:
                title, body = REVIEWS[rating][text % len(REVIEWS[rating])]
                reviews.append(
                    Review(
                        product=product,
                        user=shoppers[shopper],
                        rating=rating,
                        title=title,
                        body=body,
                        status=Review.Status.APPROVED,
                    )
                )
        Review.objects.bulk_create(reviews, ignore_conflicts=True)
        return {review.product_id for review in reviews}

    @staticmethod
    def _demo_order(number, shopper, lines):
        address = demo_address(int(shopper.username.removeprefix("demo-shopper-")))
        subtotal = sum((product.price * quantity for product, quantity, *_ in lines), Decimal(0))
        shipping_cost = shipping_cost_for(subtotal)
        return Order(
            number=number,
            user=shopper,
            email=shopper.email,
            **{f"shipping_{field}": value for field, value in address.items()},
            status=Order.Status.DELIVERED,
            subtotal=subtotal,
            shipping_cost=shipping_cost,
            total=subtotal + shipping_cost,
        )

    def _progress(self, **kwargs):
        """A progress bar in a terminal; silence in logs and tests."""
        return tqdm(file=sys.stderr, disable=not sys.stderr.isatty(), **kwargs)
