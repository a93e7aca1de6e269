"""LHC-Forms (npm lforms) fills in the server's FHIR Questionnaire in Debian Chromium, for every content
scenario, and the QuestionnaireResponse it writes gets the same plan from /api/v1/plan as the same
answers in JSON, and as the wizard shows for them.

LHC-Forms runs on a made-up origin (``http://lforms.test``) whose every file Playwright serves from
disk: the harness page beside this file and lforms's own files from node_modules/lforms/dist/lforms/.
Any other request from the page is refused and fails the test, so nothing is fetched from outside. The
site grants no CORS, so the page cannot read the Questionnaire itself: the test fetches it from the live
server and hands it to the page, and posts what LHC-Forms writes back to the live server.

The form is filled in as a clinician would: each choice picked from the list LHC-Forms opens on its
field (for these items, with no itemControl, lforms 40 renders its own autocompleter, a combobox, for
single and multiple choice alike), each whole number typed; the questions asked only for some answers
appear through the Questionnaire's enableWhen, never by the test's doing.
"""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from bme_wizard.clinic.models import Assessment
from bme_wizard.content.models import Scenario
from bme_wizard.content.snapshot import edition_snapshot
from bme_wizard.pathway.answers import clean_answers, is_asked
from bme_wizard.pathway.plan import build_plan
from tests.browser.test_wizard_in_a_browser import ARTIFACTS
from tests.conftest import answers
from tests.fhir import FHIR_JSON, ROOT, answers_for, questionnaire_response
from tests.wizard_walk import walk

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = "http://lforms.test"
HARNESS = Path(__file__).with_name("lforms_harness.html")
LFORMS = (ROOT / "node_modules" / "lforms" / "dist" / "lforms").resolve()  # node_modules may be a link
QUESTIONNAIRE = "/fhir/Questionnaire/bme-pathway"
PLAN_PARTS = ("pathways", "recommendations", "already_tried", "pitfalls")


@pytest.fixture
def lforms(browser):
    """A page on the made-up origin with LHC-Forms loaded: ``.outside`` lists any request the page made
    elsewhere (refused), ``.errors`` its script errors and console errors."""
    if not (LFORMS / "webcomponent" / "main.js").is_file():
        pytest.fail("The npm package 'lforms' is not installed: run 'make node_modules/.installed' (npm ci).")
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.outside, page.errors = [], []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)

    def serve(route):
        url = route.request.url
        if not url.startswith(ORIGIN + "/"):
            page.outside.append(url)
            return route.abort()
        path = url.removeprefix(ORIGIN).split("?", 1)[0]
        if path == "/harness.html":
            return route.fulfill(path=HARNESS)
        file = (LFORMS / path.removeprefix("/lforms/")).resolve()
        if path.startswith("/lforms/") and file.is_relative_to(LFORMS) and file.is_file():
            return route.fulfill(path=file)
        page.outside.append(url)  # a file lforms wants that the package does not have
        return route.fulfill(status=404)

    page.route("**/*", serve)
    page.goto(f"{ORIGIN}/harness.html")
    ready = "Boolean(window.LForms?.Util?.addFormToPage && window.LForms.FHIR?.R4)"
    try:
        page.wait_for_function(ready, timeout=15_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"LHC-Forms did not load: refused {page.outside}, errors {page.errors}")
    yield page
    context.close()


def items_of(questionnaire):
    """Every question of the Questionnaire, in order (the step groups' items)."""
    return [item for group in questionnaire["item"] for item in group["item"]]


def render(page, questionnaire):
    """Show the Questionnaire in the page, afresh (LHC-Forms replaces the form already there)."""
    page.evaluate(
        "questionnaire => LForms.Util.addFormToPage(questionnaire, 'form', {fhirVersion: 'R4'})", questionnaire
    )


def written(page):
    """The QuestionnaireResponse LHC-Forms writes for the form as filled in."""
    return page.evaluate("LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', document.getElementById('form'))")


