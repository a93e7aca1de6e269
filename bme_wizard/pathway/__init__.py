"""The pathway engine: the questions, answer rules, conditions, review statuses, plan assembly,
comparison of editions and of plans, and content scenarios.

Pure Python with no Django import, so it can be read in one sitting and tested without a
database; the content app hands it an edition as a plain snapshot. Django apps import from
here; nothing here imports them.
"""
