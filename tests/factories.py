"""Shared factories: users with roles, clinicians with their profiles."""

import factory
from django.contrib.auth.models import Group, User

from ldncontent.permissions import CLINICAL_REVIEWERS, EDITORS, PUBLISHING_ADMINS


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "a-long-test-password")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=name)[0])
        if create:
            self.save()


def editor(**kwargs) -> User:
    return UserFactory(roles=[EDITORS], **kwargs)


def clinician(**kwargs) -> User:
    return UserFactory(roles=[CLINICAL_REVIEWERS], **kwargs)


def publishing_admin(**kwargs) -> User:
    return UserFactory(roles=[PUBLISHING_ADMINS], **kwargs)


def key_issuer() -> User:
    """The publishing admin who issues and revokes consumer API keys in tests."""
    return User.objects.filter(username="key-issuer").first() or publishing_admin(
        username="key-issuer"
    )


def clinician_with_profile(*, active: bool = True, **kwargs) -> User:
    """A clinical reviewer with a clinician profile, as approval requires."""
    from reviews.models import ClinicianProfile

    user = clinician(**kwargs)
    ClinicianProfile.objects.create(
        user=user,
        published_name=f"Dr {user.username.title()}",
        credentials="MBBS, MRCGP",
        profession="General practitioner",
        registering_body="GMC",
        registration_number=f"GMC-{user.pk:06d}",
        active=active,
    )
    return user


def sign_off_role(code: str = "pharmacist", **fields):
    """A non-clinical sign-off role (`pharmacist` by default)."""
    from reviews.models import SignOffRole

    fields.setdefault("name", code.replace("-", " ").capitalize())
    fields.setdefault("meaning", f"I confirm this version as {code}.")
    return SignOffRole.objects.create(code=code, **fields)


def sign_off_reviewer(*, role, username: str, **fields) -> User:
    """A sign-off reviewer holding `role`, with what readers see of them."""
    from ldncontent.permissions import SIGN_OFF_REVIEWERS
    from reviews.models import SignOffRoleHolder

    user = UserFactory(username=username, roles=[SIGN_OFF_REVIEWERS])
    fields.setdefault("published_name", username.replace("-", " ").title())
    fields.setdefault("credentials", "MPharm")
    fields.setdefault("profession", role.name)
    SignOffRoleHolder.objects.create(role=role, user=user, **fields)
    return user


def sign_off_policy(*, name: str, required=(), optional=(), **scope):
    """An active sign-off policy requiring (and inviting) these roles, for `scope`."""
    from reviews.models import SignOffPolicy

    policy = SignOffPolicy.objects.create(name=name, **scope)
    policy.required_roles.add(*required)
    policy.optional_roles.add(*optional)
    return policy
