"""Classes, who teaches them, who is enrolled, and which parents follow which students."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class SchoolClass(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="classes_taught", blank=True
    )
    students = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Enrolment",
        related_name="classes_enrolled",
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "class"
        verbose_name_plural = "classes"
        constraints = [
            # The import and the people directory find classes by name, ignoring case and the
            # spaces around it (class_name_check trims): two such names would be one class.
            models.UniqueConstraint(Lower("name"), name="schoolclass_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school_class", "student"], name="enrolment_unique")
        ]


class ParentLink(models.Model):
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="child_links"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="parent_links"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["parent", "student"], name="parent_link_unique")
        ]
