"""`manage.py seed_demo`: a realistic demo catalog, safe to run again.

Every demo row has a natural key derived from its position (category slug, product SKU
`DEMO-000001`, shopper e-mail, one review per shopper and product), and rows are written with
`bulk_create(ignore_conflicts=True)`: a second run adds what is missing and leaves the rest,
including stock that orders or staff have changed since.
"""

import random
import sys
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify
from tqdm import tqdm

from catalog.models import Category, Product
from reviews.models import Review
from reviews.services import refresh_product_ratings

BATCH_SIZE = 1000
DEMO_SHOPPERS = 25

# Top-level category -> (sub-categories, nouns its products are named after)
CATALOG_TREE = {
    "Kitchen": (["Cookware", "Knives", "Coffee & Tea"], ["Pan", "Pot", "Knife", "Kettle", "Mug"]),
    "Home": (["Lighting", "Textiles", "Storage"], ["Lamp", "Throw", "Cushion", "Basket", "Shelf"]),
    "Outdoors": (["Camping", "Cycling", "Garden"], ["Tent", "Lantern", "Bottle", "Pump", "Trowel"]),
    "Office": (
        ["Stationery", "Desk", "Bags"],
        ["Notebook", "Pen", "Lamp", "Organizer", "Backpack"],
    ),
    "Audio": (["Headphones", "Speakers"], ["Headphones", "Speaker", "Earbuds", "Amplifier"]),
}
ADJECTIVES = [
    "Classic", "Compact", "Everyday", "Heritage", "Nordic", "Pro", "Rugged", "Studio",
    "Travel", "Ultralight", "Vintage", "Minimal",
]  # fmt: skip
MATERIALS = [
    "Oak", "Walnut", "Steel", "Copper", "Linen", "Wool", "Ceramic", "Bamboo", "Leather", "Cotton",
]  # fmt: skip
QUALITIES = [
    "built to last for years",
    "easy to clean",
    "designed in a small workshop",
    "made from responsibly sourced materials",
    "light enough to carry anywhere",
    "backed by a two-year warranty",
]
REVIEW_TITLES = {
    1: ["Disappointing", "Broke quickly"],
    2: ["Not great", "Expected more"],
    3: ["Does the job", "Okay for the price"],
    4: ["Very good", "Happy with it"],
    5: ["Excellent", "Love it", "Best purchase this year"],
}


class Command(BaseCommand):
    help = "Seed a demo catalog (category tree, products, shoppers, reviews). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=200, help="How many products.")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (same seed, same data)."
        )

    def handle(self, *args, products, seed, **options):
        if products < 0:
            raise CommandError("--products must be zero or more.")
        rng = random.Random(seed)
        with transaction.atomic():
            subcategories = self._seed_categories()
            self._seed_products(rng, subcategories, products)
            shoppers = self._seed_shoppers()
            reviewed = self._seed_reviews(rng, shoppers, products)
            refresh_product_ratings(product_ids=reviewed)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalog ready: {Category.objects.count()} categories, "
                f"{Product.objects.count()} products, {Review.objects.count()} reviews."
            )
        )

    def _seed_categories(self):
        """Create the two-level tree; return the sub-categories with their product nouns."""
        subcategories = []
        for top_name, (children, nouns) in CATALOG_TREE.items():
            top, _ = Category.objects.get_or_create(
                slug=slugify(top_name), defaults={"name": top_name}
            )
            for child_name in children:
                child, _ = Category.objects.get_or_create(
                    slug=slugify(child_name), defaults={"name": child_name, "parent": top}
                )
                subcategories.append((child, nouns))
        return subcategories

    def _seed_products(self, rng, subcategories, count):
        with self._progress(total=count, unit="product", desc="Products") as progress:
            for start in range(0, count, BATCH_SIZE):
                batch = [
                    self._demo_product(rng, index, subcategories)
                    for index in range(start + 1, min(start + BATCH_SIZE, count) + 1)
                ]
                Product.objects.bulk_create(batch, ignore_conflicts=True)
                progress.update(len(batch))

    @staticmethod
    def _demo_product(rng, index, subcategories):
        category, nouns = subcategories[index % len(subcategories)]
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(nouns)}"
        qualities = rng.sample(QUALITIES, 2)
        return Product(
            category=category,
            name=name,
            slug=f"{slugify(name)}-{index}",
            sku=f"DEMO-{index:06d}",
            description=(
                f"The {name.lower()} is {qualities[0]}. It is {qualities[1]}, "
                f"and fits right in with the rest of our {category.name.lower()} range."
            ),
            price=Decimal(rng.randrange(299, 49999)) / 100,
            # Mostly well stocked; some running low, some sold out, as in a real shop.
            stock=rng.choice([0, 1, 3, *range(5, 120, 5)]),
        )

    def _seed_shoppers(self):
        User = get_user_model()
        shoppers = [
            User(
                username=f"demo-shopper-{number:02d}",
                email=f"demo-shopper-{number:02d}@example.com",
                first_name=f"Shopper {number:02d}",
                password=make_password(None),  # unusable: demo reviewers never sign in
            )
            for number in range(1, DEMO_SHOPPERS + 1)
        ]
        User.objects.bulk_create(shoppers, ignore_conflicts=True)
        return list(User.objects.filter(username__startswith="demo-shopper-").order_by("pk"))

    def _seed_reviews(self, rng, shoppers, product_count):
        """About one product in five gets one to three reviews; return the reviewed product ids."""
        demo_products = dict(
            Product.objects.filter(sku__startswith="DEMO-").values_list("sku", "pk")
        )
        reviews = []
        for index in range(1, product_count + 1):
            product_id = demo_products.get(f"DEMO-{index:06d}")
            if product_id is None or rng.random() > 0.2:
                continue
            for shopper in rng.sample(shoppers, rng.randint(1, 3)):
                rating = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 5])[0]
                reviews.append(
                    Review(
                        product_id=product_id,
                        user=shopper,
                        rating=rating,
                        title=rng.choice(REVIEW_TITLES[rating]),
                        body=f"{rng.choice(REVIEW_TITLES[rating])}. Would rate it {rating} of 5.",
                        status=Review.Status.APPROVED,
                    )
                )
        Review.objects.bulk_create(reviews, batch_size=BATCH_SIZE, ignore_conflicts=True)
        return {review.product_id for review in reviews}

    def _progress(self, **kwargs):
        """A progress bar in a terminal; silence in logs and tests."""
        return tqdm(file=sys.stderr, disable=not sys.stderr.isatty(), **kwargs)
