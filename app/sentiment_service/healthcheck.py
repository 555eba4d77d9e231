"""Container HEALTHCHECK without curl: exit 0 when /ready answers 200 on this container's port."""

import sys
import urllib.error
import urllib.request

from sentiment_service.settings import load_settings


def main() -> int:
    url = f"http://127.0.0.1:{load_settings().port}/ready"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - fixed loopback http URL
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1


if __name__ == "__main__":
    sys.exit(main())
