"""Helpers for the FHIR tests."""


def question_items(questionnaire):
    """linkId -> (group linkId, item) for every question of a Questionnaire (its groups' items)."""
    return {
        item["linkId"]: (group["linkId"], item)
        for group in questionnaire["item"]
        for item in group["item"]
        if item["type"] != "display"
    }
