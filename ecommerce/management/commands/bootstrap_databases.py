"""`manage.py bootstrap_databases`: a new RDS server's databases and users (ecommerce.bootstrap).

Run once by an operator, as a one-off ECS task with the shop's image, against a new server:

    python manage.py bootstrap_databases --master-secret ARN --app-secret ARN \\
        --keycloak-secret ARN --backup-secret ARN

with DB_HOST (and DB_PORT, DB_SSLMODE, DB_SSLROOTCERT) in the environment. Running it again
changes nothing. It never opens Django's own database connection and skips the system checks:
the shop's database user may not exist yet.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from ecommerce.bootstrap import BootstrapError, bootstrap_databases


class Command(BaseCommand):
    help = (
        "Create the databases `ecommerce` and `keycloak` with a user each and a read-only backup "
        "user, passwords from Secrets Manager. Idempotent."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        for name, meaning in (
            ("master", "the RDS-managed master user's secret"),
            ("app", "the shop's user (ecom_app_user) and its database (ecommerce)"),
            ("keycloak", "Keycloak's user (keycloak_user) and its database (keycloak)"),
            ("backup", "the read-only backup user (backup_user)"),
        ):
            parser.add_argument(
                f"--{name}-secret", required=True, metavar="ID", help=f"Name or ARN of {meaning}."
            )

    def handle(self, *args, master_secret, app_secret, keycloak_secret, backup_secret, **options):
        try:
            changes = bootstrap_databases(
                master_secret=master_secret,
                app_secret=app_secret,
                keycloak_secret=keycloak_secret,
                backup_secret=backup_secret,
                environ=os.environ,
                report=self.stdout.write,
            )
        except BootstrapError as error:
            raise CommandError(str(error)) from None
        if changes:
            self.stdout.write(self.style.SUCCESS(f"Done: {changes} change(s)."))
        else:
            self.stdout.write(self.style.SUCCESS("Nothing to change: everything already in place."))