def problems(page):
    """What LHC-Forms itself finds wrong with the form as filled in (None when it finds nothing)."""
    return page.evaluate("LForms.Util.checkValidity(document.getElementById('form'))")


def field(page, item):
    """The item's input as LHC-Forms renders it, found by its label (which marks a required item " *")."""
    name = re.compile("^" + re.escape(item["text"]) + r"( \*)?$")
    return page.get_by_role("textbox" if item["type"] == "integer" else "combobox", name=name)


TAKEN = """([linkId, value]) => {
  const response = LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', document.getElementById('form'));
  const items = (list) => (list || []).flatMap((item) => [item, ...items(item.item)]);
  const item = items(response.item).find((item) => item.linkId === linkId);
  return Boolean(item?.answer?.some((answer) => (answer.valueCoding?.code ?? answer.valueInteger) === value));
}"""


def taken(page, item, value):
    """Wait until LHC-Forms has taken ``value`` (an answer code, or a number) as an answer to the item: it
    writes a pick into its form data a moment after the click, so a response read at once can miss it."""
    page.wait_for_function(TAKEN, arg=[item["linkId"], value])


def choose(page, item, label):
    """Open the item's list and pick ``label`` from it, as a clinician does (the list numbers its options)."""
    field(page, item).click()
    options = page.locator("#lhc-tools-searchResults li")
    options.filter(has_text=re.compile(r"^\d+:\s*" + re.escape(label) + "$")).click()
    code = next(
        option["valueCoding"]["code"] for option in item["answerOption"] if option["valueCoding"]["display"] == label
    )
    taken(page, item, code)


def answer(page, item, value):
    box = field(page, item)
    if item["type"] == "integer":
        box.click()
        box.press_sequentially(str(value))
        box.press("Tab")
        expect(box).to_have_value(str(value))
        taken(page, item, value)
        return
    labels = {option["valueCoding"]["code"]: option["valueCoding"]["display"] for option in item["answerOption"]}
    for one in value if isinstance(value, list) else [value]:
        choose(page, item, labels[f"{item['linkId']}.{one}"])
    if item.get("repeats"):
        box.press("Escape")  # done: a multiple choice's list stays open for more picks
    else:
        expect(box).to_have_value(labels[f"{item['linkId']}.{value}"])
    expect(page.locator("#lhc-tools-searchResults")).to_be_hidden()


def fill_in(page, questionnaire, vocabulary, answers):
    """Render the Questionnaire and answer it; return the questions that answers revealed.

    What is shown is held to the wizard's own rule (``is_asked``), not to the Questionnaire's enableWhen
    that LHC-Forms reads: before a question is answered, every question asked only for some of its answers
    is hidden; once all are answered, exactly the questions the wizard asks for these answers are shown."""
    render(page, questionnaire)
    items = items_of(questionnaire)
    cleaned = clean_answers(answers, vocabulary=vocabulary)
    revealed = set()
    for item in items:
        key = item["linkId"]
        dependents = [d for d in items if (rule := vocabulary[d["linkId"]].asked_when) and rule.question == key]
        for dependent in dependents:
            expect(field(page, dependent), f"{dependent['linkId']} shown before {key} is answered").to_be_hidden()
        value = answers.get(key)
        if value is None or value == []:
            continue
        expect(field(page, item), f"{key} is not shown").to_be_visible()
        answer(page, item, value)
        revealed |= {d["linkId"] for d in dependents if is_asked(vocabulary[d["linkId"]], cleaned)}
    for item in items:
        box = field(page, item)
        if is_asked(vocabulary[item["linkId"]], cleaned):
            expect(box, f"{item['linkId']} should be asked").to_be_visible()
        else:
            expect(box, f"{item['linkId']} should not be asked").to_be_hidden()
    return revealed


def keys(plan):
    return {part: [entry["key"] for entry in plan[part]] for part in PLAN_PARTS}


def engine_keys(plan):
    parts = (plan.pathways, plan.recommendations, plan.tried, plan.pitfalls)
    return {part: [item.entry.key for item in items] for part, items in zip(PLAN_PARTS, parts, strict=True)}


