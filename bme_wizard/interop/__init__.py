"""What other systems read: the guideline's questions as HL7 FHIR R4 resources (an SDC Questionnaire,
the CodeSystem of its answers, the CapabilityStatement), and a QuestionnaireResponse read back into the
answers the engine takes.

It reads edition snapshots and writes nothing. The resources are built by plain Python over a snapshot
(``fhir``, ``questionnaire``, ``codesystem``, ``capability``, ``questionnaire_response``, and
``openapi`` for the API's document: no Django import, type-checked); ``selectors`` and ``views`` are
the thin Django side. A PlanDefinition would sit
beside the Questionnaire the same way: a builder over the snapshot, a view, a line in ``capability``.
"""
