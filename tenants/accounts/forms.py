from django.contrib.auth.forms import AuthenticationForm
from django import forms


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))
