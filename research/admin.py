from django.contrib import admin

from research.models import ModelVersion, SignalReport


@admin.register(SignalReport)
class SignalReportAdmin(admin.ModelAdmin):
    list_display = ("signal", "job__status", "ic_mean", "ic_t_stat", "icir", "n_dates", "created_at")
    list_filter = ("job__status", "signal")
    list_select_related = ("job",)
    readonly_fields = ("job", "definition_hash", "data_hash", "dataset_versions", "result_path")


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "kind", "stage", "config_hash", "author", "created_at", "promoted_at")
    list_filter = ("kind", "stage")
    search_fields = ("name",)
    # Stages change only through the service (gates + audit); files and hashes are never edited by hand.
    readonly_fields = ("stage", "config_hash", "files", "path", "dataset_versions", "metrics", "code_version")
