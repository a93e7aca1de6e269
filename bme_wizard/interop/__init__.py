"""What other systems read: the guideline's questions as HL7 FHIR R4 resources (an SDC Questionnaire,
the CodeSystem of its answers, the CapabilityStatement).

It reads edition snapshots and writes nothing. The resources are built by plain Python over a snapshot
(``fhir``, ``questionnaire``, ``codesystem``, ``capability``: no Django import, type-checked);
``selectors`` and ``views`` are the thin Django side.
"""
