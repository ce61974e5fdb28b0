"""Item pipelines: normalize -> cap -> validate -> dedupe -> seen -> stats -> write JSONL."""
