"""`manage.py grant_clinician USERNAME --granted-by SUPERUSER …`: give an account the clinician
role from the command line, e.g. the first clinician of a fresh install.

It calls the same service as the admin (`reviews.services.clinician_grant`), so the same rules
hold: the granting account is a superuser, never the clinician's own, and the grant is
recorded in the role audit trail.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ldncontent.exceptions import DomainError
from reviews import services


class Command(BaseCommand):
    """Grant the clinician role (clinical-reviewers group and an active clinician profile)."""

    help = (
        "Give an account the clinician role: the clinical-reviewers group and an active "
        "clinician profile, granted by a named superuser (never the same account)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The clinician's own account.")
        parser.add_argument(
            "--granted-by",
            required=True,
            help="Username of the superuser granting the role (recorded in the audit trail).",
        )
        parser.add_argument(
            "--published-name", required=True, help="Name readers see, e.g. `Dr Amina Okafor`."
        )
        parser.add_argument("--credentials", default="", help="e.g. `MBBS, MRCGP`.")
        parser.add_argument("--profession", required=True, help="e.g. `General practitioner`.")
        parser.add_argument(
            "--registering-body", required=True, help="e.g. `General Medical Council`."
        )
        parser.add_argument("--registration-number", required=True)
        parser.add_argument(
            "--note", default="", help="Why, e.g. which register entry was checked."
        )

    def handle(self, *args, **options):
        clinician = _user(options["username"])
        granted_by = _user(options["granted_by"])
        try:
            profile = services.clinician_grant(
                user=clinician,
                granted_by=granted_by,
                published_name=options["published_name"],
                credentials=options["credentials"],
                profession=options["profession"],
                registering_body=options["registering_body"],
                registration_number=options["registration_number"],
                note=options["note"],
            )
        except DomainError as error:
            raise CommandError(error.describe()) from error
        self.stdout.write(
            f"{clinician.get_username()} is now a clinician, published as {profile}; "
            f"granted by {granted_by.get_username()}."
        )


def _user(username: str):
    users = get_user_model()._default_manager
    try:
        return users.get_by_natural_key(username)
    except users.model.DoesNotExist:
        raise CommandError(f"No user has the username {username!r}.") from None
