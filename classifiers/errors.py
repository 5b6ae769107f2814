"""The classifiers' own errors: the package knows nothing of the pipeline that uses it, whose command line and
tasks report these as they report their own."""

from __future__ import annotations


class ClassifierError(Exception):
    """Base of every error the classifiers raise on purpose."""


class ModelError(ClassifierError):
    """A model artifact is missing, untrusted or not what this version expects."""


class CorpusError(ClassifierError):
    """A training or evaluation corpus is missing or malformed."""
