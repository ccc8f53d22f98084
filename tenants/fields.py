import json
from typing import Any

from django.db import models

from tenants.crypto import secret_decrypt, secret_encrypt


class EncryptedTextField(models.TextField):
    """Holds a secret in clear in Python and sealed (AES-256-GCM) in the database.

    The column name is bound as associated data, so a sealed value moved to another column
    does not open. Not filterable: equal plaintexts give different ciphertexts.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def context(self) -> str:
        """What a value is sealed to (its model and column): a value copied elsewhere fails."""
        return f"{self.model._meta.label_lower}.{self.attname}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return secret_decrypt(value, context=self.context())

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return secret_encrypt(value, context=self.context())


class EncryptedJSONField(EncryptedTextField):
    """JSON in Python, sealed text in the database (links that open a recording without a
    sign-in, for one). Not filterable, like its parent."""

    # What django-stubs' plugin types the model attribute as (JSON: any shape).
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value, expression, connection):
        opened = super().from_db_value(value, expression, connection)
        return json.loads(opened) if opened else self.get_default()

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value) if value else self.get_default()
        return value

    def get_prep_value(self, value):
        if value is None:
            return value
        # Not through TextField's get_prep_value: its to_python would parse the JSON back.
        return secret_encrypt(json.dumps(value, separators=(",", ":")), context=self.context())

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))
