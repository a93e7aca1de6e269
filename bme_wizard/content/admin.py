"""The editorial board's workspace.

The admin's forms are only a way in: every save, deletion and review step calls the
operations in ``content.services`` (the one write path), so the admin obeys the same rules
as the edition loader, the clone and the tests. An item's form, with its conditions and
citations, is saved by one operation: validated whole, sent back to draft if it changed,
recorded once in its history. Items of a published edition open read-only; their review
goes on from the Review page. Every form carries the version it was opened at, so a stale
save is refused and the editor keeps what they typed.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from . import admin_workflow, selectors, services
from .admin_history import ReadableHistory
from .admin_views import edition_admin_urls
from .models import (
    FROZEN_STATUSES,
    Citation,
    Condition,
    Edition,
    EditionText,
    Pathway,
    Pitfall,
    Question,
    Recommendation,
    Reference,
    ReviewComment,
    Scenario,
    condition_editor_questions,
    question_choices,
    treatment_choices,
)
from .models.items import describe_value, edition_vocabulary
from .scenario_form import SCENARIO_FORM_FIELDS, ScenarioFields, answer_fieldsets, scenario_form


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
            self.instance.check_version(expected=opened_at)  # EditConflictError, shown at the top of the form
        return cleaned


def _is_frozen(obj) -> bool:
    return obj is not None and obj.edition.status in FROZEN_STATUSES


def _read_only(obj) -> bool:
    """An item of a published edition, or one marked for removal (restore it to change it)."""
    return _is_frozen(obj) or (obj is not None and obj.is_removed)


def _refuse(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


class OperationRefusalsInForm:
    """Admin mixin: a refusal from the operation a form's save calls is shown on the form, with what
    the editor typed still in it (the refused save was rolled back as a whole by the admin's transaction)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            if request.method != "POST" or hasattr(request, "operation_refusal"):
                raise
            request.operation_refusal = error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "operation_refusal", None)
        if refusal is None:
            return form

        class Refused(form):
            def clean(self):
                super().clean()
                raise ValidationError(refusal.messages)

        return Refused


