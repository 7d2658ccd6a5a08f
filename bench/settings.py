"""The portal's settings plus a bare comparison view (bench/pages.py); never used in production."""

from attestation.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
