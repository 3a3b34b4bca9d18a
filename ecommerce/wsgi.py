import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecommerce.settings")

application = get_wsgi_application()

# Work every worker would repeat on its first request, done once before gunicorn forks them
# (preload_app): the release fingerprint of the catalog page cache hashes the project's files.
from catalog.page_cache import release_fingerprint  # noqa: E402  (needs the apps loaded)

release_fingerprint()
