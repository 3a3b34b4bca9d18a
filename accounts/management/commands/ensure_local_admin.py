"""`manage.py ensure_local_admin`: the accounts a newcomer needs on `make run`.

A superuser `admin`, and with `--demo-shopper EMAIL` a shopper who can sign in with that e-mail
address (the demo data's shopper when it exists, so the account page shows their orders). With
`--credentials-dir` the generated passwords are kept there (one file each, mode 600, never
committed: `make run` uses `.local/`) and printed at every start; without it the admin's password
is printed once, when it is made.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import services

ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Local development only: create an `admin` superuser with a generated password if no "
        "superuser exists, and optionally a demo shopper who signs in with a local password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--credentials-dir",
            type=Path,
            help="Keep the generated passwords in this directory and print them at every start.",
        )
        parser.add_argument(
            "--demo-shopper",
            metavar="EMAIL",
            help="Give the shopper with this e-mail address a local password (created if "
            "missing), kept in --credentials-dir.",
        )

    def handle(self, *args, credentials_dir, demo_shopper, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_local_admin runs only with DJANGO_DEBUG=true (local use).")
        if demo_shopper and credentials_dir is None:
            raise CommandError("--demo-shopper needs --credentials-dir to keep its password.")
        self._ensure_admin(credentials_dir)
        if demo_shopper:
            self._ensure_demo_shopper(demo_shopper, credentials_dir / "demo-shopper-password")

    def _ensure_admin(self, credentials_dir):
        User = get_user_model()
        password_file = credentials_dir / "admin-password" if credentials_dir else None
        if not User.objects.filter(is_superuser=True).exists():
            password = kept_password(password_file) if password_file else new_password()
            User.objects.create_superuser(
                username=ADMIN_USERNAME, email="admin@localhost", password=password
            )
            where = f"kept in {password_file}" if password_file else "shown only now"
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created local superuser `{ADMIN_USERNAME}` with password {password} "
                    f"({where}; change it in the admin)."
                )
            )
            return
        admin = User.objects.filter(username=ADMIN_USERNAME, is_superuser=True).first()
        if password_file and password_file.exists() and admin is not None:
            password = password_file.read_text().strip()
            if admin.check_password(password):
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Admin (http://127.0.0.1:8000/admin/): `{ADMIN_USERNAME}`, "
                        f"password {password}"
                    )
                )
                return
        self.stdout.write("A superuser already exists; leaving it as it is.")

    @transaction.atomic
    def _ensure_demo_shopper(self, email, password_file):
        password = kept_password(password_file)
        User = get_user_model()
        shopper = User.objects.select_for_update().filter(email__iexact=email).first()
        if shopper is None:
            shopper = services.register_user(
                email=email, password=password, first_name="Demo", last_name="Shopper"
            )
        elif not shopper.check_password(password):
            # The demo data's shoppers have no usable password; a changed one is set back, so
            # the printed password always works.
            shopper.set_password(password)
            shopper.save(update_fields=["password"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo shopper (http://127.0.0.1:8000/accounts/login/): {shopper.email}, "
                f"password {password}"
            )
        )


def new_password() -> str:
    return secrets.token_urlsafe(12)


def kept_password(path: Path) -> str:
    """The password kept in `path`, generated (and kept, readable by the owner only) if missing."""
    if path.exists():
        password = path.read_text().strip()
        if password:
            return password
    path.parent.mkdir(parents=True, exist_ok=True)
    password = new_password()
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(password + "\n")
    return password
