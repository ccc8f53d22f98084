from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    """Invitations, updates and cancellations mailed with an iCalendar attachment, and the
    RSVPs people give to them."""

    name = "meetings.invitations"
    label = "invitations"
