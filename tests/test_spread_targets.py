"""brief_scraper/runs/spread/targets.py: the [deploy:NAME] sections of scrapy.cfg are the nodes,
checked, one line naming the target and the key."""

from __future__ import annotations

from configparser import ConfigParser

import pytest

from brief_scraper.runs.spread.targets import deploy_targets


def config(text: str) -> ConfigParser:
    parser = ConfigParser()
    parser.read_string(text)
    return parser


def test_named_targets_only_in_file_order_with_their_project():
    targets = deploy_targets(config(
        "[deploy]\nurl = http://127.0.0.1:6800/\n[deploy:b]\nurl = http://127.0.0.1:6802\nproject = other\n"
        "[deploy:a]\nurl = http://127.0.0.1:6801/\n"
    ))  # fmt: skip
    assert [(t.name, t.url, t.project) for t in targets] == [
        ("b", "http://127.0.0.1:6802/", "other"), ("a", "http://127.0.0.1:6801/", "brief_scraper"),
    ]  # fmt: skip
    assert [t.name for t in deploy_targets(config("[deploy:a]\nurl = http://h.example/\n[deploy:b]\n"
                                                  "url = http://g.example/\n"), "b")] == ["b"]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[deploy]\nurl = http://127.0.0.1:6800/\n", "scrapy.cfg has no [deploy:NAME] target"),
        ("[deploy:a]\nproject = p\n", "scrapy.cfg: [deploy:a]: url: missing"),
        ("[deploy:a]\nurl = ftp://h.example/\n", "scrapy.cfg: [deploy:a]: url: 'ftp://h.example/' is not"),
        ("[deploy:a]\nurl = http://u:s3cret@h.example/\n", "scrapy.cfg: [deploy:a]: url: a URL with user"),
        ("[deploy:a]\nurl = http://h.example/\nproject = ../x\n", "scrapy.cfg: [deploy:a]: project: a"),
        ("[deploy:a b]\nurl = http://h.example/\n", "scrapy.cfg: [deploy:a b]: a target name is"),
    ],
)  # fmt: skip
def test_a_bad_target_is_named_in_one_line(text, message):
    with pytest.raises(ValueError, match=r"^scrapy\.cfg") as failure:
        deploy_targets(config(text))
    assert str(failure.value).startswith(message)
    assert "s3cret" not in str(failure.value)
    assert "\n" not in str(failure.value)
