"""Build shim for ``scrapyd-deploy``, which builds the project's egg with ``setup.py bdist_egg``.

Everything is declared in ``pyproject.toml`` (including the ``scrapy`` entry point naming the
settings module, which Scrapyd reads from the egg); without this file ``scrapyd-deploy``
would write its own setup.py into the checkout.
"""

from setuptools import setup

setup()
