"""The door's memory for numbers split over two messages, and redaction of handoff messages and channel metadata."""
from hypothesis import given, settings, strategies as st

from assistant.privacy.memory import SplitNumbers
from assistant.privacy.normalise import normalise
from assistant.privacy.redact import MY_NUMBER, PHONE
from tests.privacy.strategies import japanese, my_numbers, separators, write

_KANJI = str.maketrans("〇零一二三四五六七八九", "00123456789")


def digits_left(text: str) -> str:
    return "".join(c for c in normalise(text).translate(_KANJI) if c.isdigit())


@settings(max_examples=300, deadline=None)
@given(number=my_numbers, cut=st.integers(1, 11), sep=separators, before=japanese, after=st.sampled_from(["", "です", "。よろしく"]),
       script=st.sampled_from(["ascii", "full", "math_bold", "kanji"]), inner=st.booleans())
def test_a_number_split_over_two_messages_is_redacted_in_the_second(number, cut, sep, before, after, script, inner):
    """「4802 0645」 then 「0527です」: the second part becomes ［個人番号］ and the resident is warned."""
    first_part = write(number[:cut], script)
    if inner and cut >= 4:  # the first message itself in groups: 「4802 06」
        first_part = write(number[:4], script) + sep + write(number[4:cut], script)
    door = SplitNumbers()
    first = door.redact("conversation-1", before + first_part)
    second = door.redact("conversation-1", write(number[cut:], script) + after)
    assert MY_NUMBER in second.found and second.had_secret, (first, second)
    assert number not in digits_left(first.text) + digits_left(second.text)
    assert len(door) == 0  # nothing is kept once the number is complete


@settings(max_examples=100, deadline=None)
@given(number=my_numbers, cut=st.integers(1, 11))
def test_the_memory_is_per_conversation_and_short_lived(number, cut):
    door = SplitNumbers()
    door.redact("a", number[:cut])
    assert MY_NUMBER not in door.redact("b", number[cut:]).found  # another conversation's message
    expired = SplitNumbers(seconds=0)
    expired.redact("a", number[:cut])
    import time

    time.sleep(0.001)
    assert MY_NUMBER not in expired.redact("a", number[cut:]).found


def test_the_memory_holds_a_bounded_number_of_conversations():
    door = SplitNumbers(conversations=3)
    for n in range(10):
        door.redact(f"c{n}", "番号は4802 0645")
    assert len(door) == 3


def test_three_messages_in_a_row():
    door = SplitNumbers()
    assert door.redact("c", "4802").text == "4802"
    assert door.redact("c", "0645").text == "0645"
    assert door.redact("c", "0527").text == MY_NUMBER


def test_messages_typed_to_staff_are_stored_redacted(tmp_path):
    from assistant.handoff.store import HandoffStore

    store = HandoffStore.from_url(f"sqlite:///{tmp_path / 'handoff.db'}", upgrade=True)
    handoff, _ = store.open(conversation_id="c-1", channel="rest", reason="asked")
    message = store.add_resident_message(handoff, "番号は四八〇二〇六四五〇五二七、電話は(090)6677-8899")
    assert [m.text for m in store.messages(handoff.id)] == [f"番号は{MY_NUMBER}、電話は{PHONE}"] == [message.text]
    store.close()


def test_channel_metadata_is_redacted():
    from assistant.channels.kiosk import KioskInput
    from assistant.channels.rest import ResidentRestInput

    kiosk = object.__new__(KioskInput)
    assert kiosk.metadata_of({"metadata": {"kiosk": "(090)6677-8899", "easy": True}}) == {"kiosk": PHONE, "easy": True}
    assert kiosk.metadata_of({"metadata": {"kiosk": "7"}}) == {"kiosk": "7", "easy": False}
    kept = ResidentRestInput.clean_metadata({"note": "4802–0645–0527", "mail": "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "n": 3})
    assert kept == {"note": MY_NUMBER, "mail": "［メールアドレス］", "n": 3}


def test_a_consented_callback_number_is_taken_in_any_format():
    from assistant.privacy.redact import find_phones

    assert find_phones("(090)6677-8899に、夕方") == ["(090)6677-8899"]
    assert find_phones("０９０–６６７７–８８９９") == ["090–6677–8899"]
    assert find_phones("番号は480206450527です") == []
