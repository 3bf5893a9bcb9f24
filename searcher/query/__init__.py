"""Our query language and search policy, engine-neutral: text is parsed into a
small tree (parser.py, tree.py); a SearchRequest (request.py) is planned once
for every backend (plan.py: fallback, stop words, suggestions); backends
compile the tree and run it (searcher/engine/)."""
