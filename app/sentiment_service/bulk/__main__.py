"""`python -m sentiment_service.bulk score INPUT OUTPUT`: see sentiment_service.bulk.cli."""

import sys

# Spawned workers import this module as __mp_main__; the guard keeps pyarrow and the command out of them.
if __name__ == "__main__":
    from sentiment_service.bulk.cli import main

    sys.exit(main())
