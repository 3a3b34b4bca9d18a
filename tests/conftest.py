import pytest

from ecommerce import health
from tests.factories import UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's, and before it drops the test database: close the connection that
    /health/'s checks keep on their own thread (ecommerce.health), which would prevent it."""
    yield
    health.close_connections()


@pytest.fixture
def staff_client(client):
    """A client signed in as a superuser, as staff use the admin."""
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests do not run collectstatic, so they serve static files without the hashed manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _media_in_a_temporary_directory(settings, tmp_path_factory):
    """Uploaded and seeded pictures go to the test run's own directory, not the checkout's."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness is for real passwords, not for factories."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
