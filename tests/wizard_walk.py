"""Drive the wizard with Django's test client, as a browser without JavaScript would."""

from bme_wizard.pathway.vocabulary import QUESTIONS, STEPS, Kind


def start(client) -> str:
    response = client.post("/assess/")
    assert response.status_code == 302, response
    return response["Location"]


def step_data(url: str, step: str, answers: dict, *, slot: str = "assessment", **extra) -> dict[str, list[str]]:
    """The form data of one step, as a browser posts it (lists, so multi answers keep every value).
    ``slot`` is the run's kind: "assessment", or "preview" for a preview run."""
    run_id = url.rstrip("/").rsplit("/", 1)[1]
    data = {f"{slot}_{run_id}-current_step": [step]}
    for key, value in answers.items():
        question = QUESTIONS[key]
        if question.step == step:
            data[f"{step}-{key}"] = [str(v) for v in value] if question.kind is Kind.MULTI else [str(value)]
    for key, value in extra.items():
        data[key] = value if isinstance(value, list) else [value]
    return data


def post_step(client, url, step, answers, *, slot: str = "assessment", **extra):
    return client.post(url, step_data(url, step, answers, slot=slot, **extra))


def walk(client, answers: dict) -> str:
    """Start a run, answer every step; return the summary URL."""
    url = start(client)
    for step in STEPS:
        response = post_step(client, url, step.key, answers)
        assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"].startswith("/a/")
    return response["Location"]


def walk_preview(client, edition, answers: dict) -> str:
    """Start a preview run of ``edition`` (a staff client), answer every step; return the preview summary URL."""
    response = client.post(f"/preview/{edition.pk}/")
    assert response.status_code == 302, response
    url = response["Location"]
    for step in STEPS:
        response = post_step(client, url, step.key, answers, slot="preview")
        assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"{url}summary/"
    return response["Location"]
