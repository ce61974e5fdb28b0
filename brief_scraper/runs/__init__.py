"""Run operations: what a scheduled crawl leaves behind, and how it is judged.

Stat keys (``stats``), health checks and the run report (``monitors``, ``runreport``,
``history``), the run files and the current dataset (``files``, ``dataset``,
``datasetupdate``), the seen-store of incremental runs (``seen``), the page archive and
re-extraction from it (``archive``, ``warcpages``, ``reextract``), and the folders a run may
write (``paths``).
"""
