from django.apps import AppConfig


class PeopleImportConfig(AppConfig):
    name = "tenants.people_import"
    label = "people_import"
    verbose_name = "People import"
