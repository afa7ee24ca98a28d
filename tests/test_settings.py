"""Settings whose production value a test of the running servers replaces with a shorter one (tests/conftest.py)."""
from assistant.settings import Settings


def test_published_answers_reach_residents_within_a_minute_by_default_and_at_most():
    """An action server looks for newly published answers every 20 s by default and never less often than once a
    minute, so a resident gets an edited answer within a minute (the browser test runs with 5 s)."""
    assert Settings.from_env({}).knowledge_refresh_seconds == 20
    assert Settings.from_env({"MADOGUCHI_KNOWLEDGE_REFRESH_SECONDS": "5"}).knowledge_refresh_seconds == 5
    assert Settings.from_env({"MADOGUCHI_KNOWLEDGE_REFRESH_SECONDS": "600"}).knowledge_refresh_seconds == 60
