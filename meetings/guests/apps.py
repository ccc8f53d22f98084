from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from tenants.scheduler import Job


class GuestsConfig(AppConfig):
    name = "meetings.guests"
    label = "guests"
    verbose_name = "Guests"

    def ready(self) -> None:
        # Join links of subject kind "g" (meetings.joining.links) name a guest.
        from meetings.guests.joining import KIND, GuestSubjects
        from meetings.joining.subjects import subject_kind_register

        subject_kind_register(KIND, GuestSubjects())

    def periodic_jobs(self) -> list["Job"]:
        """Registers guests whose meeting reached Zoom after the invite, or whose registration
        was deferred or failed (tenants.scheduler.default_jobs collects this)."""
        from meetings.guests.actors import guests_registration_sweep
        from tenants.scheduler import Job
        from tenants.tasking import send_to_each_tenant

        return [
            Job(
                "guests-registration-sweep",
                600,
                lambda: send_to_each_tenant(guests_registration_sweep),
            )
        ]