def check_the_wizard(client, answers, plan):
    """The wizard, walked with these answers, saves the same answers, gets the same plan from the engine,
    and its summary shows the plan's statements (advice, then pitfalls) in the plan's order."""
    summary_url = walk(client, answers)
    assessment = Assessment.objects.get(token=summary_url.strip("/").rsplit("/", 1)[1])
    assert assessment.answers == plan["answers"]
    snapshot = edition_snapshot(assessment.edition)
    assert engine_keys(build_plan(assessment.answers, snapshot)) == keys(plan)
    page = client.get(summary_url).content.decode()
    html = {entry.key: entry.text_html for entry in (*snapshot.recommendations, *snapshot.pitfalls)}
    shown = [key for part in ("recommendations", "pitfalls") for key in keys(plan)[part]]
    assert page.count('<div class="statement-text">') == len(shown)
    position = 0
    for key in shown:
        position = page.find(f'<div class="statement-text">{html[key]}</div>', position)
        assert position >= 0, f"the summary does not show {key} where the plan has it"
    assert page.count('<li class="statement statement-tried">') == len(plan["already_tried"])


def test_lhc_forms_fills_in_the_questionnaire_for_every_scenario_and_gets_the_wizards_plan(
    live_server, first_edition, lforms, client
):
    api = lforms.context.request
    served = api.get(live_server.url + QUESTIONNAIRE)
    assert served.ok, served.text()
    questionnaire = served.json()
    canonical = f"{questionnaire['url']}|{questionnaire['version']}"
    vocabulary = edition_snapshot(first_edition).vocabulary
    scenarios = list(Scenario.objects.filter(is_active=True))
    assert len(scenarios) >= 37
    revealed = set()
    for number, scenario in enumerate(scenarios):
        carried = answers_for(questionnaire, scenario.answers)  # weeks of symptoms: the wizard does not ask it
        revealed |= fill_in(lforms, questionnaire, vocabulary, carried)
        assert problems(lforms) is None, scenario.key
        if number == 0:
            ARTIFACTS.mkdir(exist_ok=True)
            lforms.screenshot(path=ARTIFACTS / "lforms-questionnaire.png", full_page=True)
        response = written(lforms)
        # What LHC-Forms wrote: this Questionnaire, version included, and each answer as the option's coding
        # (or the number typed), in the Questionnaire's step groups, as tests.fhir writes a response.
        assert response["resourceType"] == "QuestionnaireResponse"
        assert response["questionnaire"] == canonical, scenario.key
        assert response["item"] == questionnaire_response(questionnaire, carried)["item"], scenario.key

        from_lforms = api.post(
            live_server.url + "/api/v1/plan", data=json.dumps(response), headers={"Content-Type": FHIR_JSON}
        )
        assert from_lforms.status == 200, (scenario.key, from_lforms.text())
        in_json = api.post(
            live_server.url + "/api/v1/plan",
            data=json.dumps({"answers": carried}),
            headers={"Content-Type": "application/json"},
        )
        assert in_json.status == 200, (scenario.key, in_json.text())
        plan = from_lforms.json()
        assert plan == in_json.json(), scenario.key
        check_the_wizard(client, carried, plan)
        shown = {key for part in keys(plan).values() for key in part}
        assert set(scenario.must_show) <= shown, scenario.key
        assert not set(scenario.must_not_show) & shown, scenario.key

    asked_when = {item["linkId"] for item in items_of(questionnaire) if vocabulary[item["linkId"]].asked_when}
    assert revealed == asked_when, "some question asked only for some answers was never revealed"
    assert lforms.outside == []
    assert lforms.errors == []


def served_questionnaire(live_server, page):
    served = page.context.request.get(live_server.url + QUESTIONNAIRE)
    assert served.ok, served.text()
    return served.json()


def post_plan(live_server, page, response):
    return page.context.request.post(
        live_server.url + "/api/v1/plan", data=json.dumps(response), headers={"Content-Type": FHIR_JSON}
    )


