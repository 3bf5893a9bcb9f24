"""The web interface (``searcher serve``): search, facets, timeline and
reading in a browser, over the same Archive the CLI uses."""
