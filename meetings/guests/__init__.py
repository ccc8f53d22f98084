"""Guests: people without an account whom a class's teachers or an admin invite, by name and
email, to one meeting or to every session of a series. They get a personal platform link by
email, are registered at Zoom, and their attendance is recorded as a guest's."""
