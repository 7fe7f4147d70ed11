"""Load stage: bytes on disk -> plain Python data with line numbers.

Nothing here knows about disclosures; it only turns files into
:class:`~cunwu.load.located.Located` documents or load problems.
"""
