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
