import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecommerce.settings")

application = get_wsgi_application()

# Imported once Django is set up: a server never starts in production mode with e-mail going
# to the log (management commands, collectstatic at image build included, are not held back).
from ecommerce.security import refuse_console_email  # noqa: E402

refuse_console_email()
