"""Parts of a demo conversation: walking a guide step by step, a handoff to staff, the after-hours offer."""
from __future__ import annotations

import asyncio
import math
import random
import re
from typing import Dict, Sequence, Tuple

from assistant.demo import phrases
from assistant.demo.client import Chat, payload_value
from assistant.demo.staff import DemoStaff

# The chance of a first 「わからない」 on a step, by step id: reading the card with the phone, the PINs
# and the photo are where residents get stuck.
STUCK_CHANCES: Tuple[Tuple[re.Pattern, float], ...] = (
    (re.compile(r"phone_read_card|reader_card|phone_nfc|qr_scan|scan_qr|store_ic_.*|store_face|register_photo|"
                r"upload_photo|atm_card|sign"), 0.45),
    (re.compile(r"app_login|login_phone|login|confirm_self"), 0.35),  # these read the card with the phone too
    (re.compile(r".*_pin|.*_pin_.*|pins_ready|type_id|open_mail|.*login.*|set_card|hosp_auth|attach|store_app|"
                r"enter_account|photo_paste|online_(qr|photo)|take_photo"), 0.2),
    (re.compile(r"register_email|enter_details|fill_.*|phone_install|phone_cover|reader_connect|app_check|choose_.*|"
                r"select_menu|pay|pin_decide.*"), 0.07),
)
DEFAULT_STUCK = 0.03
SCORES = (5, 4, 3, 2, 1)
SCORE_WEIGHTS = {"guide_stuck": (25, 30, 22, 13, 10), "": (40, 32, 15, 8, 5)}
AGE_BANDS = ("under20", "20s", "30s", "40s", "50s", "60s", "70s", "80plus")
AGE_WEIGHTS = {"kiosk": (2, 3, 5, 8, 12, 25, 30, 15), "telegram": (4, 16, 24, 24, 18, 9, 4, 1),
               "rest": (2, 10, 18, 22, 20, 15, 10, 3)}
CALLBACK_NUMBER = "090-0000-0000"  # not a number anyone has: the demo's callbacks call nobody


def stuck_chance(step: str) -> float:
    for pattern, chance in STUCK_CHANCES:
        if pattern.fullmatch(step):
            return chance
    return DEFAULT_STUCK


def in_guide(chat: Chat) -> bool:
    return chat.find("/guide_done") is not None or chat.find("/guide_answer") is not None


async def walk_guide(chat: Chat, rng: random.Random) -> str:
    """Answers the branch questions and goes through the steps; returns how the run ended."""
    for _ in range(80):
        if chat.find("/guide_answer"):
            roll = rng.random()
            if roll < 0.03 and await chat.tap("/human_help_request", rng.uniform(10, 40)):
                return "handoff"
            if roll < 0.06 and await chat.tap("/guide_stop", rng.uniform(5, 30)):
                return "stopped"
            await chat.press(rng.choice(chat.all("/guide_answer")), rng.uniform(5, 25))
            continue
        if chat.find("/guide_done") is None:
            return "completed" if "おしまい" in chat.text else "ended"
        step = payload_value(chat.find("/human_help_request") or {}, "step") or ""
        chance = min(0.9, stuck_chance(step) * chat.slowness / 1.3)
        roll = rng.random()
        if roll < 0.015:
            return "left"  # closed the page
        if roll < 0.035 and await chat.tap("/guide_stop", rng.uniform(10, 60)):
            return "stopped"
        if rng.random() < chance:
            await chat.tap("/guide_stuck", rng.uniform(30, 150))  # the hint
            again = rng.random()
            if again < (0.35 if chance >= 0.3 else 0.2):
                await chat.tap("/guide_stuck", rng.uniform(40, 180))  # a person takes over
            if again > 0.94 and await chat.tap("/guide_stop", rng.uniform(10, 60)):
                return "stopped"
            if again > 0.8:
                await chat.tap("/guide_repeat", rng.uniform(10, 40))
        elif rng.random() < 0.03:
            await chat.tap("/guide_back", rng.uniform(10, 40))
        if not await chat.tap("/guide_done", rng.uniform(20, 150) * (2 if chance >= 0.2 else 1)):
            return "ended"
    return "ended"


