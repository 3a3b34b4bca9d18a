from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import signals  # noqa: F401  (connects the sign-in and sign-out messages)

        post_migrate.connect(_sync_staff_group, dispatch_uid="accounts.sync_staff_group")


def _sync_staff_group(sender, app_config, using, **kwargs):
    """After the post-migrate work of the last app with models (the signal skips the others),
    when every app's permissions exist."""
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if app_config is with_models[-1] and using == "default":
        from .services import sync_staff_group_permissions

        sync_staff_group_permissions()
