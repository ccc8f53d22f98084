"""Django's own messages that our pages and the app's profile show and that Django's Bengali
catalogue leaves untranslated (password validators, the sign-in form). Written out here only so
that `make messages` extracts them into locale/, which Django reads before its own catalogues;
nothing calls `_extracted`. Keep each text exactly as Django writes it."""

from django.utils.translation import gettext_noop, ngettext


def _extracted(n: int) -> list[str]:
    return [
        gettext_noop(
            "Please enter a correct %(username)s and password. Note that both fields may be "
            "case-sensitive."
        ),
        gettext_noop("This password is too common."),
        gettext_noop("The password is too similar to the %(verbose_name)s."),
        gettext_noop("Your password can’t be too similar to your other personal information."),
        gettext_noop("Your password can’t be a commonly used password."),
        gettext_noop("The two password fields didn’t match."),
        ngettext(
            "This password is too short. It must contain at least %d character.",
            "This password is too short. It must contain at least %d characters.",
            n,
        ),
        ngettext(
            "Your password must contain at least %(min_length)d character.",
            "Your password must contain at least %(min_length)d characters.",
            n,
        ),
    ]
