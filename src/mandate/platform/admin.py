from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from mandate.platform.audit import record
from mandate.platform.models import AuditEntry, Document, RoleAssignment, TwoFactorRequirement


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "scope", "granted_at"]
    list_filter = ["role", "scope"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["seq", "at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class LoggedReadsAdmin(admin.ModelAdmin):
    """An admin whose every read, of the list or of one record, writes an audit entry (the admin shows
    personal data: documents name members and staff, user records hold names and e-mail addresses)."""

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        response = super().changelist_view(request, extra_context)
        if getattr(response, "status_code", 0) == 200:
            record(request.user, "admin.list_viewed", self.model.__name__, "", query=request.GET.urlencode()[:200])
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and getattr(response, "status_code", 0) == 200:
            record(request.user, "admin.record_viewed", self.model.__name__, str(object_id)[:128])
        return response


@admin.register(Document)
class DocumentAdmin(LoggedReadsAdmin):
    list_display = ["title", "kind", "issued_by_side", "issued_by_scope", "sent_on", "received_on"]
    exclude = ["pdf"]


class LoggedUserAdmin(LoggedReadsAdmin, UserAdmin):
    pass


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), LoggedUserAdmin)


@admin.register(TwoFactorRequirement)
class TwoFactorRequirementAdmin(admin.ModelAdmin):
    list_display = ["role", "required", "changed_at"]

    def save_model(self, request: HttpRequest, obj: TwoFactorRequirement, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record(request.user, "two_factor.requirement_set", "Role", obj.role, required=obj.required)
