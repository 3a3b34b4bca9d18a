import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Local development only: create an `admin` superuser with a generated password "
        "if no superuser exists, and print the password once."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_local_admin runs only with DJANGO_DEBUG=true (local use).")
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser already exists; leaving it as it is.")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username="admin", email="admin@localhost", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created local superuser `admin` with password {password} "
                "(shown only now; change it in the admin)."
            )
        )
