"""Page builders: one module per disclosure kind, plus the village's own pages.

A kind's builder (named by ``pages`` in :mod:`cunwu.kinds`) is a
:class:`~cunwu.render.site.KindPages`: it turns the village's validated
documents of that kind into :class:`~cunwu.render.common.Output` records (the
section index, a page per document) and the rows of their open data.
"""