def answered(response):
    """linkId -> the answers of a nested QuestionnaireResponse: codes, or the numbers given."""
    return {
        item["linkId"]: [
            answer.get("valueCoding", {}).get("code", answer.get("valueInteger")) for answer in item["answer"]
        ]
        for group in response["item"]
        for item in group["item"]
    }


def at(step, link_id):
    return [f"QuestionnaireResponse.item.where(linkId='step-{step}').item.where(linkId='{link_id}')"]


def test_what_lhc_forms_lets_a_clinician_give_the_server_refuses_naming_the_item(live_server, first_edition, lforms):
    """Two things the Questionnaire says that lforms 40 does not hold the clinician to. optionExclusive is not
    supported (lforms's sdc-support.md lists it as not yet supported): "None" can be picked beside a structural
    finding. A number over maxValue is flagged on the form (checkValidity) but written into the response all
    the same. The server refuses both, naming each item by its linkId."""
    questionnaire = served_questionnaire(live_server, lforms)
    items = {item["linkId"]: item for item in items_of(questionnaire)}
    fill_in(lforms, questionnaire, edition_snapshot(first_edition).vocabulary, answers_for(questionnaire, answers()))
    assert answered(written(lforms))["structural_findings"] == ["structural_findings.none"]
    choose(lforms, items["structural_findings"], "Erosions")  # beside "None", which stays picked
    field(lforms, items["structural_findings"]).press("Escape")
    weeks = field(lforms, items["conservative_weeks"])
    weeks.click()
    weeks.press("Control+A")
    weeks.press_sequentially("600")  # the maximum is 520
    weeks.press("Tab")
    taken(lforms, items["conservative_weeks"], 600)
    [problem] = problems(lforms)
    assert "Weeks of conservative treatment so far" in problem and "520" in problem
    response = written(lforms)
    given = answered(response)
    assert given["structural_findings"] == ["structural_findings.none", "structural_findings.erosions"]
    assert given["conservative_weeks"] == [600]
    refused = post_plan(live_server, lforms, response)
    assert refused.status == 400
    outcome = refused.json()
    assert [(issue["code"], issue["expression"]) for issue in outcome["issue"]] == [
        ("value", at("mri", "structural_findings")),
        ("value", at("treatment", "conservative_weeks")),
    ]
    assert lforms.outside == [] and lforms.errors == []


def test_a_changed_answer_takes_the_questions_it_asked_out_of_the_response(live_server, first_edition, lforms):
    """A clinician who answers "no MRI" after all: the MRI questions go from the form and from the response
    LHC-Forms writes, and the plan is that of the answers without them. Back to "yes", they return as given."""
    questionnaire = served_questionnaire(live_server, lforms)
    items = {item["linkId"]: item for item in items_of(questionnaire)}
    with_mri = answers_for(questionnaire, answers())
    fill_in(lforms, questionnaire, edition_snapshot(first_edition).vocabulary, with_mri)
    before = written(lforms)
    choose(lforms, items["mri_done"], "No")
    asked_for_mri = [
        key for key, item in items.items() if item.get("enableWhen", [{}])[0].get("question") == "mri_done"
    ]
    assert asked_for_mri
    for key in asked_for_mri:
        expect(field(lforms, items[key])).to_be_hidden()
    without_mri = {key: value for key, value in with_mri.items() if key not in asked_for_mri} | {"mri_done": "no"}
    response = written(lforms)
    assert response["item"] == questionnaire_response(questionnaire, without_mri)["item"]
    from_lforms = post_plan(live_server, lforms, response)
    assert from_lforms.status == 200, from_lforms.text()
    in_json = lforms.context.request.post(
        live_server.url + "/api/v1/plan",
        data=json.dumps({"answers": without_mri}),
        headers={"Content-Type": "application/json"},
    )
    assert from_lforms.json() == in_json.json()
    choose(lforms, items["mri_done"], "Yes")
    for key in asked_for_mri:
        expect(field(lforms, items[key])).to_be_visible()
    assert written(lforms)["item"] == before["item"]
    assert lforms.outside == [] and lforms.errors == []
