"""Fast checks of the Keycloak sign-in with tokens signed by the test's own key.

The end-to-end tests against a real Keycloak are in tests/keycloak/.
"""

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory

from accounts import services
from accounts.models import User
from accounts.oidc import KeycloakBackend, decode_token
from tests.factories import UserFactory

ISSUER = "https://sso.example.com/realms/shop"
CLIENT_ID = "storefront"
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SUB = "0b6f7c1e-2a5d-4f39-9f57-6f1d2c3b4a59"


@pytest.fixture(autouse=True)
def oidc_settings(settings):
    settings.OIDC_OP_ISSUER = ISSUER
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "test-client-secret"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{ISSUER}/protocol/openid-connect/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{ISSUER}/protocol/openid-connect/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{ISSUER}/protocol/openid-connect/certs"


def token(key=SIGNING_KEY, algorithm="RS256", **overrides):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT_ID, "sub": SUB, "iat": now, "exp": now + 300}
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": "test"})


def decode(raw):
    return decode_token(raw, SIGNING_KEY.public_key(), audience=CLIENT_ID)


def test_a_well_formed_token_is_accepted():
    assert decode(token())["sub"] == SUB


def test_the_audience_may_be_a_list_that_includes_the_client():
    assert decode(token(aud=["account", CLIENT_ID]))["sub"] == SUB


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (token(key=OTHER_KEY), "bad signature"),
        (token(aud="another-client"), "wrong audience"),
        (token(aud="account"), "Keycloak's default audience only"),
        (token(iss="https://evil.example.com/realms/shop"), "wrong issuer"),
        (token(exp=int(time.time()) - 120), "expired"),
        (token(sub=None), "missing sub"),
        (token(algorithm="HS256", key="a-shared-secret-of-32-bytes-long!"), "HS256"),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else None,
)
def test_bad_tokens_are_refused(raw, reason):
    with pytest.raises(SuspiciousOperation):
        decode(raw)


def identity(**changes):
    values = {
        "sub": SUB,
        "email": "ada@example.com",
        "email_verified": True,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "preferred_username": "ada",
        "roles": frozenset(),
    }
    return services.Identity(**{**values, **changes})


@pytest.mark.django_db
def test_first_sign_in_creates_the_user_from_the_claims():
    user = services.sign_in_identity(identity=identity())
    assert (user.oidc_sub, user.email, user.username) == (SUB, "ada@example.com", "ada")
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert not user.has_usable_password()
    assert not user.is_staff


@pytest.mark.django_db
def test_users_are_matched_by_subject_and_updated_at_each_sign_in():
    first = services.sign_in_identity(identity=identity())
    again = services.sign_in_identity(
        identity=identity(email="ada.l@example.com", last_name="King")
    )
    assert again.pk == first.pk
    assert (again.email, again.last_name) == ("ada.l@example.com", "King")
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_an_identity_cannot_take_over_a_local_account_by_its_email():
    local = UserFactory(email="ada@example.com")
    with pytest.raises(services.IdentityRefused, match="already exists"):
        services.sign_in_identity(identity=identity())
    local.refresh_from_db()
    assert local.oidc_sub is None


@pytest.mark.django_db
def test_an_unverified_email_is_not_taken():
    with pytest.raises(services.IdentityRefused, match="verify your e-mail"):
        services.sign_in_identity(identity=identity(email_verified=False))
    user = services.sign_in_identity(identity=identity())
    changed = services.sign_in_identity(
        identity=identity(email="new@example.com", email_verified=False)
    )
    assert changed.pk == user.pk
    assert changed.email == "ada@example.com"


@pytest.mark.django_db
def test_an_email_change_to_another_accounts_address_keeps_the_old_one():
    UserFactory(email="taken@example.com")
    user = services.sign_in_identity(identity=identity())
    again = services.sign_in_identity(identity=identity(email="taken@example.com"))
    assert again.email == user.email == "ada@example.com"


@pytest.mark.django_db
def test_roles_are_applied_and_removed_at_every_sign_in(settings):
    staff = services.sign_in_identity(identity=identity(roles=frozenset({"shop-staff"})))
    assert (staff.is_staff, staff.is_superuser) == (True, False)
    assert staff.has_perm("catalog.change_product")
    assert staff.has_perm("orders.change_order")
    assert not staff.has_perm("accounts.change_user")

    admin = services.sign_in_identity(identity=identity(roles=frozenset({"shop-admin"})))
    assert (admin.is_staff, admin.is_superuser) == (True, True)

    shopper = services.sign_in_identity(identity=identity(roles=frozenset()))
    shopper = User.objects.get(pk=shopper.pk)  # fresh permission cache
    assert (shopper.is_staff, shopper.is_superuser) == (False, False)
    assert not shopper.has_perm("catalog.change_product")


@pytest.mark.django_db
def test_role_names_are_configurable(settings):
    settings.OIDC_STAFF_ROLE = "catalog-team"
    user = services.sign_in_identity(identity=identity(roles=frozenset({"catalog-team"})))
    assert user.is_staff


@pytest.fixture
def backend(monkeypatch):
    """The backend with the provider's JWKS and userinfo answered by the test."""
    backend = KeycloakBackend()
    backend.request = RequestFactory().get("/oidc/callback/")
    backend.request.session = {}
    backend.request._messages = FakeMessages()
    monkeypatch.setattr(backend, "retrieve_matching_jwk", lambda raw: SIGNING_KEY.public_key())
    return backend


class FakeMessages(list):
    def add(self, level, message, extra_tags=""):
        self.append(message)


@pytest.mark.django_db
def test_backend_reads_roles_from_the_access_tokens_realm_access(backend, monkeypatch):
    userinfo = {"sub": SUB, "email": "ada@example.com", "email_verified": True}
    monkeypatch.setattr(backend, "get_userinfo", lambda *args: userinfo)
    access = token(realm_access={"roles": ["shop-staff", "offline_access"]})
    user = backend.get_or_create_user(access, token(), decode(token()))
    assert user.oidc_sub == SUB
    assert user.is_staff


@pytest.mark.django_db
def test_backend_refuses_an_access_token_for_another_client(backend, monkeypatch):
    monkeypatch.setattr(backend, "get_userinfo", lambda *args: {"sub": SUB})
    with pytest.raises(SuspiciousOperation):
        backend.get_or_create_user(token(aud="account"), token(), decode(token()))


@pytest.mark.django_db
def test_backend_refuses_userinfo_about_another_subject(backend, monkeypatch):
    monkeypatch.setattr(backend, "get_userinfo", lambda *args: {"sub": "someone-else"})
    with pytest.raises(SuspiciousOperation):
        backend.get_or_create_user(token(), token(), decode(token()))


@pytest.mark.django_db
def test_backend_tells_the_shopper_why_a_sign_in_was_refused(backend, monkeypatch):
    UserFactory(email="ada@example.com")
    userinfo = {"sub": SUB, "email": "ada@example.com", "email_verified": True}
    monkeypatch.setattr(backend, "get_userinfo", lambda *args: userinfo)
    assert backend.get_or_create_user(token(), token(), decode(token())) is None
    assert "already exists" in backend.request._messages[0]
