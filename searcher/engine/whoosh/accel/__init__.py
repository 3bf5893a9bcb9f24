"""Every piece that reaches into Whoosh 2.7.4's internals. Each module's docstring says
which Whoosh behaviour it replaces or patches, why, and which tests show it answers as Whoosh does.
"""