class SubmitForReviewResponses:
    """Admin mixin: after "Save and submit for review" (a new item or a changed one; the save submitted it),
    say so and open its Review page."""

    def _submitted(self, request, obj):
        messages.success(request, f"{self.opts.verbose_name.capitalize()} {obj.key} is saved and submitted for review.")
        return HttpResponseRedirect(reverse(f"admin:content_{self.opts.model_name}_review", args=[obj.pk]))

    def response_add(self, request, obj, post_url_continue=None):
        if "_submit" in request.POST:
            return self._submitted(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_submit" in request.POST:
            return self._submitted(request, obj)
        return super().response_change(request, obj)


def _labelled_rows(formset):
    """A tabular inline's formset whose every input is named for assistive technology.

    The admin's tabular rows show each field's label only as a column heading, which a screen reader
    does not tie to the inputs below it (axe: "Form elements must have labels"); each widget therefore
    carries its field's label as ``aria-label``, the delete box and the empty row that "Add another"
    copies included."""

    class LabelledRows(formset):
        def add_fields(self, form, index):
            super().add_fields(form, index)
            for field in form.fields.values():
                # A related-object wrapper's own attrs are its original widget's (Django's __deepcopy__),
                # so the label goes on the copied widget it wraps.
                widget = getattr(field.widget, "widget", field.widget)
                widget.attrs.setdefault("aria-label", str(field.label))

    LabelledRows.__name__ = formset.__name__
    return LabelledRows


class _ItemPartInline(admin.TabularInline):
    """Inline rows of an item (conditions, citations): editable only while the edition is."""

    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        self._parent = obj  # the item, whose edition's questions and references the rows may name
        return _labelled_rows(super().get_formset(request, obj, **kwargs))

    def has_add_permission(self, request, obj=None):
        return not _read_only(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _read_only(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _read_only(obj) and super().has_delete_permission(request, obj)


class ConditionInline(_ItemPartInline):
    model = Condition
    fields = ["order", "question", "operator", "value", "group"]
    verbose_name_plural = "conditions (when this applies; none means always)"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "question":
            # Chosen by label from the questions of the item's edition (of the current one on an add form).
            parent = getattr(self, "_parent", None)
            choices = [("", "---------"), *question_choices(parent.edition_id if parent else None)]
            return forms.ChoiceField(choices=choices, label=db_field.verbose_name.capitalize())
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "value":
            # With JavaScript the editor offers the question's answers or a number box instead (admin-editing.js).
            field.label = "Answer"
            field.help_text = (
                "The answer to compare with: one of the question's answers, several for “is one of”, "
                "or a whole number. Empty for “is empty” and “is answered”."
            )
        return field


class CitationInline(_ItemPartInline):
    model = Citation
    fields = ["order", "reference", "part"]
    verbose_name_plural = "citations (every statement cites at least one reference; a caution cites its own)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "reference":
            parent = getattr(self, "_parent", None)
            queryset = Reference.objects.select_related("edition").filter(is_removed=False)
            kwargs["queryset"] = queryset.filter(edition=parent.edition) if parent else queryset.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _rows(formset, names: list[str]) -> list[dict]:
    """What an inline formset posts, as rows for the operation (deleted and untouched blank rows left out)."""
    rows = []
    for form in formset.forms:
        if not hasattr(form, "cleaned_data") or not form.cleaned_data or form.cleaned_data.get("DELETE"):
            continue
        if form.instance.pk is None and not form.has_changed():
            continue
        rows.append({name: form.cleaned_data.get(name) for name in ("order", *names)})
    rows.sort(key=lambda row: row.get("order") or 0)
    return [{name: row[name] for name in names} for row in rows]


def _review_action(action: str):
    def run(modeladmin, request, queryset):
        admin_workflow.review_selected(request, queryset, action, review=modeladmin.review_operation)

    run.__name__ = f"review_{action}"
    run.short_description = f"{services.REVIEW_ACTIONS[action]}: selected"
    return run


class EditionItemAdmin(SubmitForReviewResponses, OperationRefusalsInForm, ReadableHistory, SimpleHistoryAdmin):
    """Shared behaviour of every item of an edition."""

    form = VersionedForm
    inlines = [ConditionInline, CitationInline]
    list_filter = ["edition", "review_status", "is_removed"]
    search_fields = ["key"]
    list_select_related = ["edition"]
    ordering = ["-edition__number", "order", "key"]
    readonly_fields = ["review_status", "is_removed", "changed_by", "created_at", "updated_at"]
    actions = [_review_action(action) for action in services.REVIEW_ACTIONS if action != "request_changes"]
    change_form_template = "admin/content/item_change_form.html"
    review_operation = staticmethod(services.item_review)

    class Media:
        js = ["js/admin-editing.js"]

    def get_fields(self, request, obj=None):
        """The item's own content fields (``content_fields``, one definition with its review), then bookkeeping."""
        model = self.model
        conditional = ["match"] if hasattr(model, "match") else []
        leading = ["edition", "key"] if model is EditionText else ["edition", "key", "order"]
        bookkeeping = ["review_status", "is_removed", "changed_by", "created_at", "updated_at", "version"]
        fields = [*leading, *model.content_fields, *conditional, *bookkeeping]
        if not _read_only(obj):
            return fields
        # A read-only item shows its fields stored as codes in words (``read_only_words``: field -> display).
        shown = [self.read_only_words.get(name, name) for name in fields]
        return [name for name in shown if name]

    # Fields stored as codes or JSON, and the display (a method of the admin) a read-only page shows instead;
    # None: shown by another display.
    read_only_words: dict[str, str | None] = {}

    def get_readonly_fields(self, request, obj=None):
        if _read_only(obj):
            return [name for name in self.get_fields(request, obj) if name != "version"]
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("edition")  # an item stays in its edition
        return readonly

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        review = path(
            "<path:object_id>/review/",
            self.admin_site.admin_view(admin_workflow.review_view(self)),
            name="{}_{}_review".format(*info),
        )
        restore = path(
            "<path:object_id>/restore/",
            self.admin_site.admin_view(admin_workflow.item_restore_view(self)),
            name="{}_{}_restore".format(*info),
        )
        return [review, restore, *super().get_urls()]

    # --- saving: one operation for the form and its rows ------------------------------------

    def save_model(self, request, obj, form, change):
        """Nothing here: the item and its rows are saved together in ``save_related``."""

    def save_related(self, request, form, formsets, change):
        rows = {formset.model: formset for formset in formsets}
        conditions = _rows(rows[Condition], ["question", "operator", "value", "group"]) if Condition in rows else None
        citations = _rows(rows[Citation], ["reference", "part"]) if Citation in rows else None
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        fields.pop("version", None)
        item = form.instance
        if change:
            saved = services.item_change(
                item=type(item).objects.get(pk=item.pk),
                user=request.user,
                fields=fields,
                conditions=conditions,
                citations=citations,
                version=form.cleaned_data.get("version"),
            )
        else:
            fields = {
                name: form.cleaned_data[name]
                for name in services.editable_fields(type(item))
                if name in form.cleaned_data
            }
            saved = services.item_create(
                edition=form.cleaned_data["edition"],
                kind=type(item),
                user=request.user,
                fields=fields,
                conditions=conditions or (),
                citations=citations or (),
            )
            item.pk = saved.pk
            item._state.adding = False
        if "_submit" in request.POST:
            services.item_review(item=saved, action="submit", user=request.user)

    def construct_change_message(self, request, form, formsets, add=False):
        return [{"added": {}}] if add else [{"changed": {"fields": form.changed_data}}]

    # --- removal is a reviewed change -----------------------------------------------------------

    def delete_view(self, request, object_id, extra_context=None):
        # Removal is a reviewed change, not a deletion: the operation decides which it is.
        return admin_workflow.item_remove_view(self, request, object_id)

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)  # removal is one reviewed change at a time
        return actions

    def has_delete_permission(self, request, obj=None):
        return not _read_only(obj) and super().has_delete_permission(request, obj)

    # --- pages ----------------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if request.method == "GET" and _is_frozen(obj):
            messages.info(
                request,
                f"This item belongs to {obj.edition.label}, which is {obj.edition.get_status_display().lower()}: "
                "its content is read-only. Its review goes on from the Review page, and comments can still "
                "be added; to revise the content, start a new draft edition.",
            )
        context = {
            "review_comments": obj.review_comments.select_related("author") if obj else (),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if ConditionInline in self.inlines:
            # The condition editor's offer: per question of the item's edition, the comparisons that fit and
            # its answers or range (read by admin-editing.js from a JSON script element, CSP-safe).
            context["condition_questions"] = condition_editor_questions(obj.edition_id if obj else None)
        return super().render_change_form(request, context, add, change, form_url, obj)

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

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, obj):
        return obj.citation_count

    @admin.display(description="open comments", ordering="open_comment_count")
    def open_comment_count(self, obj):
        return obj.open_comment_count


class EditionForm(forms.ModelForm):
    """An edition's own text lives in its text item: edited here, saved by the operation on that item."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea, required=False, help_text="What this edition changes (Markdown).")
    source_note = forms.CharField(
        widget=forms.Textarea, required=False, help_text="Where the content comes from (Markdown); shown to clinicians."
    )
    content_date = forms.DateField(required=False, help_text=EditionText._meta.get_field("content_date").help_text)

    TEXT_FIELDS = ("title", "summary", "source_note", "content_date")

    class Meta:
        model = Edition
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text = self.instance.text if self.instance.pk else None
        if text is not None:
            for name in self.TEXT_FIELDS:
                if name in self.fields:  # read-only once the edition is published
                    self.fields[name].initial = getattr(text, name)
            self.fields["version"].initial = text.version

    def clean(self):
        cleaned = super().clean()
        text = self.instance.text if self.instance.pk else None
        if text is not None:
            opened_at = cleaned.get("version")
            if opened_at is None:
                raise ValidationError("This form is missing its version; reload the page and try again.")
            text.check_version(expected=opened_at)
        return cleaned


@admin.register(Edition)
class EditionAdmin(OperationRefusalsInForm, ReadableHistory, SimpleHistoryAdmin):
    form = EditionForm
    list_display = ["number", "edition_title", "status", "base", "published_at", "item_count", "updated_at"]
    list_filter = ["status"]
    readonly_fields = ["number", "status", "base", "published_at", "publication_note", "created_at", "updated_at"]
    change_list_template = "admin/content/edition_change_list.html"
    change_form_template = "admin/content/edition/change_form.html"

    def get_fields(self, request, obj=None):
        return ["number", "status", "base", *EditionForm.TEXT_FIELDS, "published_at", "publication_note", "version"]

    def get_urls(self):
        views = [
            ("<path:object_id>/review/", admin_workflow.edition_review_view(self), "review"),
            ("<path:object_id>/publish/", admin_workflow.edition_publish_view(self), "publish"),
            ("<path:object_id>/rebase/", admin_workflow.edition_rebase_view(self), "rebase"),
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
        titles = EditionText.objects.filter(edition=OuterRef("pk")).values("title")[:1]
        return super().get_queryset(request).annotate(item_count=Count("items"), text_title=Subquery(titles))

    @admin.display(description="title", ordering="text_title")
    def edition_title(self, obj):
        return obj.text_title

    # The edition's text shown read-only (a published edition): read from its text item.
    @admin.display(description="title")
    def title(self, obj):
        return obj.text.title

    @admin.display(description="summary")
    def summary(self, obj):
        return obj.text.summary

    @admin.display(description="source note")
    def source_note(self, obj):
        return obj.text.source_note

    @admin.display(description="content date")
    def content_date(self, obj):
        return obj.text.content_date

    @admin.display(description="items", ordering="item_count")
    def item_count(self, obj):
        return obj.item_count

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return [*self.readonly_fields, *EditionForm.TEXT_FIELDS]
        return self.readonly_fields

    def has_add_permission(self, request):
        # A new edition is a draft started from the current one (or loaded from an edition file).
        return False

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.is_frozen) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data.get(name) for name in EditionForm.TEXT_FIELDS}
        services.edition_text_change(
            edition=obj, user=request.user, fields=fields, version=form.cleaned_data.get("version")
        )


@admin.register(EditionText)
class EditionTextAdmin(EditionItemAdmin):
    inlines = []
    list_display = ["title", "edition", "review_status", "open_comment_count"]
    search_fields = ["title", "summary", "source_note"]
    readonly_fields = [*EditionItemAdmin.readonly_fields, "key"]

    def has_add_permission(self, request):
        return False  # every edition has exactly one, made with it

    def has_delete_permission(self, request, obj=None):
        return False


class AnswerOptionsField(forms.CharField):
    """A question's answers as an editor writes them: one per line, its code, a bar, its label
    ("hip | Hip"), in the order asked. Stored as the ``[{"code", "label"}]`` list the engine reads."""

    widget = forms.Textarea(attrs={"rows": 8, "cols": 60})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{option.get('code', '')} | {option.get('label', '')}" for option in value)
        return value

    def to_python(self, value):
        options, errors = [], []
        for number, line in enumerate((super().to_python(value) or "").splitlines(), start=1):
            code, bar, label = line.partition("|")
            if not line.strip():
                continue
            if not (bar and code.strip() and label.strip()):
                errors.append(f"Line {number} (“{line.strip()}”): write an answer as its code, a bar and its label.")
                continue
            options.append({"code": code.strip(), "label": label.strip()})
        if errors:
            raise ValidationError(errors)
        return options


class AnswerCodesField(forms.CharField):
    """Option codes, separated by commas ("vertebral_fracture, multiple_myeloma")."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [code.strip() for code in (super().to_python(value) or "").split(",") if code.strip()]


class QuestionForm(VersionedForm):
    options = AnswerOptionsField(
        required=False,
        help_text="One answer per line, in the order asked: its code (lower-case letters, digits and _; "
        "stored in assessments, never renamed), a bar, and its label, e.g. “foot_ankle | Foot or ankle”. "
        "Empty for a whole-number question.",
    )
    asked_when_values = AnswerCodesField(
        required=False,
        label="Asked when (answers)",
        help_text="The codes of that question's answers that ask this one, separated by commas.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "asked_when_question" in self.fields:
            # Chosen by label among the questions of the question's edition (of the newest on an add form).
            edition_id = (
                self.instance.edition_id or Edition.objects.order_by("-number").values_list("pk", flat=True).first()
            )
            mine = self.instance.key
            choices = [(key, label) for key, label in question_choices(edition_id) if key != mine]
            self.fields["asked_when_question"] = forms.ChoiceField(
                choices=[("", "Always asked"), *choices],
                required=False,
                label="Asked when (question)",
                help_text=Question._meta.get_field("asked_when_question").help_text,
            )


@admin.register(Question)
class QuestionAdmin(EditionItemAdmin):
    form = QuestionForm
    inlines = []  # a question is not conditional (its "asked when" is its own) and cites nothing
    list_display = ["label", "key", "step", "kind", "edition", "review_status", "is_removed", "open_comment_count"]
    list_filter = ["edition", "step", "kind", "review_status", "is_removed"]
    search_fields = ["key", "label", "help_text"]
    read_only_words = {"options": "answers_offered", "asked_when_question": "asked_when", "asked_when_values": None}

    @admin.display(description="Answers")
    def answers_offered(self, obj):
        return AnswerOptionsField().prepare_value(obj.options) or "none (a whole-number question)"

    @admin.display(description="Asked when")
    def asked_when(self, obj):
        rule = obj.as_question().asked_when
        return rule.describe(edition_vocabulary(obj.edition_id)) if rule else "Always asked."


@admin.register(Pathway)
class PathwayAdmin(EditionItemAdmin):
    list_display = [
        "title",
        "key",
        "edition",
        "match",
        "review_status",
        "is_removed",
        "citation_count",
        "open_comment_count",
    ]
    search_fields = ["key", "title", "summary"]


class RecommendationForm(VersionedForm):
    treatments = forms.MultipleChoiceField(
        choices=treatment_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=Recommendation._meta.get_field("treatments").help_text,
    )

    class Meta:
        model = Recommendation
        fields = ["treatments"]  # the admin adds the others (EditionItemAdmin.get_fields)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.edition_id and "treatments" in self.fields:  # the treatments its edition names
            self.fields["treatments"].choices = treatment_choices(self.instance.edition_id)


@admin.register(Recommendation)
class RecommendationAdmin(EditionItemAdmin):
    form = RecommendationForm
    read_only_words = {"treatments": "treatments_in_words"}

    @admin.display(description="Treatments")
    def treatments_in_words(self, obj):
        return describe_value(obj, "treatments", obj.treatments)

    list_display = [
        "key",
        "excerpt",
        "pathway",
        "section",
        "strength",
        "certainty",
        "review_status",
        "is_removed",
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
        "is_removed",
    ]
    list_select_related = ["edition", "pathway"]
    ordering = ["-edition__number", "pathway__order", "order"]
    search_fields = ["key", "text", "plain_text"]

    @admin.display(description="statement")
    def excerpt(self, obj):
        return Truncator(obj.text).chars(90)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "pathway":
            kwargs["queryset"] = (
                Pathway.objects.select_related("edition")
                .exclude(edition__status__in=FROZEN_STATUSES)
                .filter(is_removed=False)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Pitfall)
class PitfallAdmin(EditionItemAdmin):
    list_display = ["key", "excerpt", "edition", "review_status", "is_removed", "citation_count", "open_comment_count"]
    search_fields = ["key", "text", "plain_text"]

    excerpt = RecommendationAdmin.excerpt


@admin.register(Reference)
class ReferenceAdmin(EditionItemAdmin):
    inlines = []  # references are not conditional and cite nothing
    list_display = [
        "key",
        "title",
        "source",
        "year",
        "kind",
        "is_incomplete",
        "edition",
        "review_status",
        "is_removed",
        "cited_count",
    ]
    list_filter = ["edition", "kind", "is_incomplete", "review_status", "is_removed"]
    search_fields = ["key", "title", "authors", "source", "doi", "pmid"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(cited_count=Count("cited_by", distinct=True))

    @admin.display(description="cited by", ordering="cited_count")
    def cited_count(self, obj):
        return obj.cited_count


class CommentForm(forms.ModelForm):
    class Meta:
        model = ReviewComment
        fields = ["kind", "body"]


@admin.register(ReviewComment)
class ReviewCommentAdmin(OperationRefusalsInForm, ReadableHistory, SimpleHistoryAdmin):
    """Comments are written and resolved on the Review page of what they concern; only a comment's
    author may change its text here."""

    form = CommentForm
    list_display = ["subject", "kind", "byline", "excerpt", "is_open", "created_at"]
    list_filter = ["is_open", "kind", "item__edition"]
    search_fields = ["body", "item__key", "scenario__key", "author_name"]
    list_select_related = ["item", "scenario", "author"]
    fields = [
        "item",
        "scenario",
        "kind",
        "author",
        "author_name",
        "created_at",
        "body",
        "is_open",
        "resolved_by",
        "resolved_at",
        "resolution",
    ]
    readonly_fields = [
        "item",
        "scenario",
        "author",
        "author_name",
        "created_at",
        "is_open",
        "resolved_by",
        "resolved_at",
        "resolution",
    ]

    @admin.display(description="comment")
    def excerpt(self, obj):
        return Truncator(obj.body).chars(90)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and (obj.author_id != request.user.pk or not obj.is_open):
            return [*self.readonly_fields, "kind", "body"]
        return [*self.readonly_fields, "kind"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # A forged post from someone else carries no text (the fields are read-only to them): refused.
        services.comment_edit(
            comment=obj,
            user=request.user,
            body=form.cleaned_data.get("body", obj.body),
        )


class ScenarioForm(ScenarioFields, VersionedForm):
    class Meta:
        model = Scenario
        fields = SCENARIO_FORM_FIELDS


@admin.register(Scenario)
class ScenarioAdmin(SubmitForReviewResponses, OperationRefusalsInForm, ReadableHistory, SimpleHistoryAdmin):
    """Scenarios are written with the newest edition's questions (``scenario_form``); who may only read
    them (a reviewer) reads the patient and what the plan must show in the same words."""

    form = ScenarioForm
    list_display = ["title", "key", "is_active", "review_status", "order", "updated_at"]
    list_filter = ["is_active", "review_status"]
    search_fields = ["key", "title", "description"]
    readonly_fields = ["review_status", "changed_by", "created_at", "updated_at"]
    read_only_words = ["patient", "plan_must_show", "plan_must_not_show"]
    change_list_template = "admin/content/scenario_change_list.html"
    change_form_template = "admin/content/item_change_form.html"
    actions = [_review_action(action) for action in services.REVIEW_ACTIONS if action != "request_changes"]
    review_operation = staticmethod(
        lambda *, item, action, user, comment="": services.scenario_review(
            scenario=item, action=action, user=user, comment=comment
        )
    )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        run = path(
            "run/", self.admin_site.admin_view(admin_workflow.scenario_run_view(self)), name="{}_{}_run".format(*info)
        )
        review = path(
            "<path:object_id>/review/",
            self.admin_site.admin_view(admin_workflow.review_view(self)),
            name="{}_{}_review".format(*info),
        )
        return [run, review, *super().get_urls()]

    def _words(self, request):
        if not hasattr(request, "scenario_words"):  # read once per request: the form and its fieldsets share it
            request.scenario_words = selectors.scenario_words()
        return request.scenario_words

    def _writes(self, request, obj) -> bool:
        return self.has_change_permission(request, obj) if obj is not None else self.has_add_permission(request)

    def get_fieldsets(self, request, obj=None):
        state = ("Review", {"fields": ["review_status", "changed_by", "created_at", "updated_at"]})
        about = (None, {"fields": ["key", "title", "description", "is_active", "order"]})
        if not self._writes(request, obj):
            plan = ("What the plan must show", {"fields": self.read_only_words[1:]})
            return [about, ("The patient", {"fields": ["patient"]}), plan, state]
        plan = ("What the plan must show", {"fields": ["must_show", "must_not_show"]})
        state[1]["fields"].append("version")
        return [about, *answer_fieldsets(self._words(request)), plan, state]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = scenario_form(self._words(request), self.form)
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = [*self.readonly_fields, "key"] if obj is not None else list(self.readonly_fields)
        return fields if self._writes(request, obj) else [*fields, *self.read_only_words]

    # The read-only page (a reviewer's): the patient and what the plan must show, as the Review page says them.
    @admin.display(description="Answers")
    def patient(self, obj):
        return render_to_string("admin/content/_scenario_answers.html", {"groups": self._reading(obj)["answers"]})

    @admin.display(description="Must show")
    def plan_must_show(self, obj):
        return render_to_string("admin/content/_item_labels.html", {"labels": self._reading(obj)["must_show"]})

    @admin.display(description="Must not show")
    def plan_must_not_show(self, obj):
        return render_to_string("admin/content/_item_labels.html", {"labels": self._reading(obj)["must_not_show"]})

    def _reading(self, obj):
        # Read once per object shown (the three fields above share it), not kept between requests.
        if getattr(obj, "_reading", None) is None:
            obj._reading = selectors.scenario_reading(obj)
        return obj._reading

    def history_words(self):
        return selectors.scenario_words().field_text

    def save_model(self, request, obj, form, change):
        saved = services.scenario_save(
            scenario=obj if change else None,
            user=request.user,
            fields=form.scenario_fields(adding=not change),
            version=form.cleaned_data.get("version"),
        )
        obj.pk = saved.pk
        obj._state.adding = False
        if "_submit" in request.POST:
            services.scenario_review(scenario=saved, action="submit", user=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # switch a scenario off instead: a change that is reviewed
