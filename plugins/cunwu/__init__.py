"""cunwu: a static-site publisher for village affairs disclosures (村务公开).

The data takes one road: sources -> load -> validate -> model -> render -> write.
Each stage is a subpackage; each imports only the stages before it.
"""

__version__ = "0.1.0"
