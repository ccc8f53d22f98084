from django.db import models

from meetings.models import Meeting


class JoinPolicy(models.Model):
    """The school's join window: one row per tenant schema (absent: the defaults). A personal
    link works from `opens_minutes_before` the start until `closes_minutes_after_end` after the
    end (or for as long as Zoom says the class is running)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    opens_minutes_before = models.PositiveIntegerField(default=10)
    closes_minutes_after_end = models.PositiveIntegerField(default=15)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "join policy"
        verbose_name_plural = "join policy"

    def __str__(self) -> str:
        return "Join policy"


class JoinDevice(models.Model):
    """The device a personal link was first opened on without signing in: only a hash of the
    random cookie that device carries. One per meeting and subject; later anonymous use works
    on that device only, anywhere else the owner signs in."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="join_devices")
    subject_kind = models.CharField(max_length=1)  # "u" user, "g" guest
    subject_id = models.BigIntegerField()
    device_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "subject_kind", "subject_id"], name="join_device_unique"
            )
        ]
