"""The pathway engine: question vocabulary, conditions and (later) plan assembly.

Pure Python with no Django import, so it can be read in one sitting and tested
without a database. Django apps import from here; nothing here imports them.
"""
