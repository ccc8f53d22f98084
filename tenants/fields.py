from django.db import models

from tenants.crypto import secret_decrypt, secret_encrypt


class EncryptedTextField(models.TextField):
    """Holds a secret in clear in Python and sealed (AES-256-GCM) in the database.

    The column name is bound as associated data, so a sealed value moved to another column
    does not open. Not filterable: equal plaintexts give different ciphertexts.
    """

    def __init__(self, *args, **kwargs):
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
