"""Signals the pipelines send one another; connect with ``crawler.signals.connect``.

A record that a later, richer duplicate replaces has already been written (output is
streamed), so the components involved tell each other rather than hold records back.
"""

record_replaced = object()
"""Sent by DedupePipeline before it passes on a richer duplicate. Argument: ``url``.

The record passed on earlier for that URL is superseded by the one that follows.
"""

record_removed = object()
"""Sent by JsonlWriterPipeline for each superseded record it removes on close. Argument: ``record``.

Counters of records (StatsPipeline) take the record back out of their counts.
"""
