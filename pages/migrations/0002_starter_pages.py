"""The four pages the footer links to, with starter text for staff to edit in the admin.

A data migration, so that every database has them (production too), not only the demo's.
Pages that exist already are left as they are.
"""

from django.db import migrations

STARTER_PAGES = [
    (
        "contact",
        "Contact us",
        "We are happy to help with questions about products, orders, deliveries and returns.\n\n"
        "E-mail: shop@example.com\n"
        "Phone: +49 30 1234567 (Monday to Friday, 9:00 to 17:00)\n\n"
        "When you write about an order, please give its order number: you find it in the "
        "confirmation e-mail, and under Orders once you are signed in.",
    ),
    (
        "returns",
        "Returns and refunds",
        "You may return any item within 30 days of delivery, without giving a reason.\n\n"
        "To return something, e-mail us the order number and the items you are sending back; "
        "we reply with the return address. Please send items unused and, where possible, in "
        "their original packaging.\n\n"
        "We refund the price of the returned items, and the shipping cost when you return the "
        "whole order, to the way you paid, within 14 days of receiving them.\n\n"
        "An order that has not shipped yet can be cancelled from its page under Orders."
    ),
    (
        "terms",
        "Terms and conditions",
        "These terms apply to every order placed in this shop.\n\n"
        "Prices are in euros and include VAT. Shipping costs are shown in the cart and at "
        "checkout before you order.\n\n"
        "Your order is a binding offer; the contract is made when we confirm it by e-mail. If an "
        "item turns out to be out of stock, we tell you and refund anything you paid for it.\n\n"
        "Returns and refunds are described on our returns page. The statutory warranty rights "
        "apply.",
    ),
    (
        "privacy",
        "Privacy policy",
        "We process your personal data only to run the shop: your account, your orders and "
        "their delivery, and your reviews.\n\n"
        "We keep your name, e-mail address, shipping addresses and order history for as long as "
        "you have an account and as long as the law requires us to keep records of orders. We "
        "share your address only with the carrier that delivers your order.\n\n"
        "The shop sets only the cookies it needs to work: your session (which holds your cart) "
        "and protection against forged forms. There are no advertising or tracking cookies.\n\n"
        "You may ask us at any time what we store about you, and ask us to correct or delete "
        "it: write to the address on our contact page.",
    ),
]


def create_starter_pages(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    for slug, title, body in STARTER_PAGES:
        Page.objects.get_or_create(slug=slug, defaults={"title": title, "body": body})


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]

    operations = [
        # Reversed, it keeps the pages: staff may have edited them.
        migrations.RunPython(create_starter_pages, migrations.RunPython.noop),
    ]
