from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """A shopper or a staff member.

    `oidc_sub` is the identity provider's stable subject; sign-in through Keycloak matches on it,
    never on the e-mail address, which a person can change.
    """

    email = models.EmailField("e-mail address")
    oidc_sub = models.CharField(
        "identity provider subject",
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="The Keycloak user id (the token's `sub`); empty for local accounts.",
    )

    objects = UserManager()

    class Meta:
        db_table = "users"
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="users_email_ci_unique",
                violation_error_message="A user with that e-mail address already exists.",
            ),
        ]

    def __str__(self):
        return self.email or self.username
