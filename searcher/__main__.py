from .cli import main

if __name__ == "__main__":  # only when run as `python -m searcher`, not on import
    main()
