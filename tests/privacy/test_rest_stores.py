"""Through the running servers: every format that leaked before reaches neither the tracker store (texts,
parse data, metadata, sender ids) nor the handoff messages nor the logs, and the resident is warned."""
import sqlite3
import uuid

import pytest

from assistant.privacy.scan import scan_files, unescape_json
from tests.privacy.strategies import with_check_digit

pytestmark = pytest.mark.model

N = with_check_digit("48020645052")  # 480206450527
M = with_check_digit("04164106885")  # 041641068851
K = "四八〇二〇六四五〇五二七"
MATH = "".join(chr(0x1D7CE + int(d)) for d in N)

# (what the resident types, what of it must not be stored (distinct enough not to occur by chance in the
# stores' numbers), whether the warning is due)
TYPED = [
    (f"私の番号は{N[:4]}  {N[4:8]}  {N[8:]}です", N, True),
    (f"{N[:4]} - {N[4:8]} - {N[8:]}", N, True),
    (f"{N[:4]}–{N[4:8]}–{N[8:]}", N, True),
    (f"{N[:4]}\u2011{N[4:8]}\u2011{N[8:]}", N, True),
    (f"{N[:4]}\u00a0{N[4:8]}\u00a0{N[8:]}", N, True),
    (f"{N[:4]}/{N[4:8]}/{N[8:]}", N, True),
    (f"{N[:4]},{N[4:8]},{N[8:]}", N, True),
    (f"番号は\n{N[:4]}\n{N[4:8]}\n{N[8:]}", N, True),
    (f"{N[:4]}\t{N[4:8]}\t{N[8:]}", N, True),
    (f"{N[:4]}\u00ad{N[4:8]}\u00ad{N[8:]}", N, True),
    (f"番号は{MATH}です", N, True),
    (f"マイナンバーは{K}です", N, True),
    (f"{M} 5921", (M, " 5921"), True),
    (f"令和6 {N}", N, True),
    ("暗証番号は、たしか、えーと8317です", "8317です", True),
    ("パスワードは839201", "は839201", True),
    ("パスワードはqxzvbnmk", "qxzvbnmk", True),
    ("7318が暗証番号です", "7318が", True),
    ("暗証番号を言います。6284", "。6284", True),
    ("暗証番号は 9 3 7 1", "9 3 7 1", True),
    ("暗証番号は九三七一", "九三七一", True),
    ("my PIN is 2468", "is 2468", True),
    ("password is Tk93kq2zz", "Tk93kq2zz", True),
    ("暗証コード5193です", "5193です", True),
    ("電話は(090)6677-8899です", "6677-8899", False),
    ("電話は090–6677–8899です", "6677–8899", False),
    ("電話は０９０－６６７７－８８９９です", ("６６７７", "6677-8899"), False),
    ("メールはｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐです", ("ｔａｒｏ", "taro@"), False),
    ("メールは hanako@市役所.jp です", "hanako@", False),
    ("メールは jiro at example dot com です", "jiro at", False),
]


def secrets(secret):
    return secret if isinstance(secret, tuple) else (secret,)


def warned(replies) -> bool:
    """The polite warning the channel gives when it redacted a My Number or a PIN."""
    return replies[0]["text"].startswith("ご注意：マイナンバー（12桁の番号）や暗証番号は")


def user_texts(assistant, sender):
    return [e for e in assistant.tracker(sender)["events"] if e["event"] == "user"]


def stored_text(assistant) -> str:
    """Every text cell of the tracker store and the product database, and the logs."""
    cells = []
    for name in ("tracker.db", "madoguchi.db"):
        conn = sqlite3.connect(f"file:{assistant.data_dir / name}?mode=ro", uri=True)
        try:
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                for row in conn.execute(f'SELECT * FROM "{table}"'):
                    cells += [unescape_json(c) for c in row if isinstance(c, str)]
        finally:
            conn.close()
    cells += [p.read_text(encoding="utf-8", errors="ignore") for p in assistant.log_dir.glob("*.log")]
    return "\n".join(cells)


def test_no_format_reaches_the_tracker_store_parse_data_or_logs(assistant):
    senders = []
    for typed, secret, due in TYPED:
        senders.append(f"p2-{uuid.uuid4().hex[:8]}")
        assert warned(assistant.send(senders[-1], typed)) == due, typed
    for sender, (typed, secret, _) in zip(senders, TYPED):
        [event] = user_texts(assistant, sender)
        assert "［" in event["text"], (typed, event["text"])
        assert not any(x in str(event) for x in secrets(secret)), (typed, event)  # text, parse data
    stored = stored_text(assistant)
    for typed, secret, _ in TYPED:
        assert not any(x in stored for x in secrets(secret)), typed
    assert [where for where, _ in scan_files([assistant.data_dir, assistant.log_dir])] == []


def test_a_number_split_over_two_messages_is_not_stored_whole(assistant):
    sender = f"p2-{uuid.uuid4().hex[:8]}"
    number = with_check_digit("73920518264")
    assistant.send(sender, f"私のマイナンバーは{number[:4]} {number[4:8]}")
    replies = assistant.send(sender, f"{number[8:]}です")
    assert warned(replies)
    first, second = [e["text"] for e in user_texts(assistant, sender)]
    assert first == f"私のマイナンバーは{number[:4]} {number[4:8]}"  # the first part stays as typed (8 digits)
    assert second == "［個人番号］です"
    assert number not in stored_text(assistant).replace(" ", "")


def test_messages_to_staff_metadata_and_sender_ids_are_redacted(assistant):
    sender = f"p2-{uuid.uuid4().hex[:8]}"
    assert "職員におつなぎします" in assistant.text(sender, "職員さんと話したいです")
    for typed, _secret, due in TYPED[:16]:
        replies = assistant.send(sender, typed)
        assert warned(replies) == due and replies[1]["custom"]["from"] == "system", typed
    held = [m.text for h in assistant.store.search(limit=1000) if h.conversation_id == sender
            for m in assistant.store.messages(h.id) if m.author == "resident"][-16:]
    assert len(held) == 16 and all("［" in text for text in held), held
    for _typed, secret, _ in TYPED[:16]:
        assert not any(x in text for text in held for x in secrets(secret)), secret

    # Channel metadata (the kiosk's number is stored with every message) and a sender id made of a number.
    other = f"p2-{uuid.uuid4().hex[:8]}"
    assistant.post("/webhooks/rest/webhook", {"sender": other, "message": "こんにちは",
                                              "metadata": {"note": f"{N[:4]}–{N[4:8]}–{N[8:]}", "phone": "(090)1357-2468"}})
    metadata = user_texts(assistant, other)[0]["metadata"]
    assert metadata["note"] == "［個人番号］" and metadata["phone"] == "［電話番号］"
    odd = f"id-{K}"
    assistant.send(odd, "こんにちは")
    conn = sqlite3.connect(assistant.data_dir / "tracker.db")
    try:
        senders = {row[0] for row in conn.execute("SELECT DISTINCT sender_id FROM events")}
    finally:
        conn.close()
    assert odd not in senders and not any(K in s for s in senders)
