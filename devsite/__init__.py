"""The development site: the offline snapshot of the Wilson Center and two generic think
tanks (the offline world) served on 127.0.0.1, and the demo that crawls it. Not shipped in
the egg: it reads ``tests/fixtures``."""
