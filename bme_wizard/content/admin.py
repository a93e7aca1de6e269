"""The editorial board's workspace.

Items of a published edition open read-only except for their review status and review
comments; the models refuse other changes anyway, the admin just says so up front.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.text import Truncator

from .models import (
    FROZEN_STATUSES,
    Citation,
    Condition,
    Edition,
    Pathway,
    Pitfall,
    Recommendation,
    Reference,
    ReviewComment,
    treatment_choices,
)


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


class EditionItemAdmin(admin.ModelAdmin):
    """Shared behaviour of every item of an edition."""

    inlines = [ConditionInline, CitationInline, ReviewCommentInline]
    list_filter = ["edition", "review_status"]
    search_fields = ["key"]
    list_select_related = ["edition"]
    ordering = ["-edition__number", "order", "key"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        if _is_frozen(obj):
            return [name for name in self.fields if name != "review_status"]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _is_frozen(obj) and super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if request.method == "GET" and _is_frozen(obj):
            messages.info(
                request,
                f"This item belongs to {obj.edition.label}, which is {obj.edition.get_status_display().lower()}: "
                "its content is read-only. Review status and review comments can still change; "
                "to revise the content, start a new draft edition.",
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
class EditionAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "status", "published_at", "item_count", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "summary"]
    readonly_fields = ["status", "published_at", "created_at", "updated_at"]

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

    def get_urls(self):
        # The diff between editions (admin_views.py); the change form links to it and to the preview.
        from .admin_views import edition_admin_urls

        return edition_admin_urls(self) + super().get_urls()


@admin.register(Pathway)
class PathwayAdmin(EditionItemAdmin):
    list_display = ["title", "key", "edition", "match", "review_status", "citation_count", "open_comment_count"]
    search_fields = ["key", "title", "summary"]
    fields = ["edition", "key", "title", "summary", "order", "match", "review_status", "created_at", "updated_at"]


class RecommendationForm(forms.ModelForm):
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
class ReviewCommentAdmin(admin.ModelAdmin):
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