async def age_band(chat: Chat, rng: random.Random) -> None:
    """Answers the optional age question when it is asked (most do, some decline, some ignore it)."""
    if chat.find("/age_band") is None:
        return
    roll = rng.random()
    if roll < 0.62:
        band = rng.choices(AGE_BANDS, AGE_WEIGHTS.get(chat.channel, AGE_WEIGHTS["rest"]))[0]
        button = chat.find(f'/age_band{{"band":"{band}"}}') or chat.all("/age_band")[0]
        await chat.press(button, rng.uniform(4, 15), divert=False)
    elif roll < 0.8:
        await chat.press(chat.all("/age_band")[-1], rng.uniform(3, 10), divert=False)


def _staff_wait(chat: Chat, rng: random.Random) -> float:
    if chat.channel == "kiosk":
        return rng.uniform(60, 300)  # staff walk over to the kiosk
    return min(1800.0, rng.lognormvariate(math.log(300), 0.6))


async def with_staff(chat: Chat, staff: DemoStaff, rng: random.Random) -> None:
    """Staff answer the handoff, talk with the resident and end it; the resident rates the help."""
    handoff_id = chat.open_handoff()
    chat.handled.append(handoff_id)
    chat.met_staff = True
    record = await asyncio.to_thread(staff.record, handoff_id, chat.sender)
    if rng.random() < 0.3:
        await chat.say(rng.choice(phrases.WHILE_WAITING), rng.uniform(20, 90), divert=False)
    chat.wait(_staff_wait(chat, rng))
    gone = rng.random() < 0.07  # the resident left before staff answered
    await asyncio.to_thread(staff.reply, handoff_id, rng.choice(phrases.STAFF_REPLIES.get(record.reason)
                                                                or phrases.STAFF_REPLIES[""]))
    if not gone:
        await chat.inbox(rng.uniform(5, 30))
        for _ in range(rng.choice((0, 1, 1, 2))):
            await chat.say(rng.choice(phrases.TO_STAFF), rng.uniform(20, 90), divert=False)
            chat.wait(rng.uniform(30, 180))
            await asyncio.to_thread(staff.reply, handoff_id, rng.choice(phrases.STAFF_FOLLOW_UPS))
            await chat.inbox(rng.uniform(5, 30))
    chat.wait(rng.uniform(60, 400) if not gone else rng.uniform(600, 1200))
    outcome = "no_reply" if gone else staff.outcome(rng, record.reason)
    await asyncio.to_thread(staff.resolve, handoff_id, outcome)
    if gone:
        return
    await chat.inbox(rng.uniform(3, 40))
    if rng.random() < (0.7 if chat.channel == "kiosk" else 0.82):
        weights = SCORE_WEIGHTS.get(record.reason, SCORE_WEIGHTS[""])
        score = rng.choices(SCORES, weights)[0]
        button = (chat.find(f'/handoff_feedback{{"score":"{score}"}}')
                  or {"payload": f'/handoff_feedback{{"score":"{score}"}}'})  # the closing went to another client
        await chat.press(button, rng.uniform(4, 20), divert=False)
        await age_band(chat, rng)


async def after_hours(chat: Chat, staff: DemoStaff, rng: random.Random) -> None:
    """The desk was closed: most decline the callback, some leave their number, some just go."""
    roll = rng.random()
    if roll < 0.15:
        return
    if roll < 0.7:
        await chat.tap('/handoff_callback{"answer":"no"}', rng.uniform(5, 20), divert=False)
        return
    if not (await chat.tap('/handoff_callback{"answer":"yes"}', rng.uniform(5, 20), divert=False)
            and await chat.tap('/handoff_callback{"answer":"consent"}', rng.uniform(10, 40), divert=False)):
        return
    when = rng.choice(("平日の午前", "午後2時以降", "いつでも", "夕方"))
    await chat.say(f"{CALLBACK_NUMBER} {when}", rng.uniform(20, 60), divert=False)
    record = await asyncio.to_thread(staff.store.open_handoff, chat.sender)
    if record is not None and record.status == "callback_requested":
        chat.handoffs.append(record.id)
        chat.handled.append(record.id)
        chat.wait(rng.uniform(13, 20) * 3600)  # called back the next working morning
        await asyncio.to_thread(staff.resolve, record.id, "phone")


def pick_weighted(rng: random.Random, table: Dict[str, Tuple[int, Sequence[str]]]) -> str:
    """A key of (weight, ...) pairs, by weight."""
    names = list(table)
    return rng.choices(names, [table[n][0] for n in names])[0]
