"""Models of the exchange on the employer side (imported by workplace/models.py).

- :class:`SenderKey`: a union's published public key, recorded by HR after checking its fingerprint with the
  union; only packages signed by a recorded key are accepted.
- :class:`ReceivedPackage`: a verified package from a union, with the date received (the date that starts the
  statutory clocks) and the signed acknowledgement of receipt HR sent back.
- :class:`ReceiptKey`: the organisation's own Ed25519 key, which signs its acknowledgements.

Nothing here holds union membership data: a package's facts are the lists and numbers the statute requires.
"""

from __future__ import annotations

from django.db import models


class SenderKey(models.Model):
    objects: models.Manager[SenderKey] = models.Manager()
    organisation = models.ForeignKey("workplace.Organisation", on_delete=models.CASCADE, related_name="sender_keys")
    sender_name = models.CharField(max_length=200)
    public_key = models.CharField(max_length=64)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sender_name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "public_key"], name="one_record_per_sender_key")]

    def __str__(self) -> str:
        return self.sender_name


class ReceiptKey(models.Model):
    """The organisation's signing key for acknowledgements. The seed is never shown, logged or exported."""

    objects: models.Manager[ReceiptKey] = models.Manager()
    organisation = models.OneToOneField("workplace.Organisation", on_delete=models.CASCADE,
                                        related_name="receipt_key")
    seed = models.BinaryField(editable=False)
    public_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __repr__(self) -> str:
        return f"<ReceiptKey {self.pk} {self.public_key[:8]}…>"

    __str__ = __repr__


class ReceivedPackage(models.Model):
    objects: models.Manager[ReceivedPackage] = models.Manager()
    organisation = models.ForeignKey("workplace.Organisation", on_delete=models.CASCADE,
                                     related_name="received_packages")
    sender_key = models.ForeignKey(SenderKey, on_delete=models.PROTECT, related_name="packages")
    digest = models.CharField(max_length=64)
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    issuer = models.CharField(max_length=200)
    facts = models.JSONField(default=dict)
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    received_on = models.DateField(help_text="The day the package was received: it starts the statutory clocks.")
    imported_by = models.CharField(max_length=150)
    imported_at = models.DateTimeField(auto_now_add=True)
    acknowledgement = models.TextField(blank=True, help_text="The signed acknowledgement of receipt sent back.")

    class Meta:
        ordering = ["-received_on", "-imported_at"]
        constraints = [models.UniqueConstraint(fields=["organisation", "digest"], name="one_import_per_package")]

    def __str__(self) -> str:
        return self.title
