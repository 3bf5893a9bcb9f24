"""Our query language: parse text into a small engine-neutral tree (tree.py,
parser.py); engines compile that tree (whoosh_compile.py) and run it."""
