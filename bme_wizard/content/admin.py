"""The editorial board's workspace.

Items of a published edition open read-only except for their review comments; the
models refuse other changes anyway, the admin just says so up front. Review status moves
only through the review page of an item (or the list actions), which call the workflow
services; every form carries the version it was opened at, so a stale save is refused.
The history of every change, with field-level differences, is on each object's History page.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import path
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from . import admin_workflow, services
from .admin_views import edition_admin_urls
from .models import (
    FROZEN_STATUSES,
    Citation,
    Condition,
    Edition,
    EditionItem,
    Pathway,
    Pitfall,
    Recommendation,
    Reference,
    ReviewComment,
    Scenario,
    treatment_choices,
)


class VersionedForm(forms.ModelForm):
    """Carries the version the form was opened at; a save from a stale form is a conflict."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    def has_changed(self) -> bool:
        return any(name != "version" for name in self.changed_data)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            opened_at = cleaned.get("version")
            if opened_at is None:
                raise ValidationError("This form is missing its version; reload the page and try again.")
            self.instance.version = opened_at
            self.instance.check_version()  # EditConflictError, shown at the top of the form
        return cleaned


def _is_frozen(obj) -> bool:
    return obj is not None and obj.edition.status in FROZEN_STATUSES


class _ItemPartInline(admin.TabularInline):
    """Inline rows of an item (conditions, citations): editable only while the edition is."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return not _is_frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _is_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _is_frozen(obj) and super().has_delete_permission(request, obj)


class ConditionInline(_ItemPartInline):
    model = Condition
    fields = ["order", "question", "operator", "value", "group"]
    verbose_name_plural = "conditions (when this applies; none means always)"


class CitationInline(_ItemPartInline):
    model = Citation
    fields = ["order", "reference"]
    verbose_name_plural = "citations (every statement cites at least one reference)"

    def get_formset(self, request, obj=None, **kwargs):
        self._parent = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "reference":
            parent = getattr(self, "_parent", None)
            queryset = Reference.objects.select_related("edition")
            kwargs["queryset"] = queryset.filter(edition=parent.edition) if parent else queryset.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReviewCommentInline(admin.StackedInline):
    model = ReviewComment
    extra = 0
    fields = ["byline", "created_at", "body", "is_open"]
    readonly_fields = ["byline", "created_at"]


def _review_action(action: str):
    def run(modeladmin, request, queryset):
        admin_workflow.review_selected(request, queryset, action)

    run.__name__ = f"review_{action}"
    run.short_description = f"{services.REVIEW_ACTIONS[action]}: selected items"
    return run


class EditionItemAdmin(SimpleHistoryAdmin):
    """Shared behaviour of every item of an edition."""

    form = VersionedForm
    inlines = [ConditionInline, CitationInline, ReviewCommentInline]
    list_filter = ["edition", "review_status"]
    search_fields = ["key"]
    list_select_related = ["edition"]
    ordering = ["-edition__number", "order", "key"]
    readonly_fields = ["review_status", "changed_by", "created_at", "updated_at"]
    actions = [_review_action(action) for action in services.REVIEW_ACTIONS if action != "request_changes"]
    change_form_template = "admin/content/item_change_form.html"

    class Media:
        js = ["js/admin-editing.js"]

    def get_fields(self, request, obj=None):
        return [*super().get_fields(request, obj), "changed_by", "version"]

    def get_readonly_fields(self, request, obj=None):
        if _is_frozen(obj):
            return [name for name in self.get_fields(request, obj) if name != "version"]
        return super().get_readonly_fields(request, obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        review = path(
            "<path:object_id>/review/",
            self.admin_site.admin_view(admin_workflow.item_review_view(self)),
            name="{}_{}_review".format(*info),
        )
        return [review, *super().get_urls()]

    def save_model(self, request, obj, form, change):
        if not change or form.has_changed():
            services.item_note_change(item=obj, user=request.user)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        content_formsets = [formset for formset in formsets if formset.model is not ReviewComment]
        if change and not form.has_changed() and any(formset.has_changed() for formset in content_formsets):
            services.item_content_changed(item=form.instance, user=request.user)

    def has_delete_permission(self, request, obj=None):
        return not _is_frozen(obj) and super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if request.method == "GET" and _is_frozen(obj):
            messages.info(
                request,
                f"This item belongs to {obj.edition.label}, which is {obj.edition.get_status_display().lower()}: "
                "its content is read-only. Its review goes on from the Review page, and comments can still "
                "be added; to revise the content, start a new draft edition.",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "edition":
            kwargs["queryset"] = Edition.objects.exclude(status__in=FROZEN_STATUSES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                citation_count=Count("citations", distinct=True),
                open_comment_count=Count("review_comments", filter=Q(review_comments__is_open=True), distinct=True),
            )
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is ReviewComment:
            for comment in formset.save(commit=False):
                if comment.pk is None:
                    comment.author = request.user
                comment.save()
            for comment in formset.deleted_objects:
                comment.delete()
            return
        super().save_formset(request, form, formset, change)

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, obj):
        return obj.citation_count

    @admin.display(description="open comments", ordering="open_comment_count")
    def open_comment_count(self, obj):
        return obj.open_comment_count


@admin.register(Edition)
class EditionAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "status", "published_at", "item_count", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "summary"]
    readonly_fields = ["status", "published_at", "created_at", "updated_at"]
    change_list_template = "admin/content/edition_change_list.html"

    def get_urls(self):
        views = [
            ("<path:object_id>/review/", admin_workflow.edition_review_view(self), "review"),
            ("<path:object_id>/clone/", admin_workflow.edition_clone_view(self), "clone"),
        ]
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(route, self.admin_site.admin_view(view), name="{}_{}_{}".format(*info, name))
            for route, view, name in views
        ]
        # The diff between editions (admin_views.py); the change form links to it and to the preview.
        return [*own, *edition_admin_urls(self), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {"current_edition": Edition.objects.current(), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("items"))

    @admin.display(description="items", ordering="item_count")
    def item_count(self, obj):
        return obj.item_count

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return ["number", "title", "summary", "source_note", *self.readonly_fields]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.is_frozen) and super().has_delete_permission(request, obj)


@admin.register(Pathway)
class PathwayAdmin(EditionItemAdmin):
    list_display = ["title", "key", "edition", "match", "review_status", "citation_count", "open_comment_count"]
    search_fields = ["key", "title", "summary"]
    fields = ["edition", "key", "title", "summary", "order", "match", "review_status", "created_at", "updated_at"]


class RecommendationForm(VersionedForm):
    treatments = forms.MultipleChoiceField(
        choices=treatment_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=Recommendation._meta.get_field("treatments").help_text,
    )

    class Meta:
        model = Recommendation
        fields = ["treatments"]  # the admin adds the others from RecommendationAdmin.fields


@admin.register(Recommendation)
class RecommendationAdmin(EditionItemAdmin):
    form = RecommendationForm
    list_display = [
        "key",
        "excerpt",
        "pathway",
        "section",
        "strength",
        "certainty",
        "review_status",
        "citation_count",
        "open_comment_count",
    ]
    list_filter = [
        "edition",
        ("pathway", admin.RelatedOnlyFieldListFilter),
        "section",
        "review_status",
        "strength",
        "certainty",
    ]
    list_select_related = ["edition", "pathway"]
    ordering = ["-edition__number", "pathway__order", "order"]
    search_fields = ["key", "text", "plain_text"]
    fields = [
        "edition",
        "pathway",
        "key",
        "section",
        "order",
        "text",
        "plain_text",
        "strength",
        "certainty",
        "treatments",
        "match",
        "review_status",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="statement")
    def excerpt(self, obj):
        return Truncator(obj.text).chars(90)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "pathway":
            kwargs["queryset"] = Pathway.objects.select_related("edition").exclude(edition__status__in=FROZEN_STATUSES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Pitfall)
class PitfallAdmin(EditionItemAdmin):
    list_display = ["key", "excerpt", "edition", "review_status", "citation_count", "open_comment_count"]
    search_fields = ["key", "text", "plain_text"]
    fields = ["edition", "key", "order", "text", "plain_text", "match", "review_status", "created_at", "updated_at"]

    excerpt = RecommendationAdmin.excerpt


@admin.register(Reference)
class ReferenceAdmin(EditionItemAdmin):
    inlines = [ReviewCommentInline]
    list_display = [
        "key",
        "title",
        "source",
        "year",
        "kind",
        "is_incomplete",
        "edition",
        "review_status",
        "cited_count",
    ]
    list_filter = ["edition", "kind", "is_incomplete", "review_status"]
    search_fields = ["key", "title", "authors", "source", "doi", "pmid"]
    fields = [
        "edition",
        "key",
        "order",
        "kind",
        "authors",
        "title",
        "source",
        "year",
        "doi",
        "pmid",
        "url",
        "is_incomplete",
        "incomplete_note",
        "review_status",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(cited_count=Count("cited_by", distinct=True))

    @admin.display(description="cited by", ordering="cited_count")
    def cited_count(self, obj):
        return obj.cited_count


@admin.register(ReviewComment)
class ReviewCommentAdmin(SimpleHistoryAdmin):
    list_display = ["item", "byline", "excerpt", "is_open", "created_at"]
    list_filter = ["is_open", "item__edition"]
    search_fields = ["body", "item__key", "author_name"]
    list_select_related = ["item", "author"]
    readonly_fields = ["item", "author", "author_name", "created_at"]
    fields = ["item", "author", "author_name", "created_at", "body", "is_open", "resolved_at"]

    @admin.display(description="comment")
    def excerpt(self, obj):
        return Truncator(obj.body).chars(90)

    def has_add_permission(self, request):
        # Comments are written on the item they concern (its change page).
        return False


class ScenarioForm(VersionedForm):
    class Meta:
        model = Scenario
        fields = ["key", "title", "description", "answers", "must_show", "must_not_show", "is_active", "order"]

    def clean(self):
        cleaned = super().clean()
        known = set(EditionItem.objects.values_list("key", flat=True).distinct())
        proposed = Scenario(**{name: cleaned.get(name) for name in ("must_show", "must_not_show")})
        for name, message in proposed.unknown_keys(known).items():
            if isinstance(cleaned.get(name), list) and name not in self.errors:
                self.add_error(name, message)
        return cleaned


@admin.register(Scenario)
class ScenarioAdmin(SimpleHistoryAdmin):
    form = ScenarioForm
    list_display = ["title", "key", "is_active", "order", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["key", "title", "description"]
    fields = [
        "key",
        "title",
        "description",
        "answers",
        "must_show",
        "must_not_show",
        "is_active",
        "order",
        "changed_by",
        "created_at",
        "updated_at",
        "version",
    ]
    readonly_fields = ["changed_by", "created_at", "updated_at"]
    change_list_template = "admin/content/scenario_change_list.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        run = path(
            "run/", self.admin_site.admin_view(admin_workflow.scenario_run_view(self)), name="{}_{}_run".format(*info)
        )
        return [run, *super().get_urls()]

    def save_model(self, request, obj, form, change):
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)
