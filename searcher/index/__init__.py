"""The Whoosh index: analysis, schema, writing (with its manifest) and the
stored-field conversion back to our records. Only this package and
searcher.query import whoosh."""
