from django.apps import AppConfig


class JoiningConfig(AppConfig):
    name = "meetings.joining"
    label = "joining"
    verbose_name = "Joining"

    def ready(self) -> None:
        # The subject kind every school has: a person with an account ("u"). Guests ("g") are
        # registered by the app that owns them (meetings.joining.subjects).
        from meetings.joining import subjects

        subjects.register_user_kind()
