"""The kiosk's server side without a browser: cited pages named in words (no raw address on the screen),
and おわる during a staff call cancelling the handoff with a line for staff."""
import pytest

from assistant.handoff.door import LEFT_NOTE, HandoffDoor
from assistant.channels.kiosk import KioskInput
from assistant.channels.render import to_kiosk
from assistant.channels.furigana import get_furigana
from tests.helpers.conversation import handoff_store


@pytest.fixture
def kiosk(knowledge):
    channel = KioskInput.__new__(KioskInput)
    channel.knowledge = knowledge
    return channel


@pytest.mark.parametrize("url, title", [
    ("https://www.kojinbango-card.go.jp/kofushinse/checkpoint.html", "マイナンバーカード総合サイト"),
    ("https://www.city.bunkyo.lg.jp/b013/p000323.html", "参考：ほかの市区町村の案内（全国で同じ手続き）"),
    ("https://www.tomioka-town.jp/soshiki/jumin/6033.html", "参考：ほかの市区町村の案内（全国で同じ手続き）"),
    ("https://www.pref.oita.jp/soshiki/10/mynumber.html", "参考：ほかの都道府県の案内（全国で同じ手続き）"),
    ("https://www.example.lg.jp/", "さくらみなと市のホームページ"),
    ("https://uehara-cl.jp/", "参考にしたホームページ"),
])
def test_a_cited_page_is_named_in_words(kiosk, url, title):
    assert kiosk.source_title(url) == title


def test_the_answer_on_the_kiosk_shows_no_address_but_keeps_it_for_the_qr_code(kiosk):
    from actions.common import Answers
    from assistant.knowledge import OTHER_MUNICIPALITY_NOTE

    url = "https://www.city.bunkyo.lg.jp/b013/p000323.html"
    text = f"暗証番号は窓口で再設定できます。\n出典：{url}（{OTHER_MUNICIPALITY_NOTE}2026年11月26日時点の情報です）"
    assert OTHER_MUNICIPALITY_NOTE in Answers(kiosk.knowledge).source_line(  # what the actions write, as the chat shows it
        kiosk.knowledge.entry_by_key("pin_forgotten_locked/forgotten_locked"))
    shown = to_kiosk([{"text": text}], get_furigana(), kiosk.source_title)[0]
    # Another city's page is a reference for a nationwide procedure, not this city's source.
    assert shown["text"].endswith("できます。\n参考：ほかの市区町村の案内（全国で同じ手続き）（2026年11月26日時点の情報です）")
    assert "http" not in shown["text"] + shown["html"] + shown["ruby"]
    assert shown["source"] == url and shown["source_title"] == "参考：ほかの市区町村の案内（全国で同じ手続き）"
    own = "出典：さくらみなと市の案内 https://www.example.lg.jp/（2026年12月5日時点の情報です）"
    assert to_kiosk([{"text": own}], get_furigana(), kiosk.source_title)[0]["text"] == \
        "出典：さくらみなと市の案内（2026年12月5日時点の情報です）"


def test_leaving_during_a_staff_call_cancels_it_and_tells_staff(knowledge):
    store = handoff_store()
    record, _ = store.open(conversation_id="kiosk-leave-1", channel="kiosk", reason="kiosk_call", kiosk_id="3")
    door = HandoffDoor(store, None)
    assert door.leave("kiosk-leave-1") is True
    assert store.get(record.id).status == "cancelled" and store.open_handoff("kiosk-leave-1") is None
    note = store.messages(record.id)[-1]
    assert (note.author, note.text) == ("bot", LEFT_NOTE) and note.delivered_at is not None
    assert store.take_pending("kiosk-leave-1") == []  # nothing waits for a resident who has gone
    assert door.leave("kiosk-leave-1") is False  # nothing open any more
