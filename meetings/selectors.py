from meetings.models import ZoomConnection


def zoom_connection_for(*, user) -> ZoomConnection | None:
    return ZoomConnection.objects.filter(user=user).first()
