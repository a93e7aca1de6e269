"""manage.py plan: answers from a file or stdin, printed as text or the API's JSON."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import answers

pytestmark = pytest.mark.django_db


def run(*args, stdin=None, monkeypatch=None):
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("plan", *args, stdout=out)
    return out.getvalue()


def test_prints_a_readable_plan(tmp_path, first_edition):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers(context="transient_bme", treatments_tried=["nsaids"])))
    text = run(str(path))
    assert text.startswith("Edition 1: Management of bone marrow edema (published)")
    assert "CAUTION: some of this content has not yet been approved" in text
    assert "Transient bone marrow edema syndrome" in text
    assert "Already tried: NSAIDs." in text
    assert "References\n  [1] " in text
    # Every number in the reference list is cited somewhere in the text, pathway summaries included.
    body, references = text.split("References\n")
    for number in range(1, references.count("\n  [") + 2):
        assert f"[{number}]" in body


def test_reads_stdin_and_prints_the_api_json(first_edition, monkeypatch, client):
    body = {"answers": answers(context="cno")}
    printed = json.loads(run("-", "--json", stdin=json.dumps(body), monkeypatch=monkeypatch))
    from_api = client.post("/api/v1/plan", json.dumps(body), content_type="application/json").json()
    assert printed == from_api


def test_a_bare_answers_object_or_a_request_body_both_work(tmp_path, first_edition):
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(answers()))
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"answers": answers()}))
    assert run(str(bare)) == run(str(wrapped))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (json.dumps(answers(site="elbow")), "answers.site: 'elbow' is not one of"),
        (json.dumps(answers(response=None)), "answers.response: This question is required."),
        (json.dumps(answers(symptom_weeks=2, conservative_weeks=3)), "answers.conservative_weeks: Longer than"),
        ('{"mri_done": ', "body: Malformed JSON"),
    ],
)
def test_bad_answers_exit_non_zero_with_the_api_messages(tmp_path, first_edition, content, message):
    path = tmp_path / "answers.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        run(str(path))


def test_an_unknown_edition_is_an_error(tmp_path, first_edition):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers()))
    with pytest.raises(CommandError, match=r"edition: No published edition 4\."):
        run(str(path), "--edition", "4")


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "absent.json"))
