from django.db import models

from tenants.fields import EncryptedTextField

ZOOM_API_BASE_URL = "https://api.zoom.us/v2"
ZOOM_OAUTH_BASE_URL = "https://zoom.us"


class ZoomSettings(models.Model):
    """The school's Zoom app: one row per tenant schema. Secrets are sealed at rest and
    write-only in every UI and API."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    client_id = models.CharField(max_length=200, blank=True)
    client_secret = EncryptedTextField()
    account_id = models.CharField(max_length=200, blank=True)
    redirect_url = models.URLField(blank=True)
    webhook_secret_token = EncryptedTextField()
    api_base_url = models.URLField(default=ZOOM_API_BASE_URL)
    oauth_base_url = models.URLField(default=ZOOM_OAUTH_BASE_URL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Zoom settings"
        verbose_name_plural = "Zoom settings"
