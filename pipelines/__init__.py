"""Item pipelines: normalize -> validate -> dedupe -> write JSONL."""
