"""Runs the pytest suite, as Maven's verify phase does (clients/python/pom.xml). A missing package
(Debian: python3-pytest, python3-redis, python3-yaml, python3-prometheus-client) skips outside CI and fails
under CI=true."""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NEEDED = {"pytest": "python3-pytest", "redis": "python3-redis", "yaml": "python3-yaml",
          "prometheus_client": "python3-prometheus-client"}


def main() -> int:
    missing = [package for module, package in NEEDED.items() if importlib.util.find_spec(module) is None]
    if missing:
        message = f"sniper_client tests: {sys.executable} lacks {', '.join(missing)} (apt-get install {' '.join(missing)})"
        if os.environ.get("CI", "").lower() == "true":
            print(message + "; CI=true: failing", file=sys.stderr)
            return 1
        print(message + "; skipped", file=sys.stderr)
        return 0
    import pytest
    return pytest.main(["-q", "-p", "no:cacheprovider", os.path.join(HERE, "tests")] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
